import type { ConnectionState } from '../connection/states.js';

/** `client.health()`: a snapshot, O(topics). */
export interface Health {
  state: ConnectionState;
  /** When the current state began (epoch ms). */
  since: number;
  connected: boolean;
  /** Last inbound frame of any kind (epoch ms). */
  lastMessageAt: number | undefined;
  tokenExpiresAt: number | undefined;
  topics: { active: number; stale: number; fallback: number; pending: number; error: number };
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
