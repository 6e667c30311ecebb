import type { AuthOptions } from '../auth/types.js';
import type { WebSocketConstructor } from '../connection/transport.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../observe/log.js';
import type { Protocol } from '../protocol/types.js';
import type { BackoffStrategy, JitterKind } from '../core/backoff.js';
import type { HeadersOption, TlsOptions } from './network-options.js';

// The options a user passes to `new StreamClient(options)`, documented for their editor. Every
// default lives in `DEFAULTS` (defaults.ts); `resolveOptions` (resolve.ts) validates and fills them.

/** Reconnect policy. */
export interface ReconnectOptions {
  /** First retry's delay scale (decorrelated: the first retry falls in [1×, 3×]). @default 1_500 */
  initialDelayMs?: number;
  /** Cap on any delay the backoff draws; jitter stays spread below it. @default 8_000 (raised to `initialDelayMs` when only that is given) */
  maxDelayMs?: number;
  /**
   * Bound on a server's retry hint (close 1013 `retry-after=`, `{"op":"retry"}`, KIS OPSP8996).
   * A hint only ever lengthens the backoff's delay; one above `maxDelayMs` is honoured up to
   * this bound, jittered in `[hint, 1.2 × hint)` so a fleet does not return in one wave.
   * @default 300_000
   */
  maxHintMs?: number;
  /** Exponential growth per attempt. @default 2 */
  factor?: number;
  /** `'none' | 'full' | 'equal' | 'decorrelated'`, or your own strategy. @default 'decorrelated' */
  jitter?: JitterKind | BackoffStrategy;
  /** Consecutive failed attempts before state `failed`. @default Infinity */
  maxAttempts?: number;
  /** Uptime after which the attempt counter resets. @default 5_000 */
  resetAfterMs?: number;
  /**
   * The first retry after a healthy connection drops (it opened, and no attempt failed since the
   * counter last reset) waits a random `[0, quickRetryMs)` instead of the backoff: a blip or a
   * server restart is the common case. A connection that keeps dropping backs off as usual.
   * 0 turns it off. @default 500
   */
  quickRetryMs?: number;
  /**
   * Cap on the backoff while attempts are refused at once (the socket fails within 50 ms, before
   * opening, with no HTTP answer: the host is up and nothing listens). Such probes cost the
   * server nothing and find its return within about half this. Timeouts and answered
   * rejections (HTTP 503, close 1013) keep `maxDelayMs`. Set it to `maxDelayMs` to turn it off.
   * @default 2_000
   */
  downMaxDelayMs?: number;
}

/** Half-open detection. */
export interface HeartbeatOptions {
  /** Quiet this long (no inbound frame at all) => probe. @default 15_000 */
  intervalMs?: number;
  /** No inbound frame this long after the probe => dead, reconnect. @default 10_000 */
  timeoutMs?: number;
}

/** Retry of a subscribe that failed (ack timeout, transient server error, server `complete`). */
export interface SubscribeRetryOptions {
  /** First retry delay (equal jitter: between half and all of it). @default 1_000 */
  initialDelayMs?: number;
  /** Cap of the retry delay. @default 30_000 (raised to `initialDelayMs` when only that is given) */
  maxDelayMs?: number;
  /** Exponential growth per attempt. @default 2 */
  factor?: number;
  /**
   * Attempts (the first send included) before the subscription is given up with
   * `SUBSCRIBE_TIMEOUT` (or `SUBSCRIPTION_REJECTED` after transient errors). `Infinity` never
   * gives up. @default 4
   */
  maxAttempts?: number;
}

/** Subscription behaviour. */
export interface SubscriptionOptions {
  /** A subscribe not acknowledged within this counts as failed and is retried; `Infinity`: no ack timer (protocols without acks). @default 10_000 (protocol may set) */
  ackTimeoutMs?: number;
  /** Per connection; the one over gets `SUBSCRIPTION_LIMIT`. @default Infinity (protocol may set) */
  maxSubscriptions?: number;
  /** Pace subscribe frames this far apart (servers that punish bursts). @default 0 (protocol may set) */
  subscribeIntervalMs?: number;
  /** Retries of a subscribe that failed. @default see {@link SubscribeRetryOptions} */
  retry?: SubscribeRetryOptions;
}

/** Per-topic staleness. */
export interface StaleOptions {
  /** Silence on a topic before it is `stale`. @default 10_000 */
  afterMs?: number;
  /** Re-send the subscription after being stale this long (servers that drop it silently). @default undefined (off) */
  resubscribeAfterMs?: number;
}

/** Polling source used while a topic is stale. */
export interface FallbackOptions {
  /** Fetches the topic's current value over another channel (HTTP); honour `signal` (timeout, unsubscribe, close). */
  fetch(topic: string, signal: AbortSignal): Promise<unknown>;
  /** Poll period per stale topic. @default 5_000 */
  intervalMs?: number;
  /** Each fetch is aborted after this. @default 5_000 */
  timeoutMs?: number;
  /** Fetches in flight across all topics. @default 4 */
  concurrency?: number;
}

/** The render cache shared by all views. */
export interface RenderOptions {
  /** Byte budget of cached outputs. @default 8 * 1024 * 1024 */
  maxBytes?: number;
  /** Entry bound of the cache. @default 10_000 */
  maxEntries?: number;
  /** Default per-view coalescing interval. @default 50 */
  minIntervalMs?: number;
  /** Default per-view bound on one async render (a view's `renderTimeoutMs` overrides it). @default 10_000 */
  renderTimeoutMs?: number;
}

/** Options of `new StreamClient(options)`. Only `url` is required. */
export interface StreamClientOptions {
  /** Where to connect; a function is called before every connect with the current token. */
  url: string | ((ctx: { token?: string }) => string);
  /** Wire protocol. @default jsonProtocol() */
  protocol?: Protocol;
  /** Credential lifecycle; omit for unauthenticated feeds. @default undefined */
  auth?: AuthOptions;
  /** Backoff between connection attempts. @default see {@link ReconnectOptions} */
  reconnect?: ReconnectOptions;
  /** Socket open must complete within this. @default 10_000 */
  connectTimeoutMs?: number;
  /** Protocol handshake (auth/init ack) must complete within this. @default 10_000 */
  handshakeTimeoutMs?: number;
  /** `stop()`/`close()` wait this long for a clean closing handshake, then terminate. @default 1_000 */
  closeTimeoutMs?: number;
  /** Liveness probing, or `false` to disable. @default { intervalMs: 15_000, timeoutMs: 10_000 } */
  heartbeat?: HeartbeatOptions | false;
  /** Acknowledgement, limit and pacing of subscribe frames. @default see {@link SubscriptionOptions} */
  subscriptions?: SubscriptionOptions;
  /** Per-topic silence detection. @default { afterMs: 10_000 } */
  stale?: StaleOptions;
  /** @default undefined (no fallback) */
  fallback?: FallbackOptions;
  /** The render cache behind `client.view()`. @default see {@link RenderOptions} */
  render?: RenderOptions;
  /** `client.send()` while offline. @default { maxMessages: 1_000 } */
  outbox?: {
    /** Messages kept while offline; one more throws `OUTBOX_FULL`. @default 1_000 */
    maxMessages?: number;
  };
  /** Any pino-compatible logger. Records are redacted. @default silent */
  logger?: Logger;
  /**
   * WHATWG-style WebSocket constructor (browser `WebSocket`, `ws`, undici's, React Native's).
   * @default the global `WebSocket` in browsers and workers; the `ws` package on Node
   */
  WebSocket?: WebSocketConstructor;
  /**
   * Headers of the upgrade request (Node only), or a function called before every connect with
   * the current token, like `url`. Values are secrets: never logged.
   * @example headers: ({ token }) => ({ Authorization: `Bearer ${token}` })
   * @default undefined
   */
  headers?: HeadersOption;
  /** TLS of the socket (Node only): a private CA, a client certificate, SNI. @default the system's trust store */
  tls?: TlsOptions;
  /**
   * An `http.Agent` for the socket (Node only), e.g. a proxy agent; `false` connects directly.
   * @default the proxy that `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` and `NO_PROXY` (any case) name for the URL, if any
   */
  agent?: object | false;
  /** Random source in [0, 1) for every jitter; a draw outside it is clamped into it. @default Math.random */
  random?: () => number;
  /** Time source; tests may inject one. @default system clock (works with vi.useFakeTimers) */
  clock?: Clock;
  /** Let the process exit even while a reconnect is pending. @default false */
  unref?: boolean;
  /**
   * Largest inbound frame accepted, in bytes. A larger one is refused (`ws` stops reading it;
   * other WebSocket implementations are checked on receipt, text by characters): an `error`
   * event with code `FRAME_TOO_LARGE`, then a reconnect. @default 16 MiB
   */
  maxFrameBytes?: number;
  /**
   * Treat the runtime's `offline` event as a lost connection at once, instead of waiting for
   * the heartbeat to notice. (An `online` event always retries a pending reconnect at once,
   * on a fresh backoff, wherever the runtime has those events.)
   * @default true where the runtime reports its network state (browsers, workers), else false
   */
  offlineAware?: boolean;
}
