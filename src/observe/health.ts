import type { ConnectionState } from '../core/connection-state.js';

/** `client.health()`: a snapshot, O(topics). */
export interface Health {
  /** The connection state now. */
  state: ConnectionState;
  /** When the current state began (epoch ms). */
  since: number;
  /** `state === 'open'`. */
  connected: boolean;
  /** Last inbound frame of any kind (epoch ms). */
  lastMessageAt: number | undefined;
  /** When the current token expires (epoch ms); `undefined` without `auth` or before the first token. */
  tokenExpiresAt: number | undefined;
  /** Subscribed topics by state. */
  topics: {
    /** Acknowledged and receiving. */
    active: number;
    /** Silent longer than `stale.afterMs`. */
    stale: number;
    /** Stale and polled through `fallback.fetch`. */
    fallback: number;
    /** Waiting for the server's acknowledgement (or for a connection). */
    pending: number;
    /** Failed for good (rejected, over the limit). */
    error: number;
  };
}

interface ConnectionView {
  readonly state: ConnectionState;
  readonly since: number;
  readonly lastMessageAt: number | undefined;
}

interface RegistryView {
  topicCounts(): { active: number; stale: number; fallback: number; pending: number; error: number };
}

export function health(conn: ConnectionView, registry: RegistryView, tokenExpiresAt: number | undefined): Health {
  return {
    state: conn.state,
    since: conn.since,
    connected: conn.state === 'open',
    lastMessageAt: conn.lastMessageAt,
    tokenExpiresAt,
    topics: registry.topicCounts(),
  };
}
