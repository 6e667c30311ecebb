import type { NatsConnection } from '@nats-io/transport-node';
import type { WebSocketConstructor } from '../connection/transport.js';
import { jsonProtocol } from '../protocol/json.js';
import type { Protocol } from '../protocol/types.js';
import { checkFeed } from './names.js';
import { RELAY_DEFAULTS } from './relay.js';
import { openFeed, type Feed } from './setup.js';
import { NatsSocket, type SourceContext } from './socket.js';

/** Options of `natsSource()`. */
export interface NatsSourceOptions {
  /** A connected NATS connection. */
  nats: NatsConnection;
  /** The relay's feed name. */
  feed: string;
  /** Used only if this consumer creates the interest bucket before any relay. @default 30_000 */
  interestTtlMs?: number;
}

/** Spread into `new StreamClient({ ...natsSource({ nats, feed }), stale: … })`. */
export interface NatsSource {
  /** A placeholder URL naming the feed (no network socket is opened to it). */
  readonly url: string;
  /** The protocol that reads the relay's frames. */
  readonly protocol: Protocol;
  /** A socket backed by NATS consumers instead of a WebSocket. */
  readonly WebSocket: WebSocketConstructor;
}

/**
 * The relay as a `StreamClient` source: a WebSocket-like constructor and its protocol, so
 * `subscribe`, `view`, `onStale`, gaps, counters and `health()` work as on a direct
 * connection. Each subscribed topic is an ordered JetStream consumer starting at the subject's
 * last message; the client's seq is the relay's, so what a failover lost shows as a gap.
 * @example
 * const client = new StreamClient({ ...natsSource({ nats, feed: 'kis' }), stale: { afterMs: 5_000 } });
 */
export function natsSource(options: NatsSourceOptions): NatsSource {
  const feed = checkFeed(options.feed);
  const nats = options.nats;
  const interestTtlMs = options.interestTtlMs ?? RELAY_DEFAULTS.interestTtlMs;
  let ready: Promise<Feed> | undefined;
  let beat: Promise<number> | undefined;
  const ctx: SourceContext = {
    nats,
    feed,
    feedReady: () => {
      ready ??= openFeed(nats, feed, {
        historyPerTopic: RELAY_DEFAULTS.historyPerTopic,
        duplicateWindowMs: RELAY_DEFAULTS.duplicateWindowMs,
        interestTtlMs,
        timeoutMs: 5_000,
      });
      ready.catch(() => (ready = undefined)); // a later socket tries again
      return ready;
    },
    heartbeatMs: () => {
      beat ??= ctx
        .feedReady()
        .then((f) => f.interest.status())
        .then((s) => Math.max(50, s.ttl / 3));
      beat.catch(() => (beat = undefined));
      return beat;
    },
  };
  const Socket = class extends NatsSocket {
    constructor() {
      super(ctx);
    }
  };
  return { url: `ws://nats-relay/${feed}`, protocol: jsonProtocol({ name: `relay:${feed}` }), WebSocket: Socket as unknown as WebSocketConstructor };
}
