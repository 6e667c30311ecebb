import type { SocketInit } from '../connection/network.js';
import { resolveNetworkOptions, type HeadersOption, type TlsOptions } from './network-options.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { WebSocketConstructor } from '../connection/transport.js';
import type { Logger } from '../observe/log.js';
import { silentLogger } from '../observe/log.js';
import { jsonProtocol } from '../protocol/json.js';
import type { Protocol } from '../protocol/types.js';
import { unitInterval, type BackoffStrategy, type JitterKind } from '../core/backoff.js';
import { normalizeAuthOptions } from '../auth/options.js';
import type { AuthOptions, ResolvedAuthOptions } from '../auth/types.js';
import { reportsNetwork } from '../platform/network.js';
import { defaultWebSocket, platformSocketInit } from '../platform/websocket.node.js';
import { fn, invalid, ms, num, obj, withDefaults } from './validate.js';

/** Reconnect policy. */
export interface ReconnectOptions {
  /** First retry's delay scale (decorrelated: the first retry falls in [1×, 3×]). @default 1_500 */
  initialDelayMs?: number;
  /** Cap on any delay the backoff draws; jitter stays spread below it. @default 8_000 */
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

/** Subscription behaviour. */
export interface SubscriptionOptions {
  /** A subscribe not acknowledged within this counts as failed and is retried. @default 10_000 (protocol may set) */
  ackTimeoutMs?: number;
  /** Per connection; the one over gets `SUBSCRIPTION_LIMIT`. @default Infinity (protocol may set) */
  maxSubscriptions?: number;
  /** Pace subscribe frames this far apart (servers that punish bursts). @default 0 (protocol may set) */
  subscribeIntervalMs?: number;
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

/** The type of {@link DEFAULTS}: every option group with each value filled in. */
export interface ClientDefaults {
  /** See {@link ReconnectOptions}. */
  readonly reconnect: Readonly<Required<ReconnectOptions>>;
  /** See {@link StreamClientOptions.connectTimeoutMs}. */
  readonly connectTimeoutMs: number;
  /** See {@link StreamClientOptions.handshakeTimeoutMs}. */
  readonly handshakeTimeoutMs: number;
  /** See {@link StreamClientOptions.closeTimeoutMs}. */
  readonly closeTimeoutMs: number;
  /** See {@link HeartbeatOptions}. */
  readonly heartbeat: Readonly<Required<HeartbeatOptions>>;
  /** See {@link SubscriptionOptions}; a protocol's `limits` take precedence. */
  readonly subscriptions: Readonly<Required<SubscriptionOptions>>;
  /** See {@link StaleOptions} (`resubscribeAfterMs` is off by default). */
  readonly stale: {
    /** See {@link StaleOptions.afterMs}. */
    readonly afterMs: number;
  };
  /** See {@link FallbackOptions} (`fetch` has no default). */
  readonly fallback: Readonly<Required<Omit<FallbackOptions, 'fetch'>>>;
  /** See {@link RenderOptions}. */
  readonly render: Readonly<Required<RenderOptions>>;
  /** See {@link StreamClientOptions.outbox}. */
  readonly outbox: {
    /** See {@link StreamClientOptions.outbox}. */
    readonly maxMessages: number;
  };
  /** See {@link StreamClientOptions.maxFrameBytes}. */
  readonly maxFrameBytes: number;
}

/**
 * Every default in one place. Frozen (deeply): a client given no value for a group shares the
 * group's object here instead of holding its own copy.
 */
export const DEFAULTS: ClientDefaults = deepFreeze({
  // Spread for a fleet: a lone drop is back in 1.5–4.5 s; see bench/RESULTS.md (d) for why.
  reconnect: { initialDelayMs: 1_500, maxDelayMs: 8_000, maxHintMs: 300_000, factor: 2, jitter: 'decorrelated', maxAttempts: Infinity, resetAfterMs: 5_000, quickRetryMs: 500, downMaxDelayMs: 2_000 },
  connectTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  closeTimeoutMs: 1_000,
  heartbeat: { intervalMs: 15_000, timeoutMs: 10_000 },
  subscriptions: { ackTimeoutMs: 10_000, maxSubscriptions: Infinity, subscribeIntervalMs: 0 },
  stale: { afterMs: 10_000 },
  fallback: { intervalMs: 5_000, timeoutMs: 5_000, concurrency: 4 },
  render: { maxBytes: 8 * 1024 * 1024, maxEntries: 10_000, minIntervalMs: 50 },
  outbox: { maxMessages: 1_000 },
  maxFrameBytes: 16 * 1024 * 1024,
} as const);

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (typeof v === 'object' && v !== null) deepFreeze(v);
  return Object.freeze(o);
}

/** The default protocol. jsonProtocol() keeps no per-connection state, so every client shares one (frozen). */
let sharedJsonProtocol: Protocol | undefined;

/** {@link StreamClientOptions} validated, with every default filled in: what {@link resolveOptions} returns. */
export interface ResolvedOptions {
  /** See {@link StreamClientOptions.url}. */
  url: StreamClientOptions['url'];
  /** The given protocol, or the shared `jsonProtocol()`. */
  protocol: Protocol;
  /** See {@link StreamClientOptions.auth}; `undefined` for an open feed. */
  auth: ResolvedAuthOptions | undefined;
  /** See {@link ReconnectOptions}. */
  reconnect: Required<ReconnectOptions>;
  /** See {@link StreamClientOptions.connectTimeoutMs}. */
  connectTimeoutMs: number;
  /** See {@link StreamClientOptions.handshakeTimeoutMs}. */
  handshakeTimeoutMs: number;
  /** See {@link StreamClientOptions.closeTimeoutMs}. */
  closeTimeoutMs: number;
  /** See {@link HeartbeatOptions}; `false` when disabled. */
  heartbeat: Required<HeartbeatOptions> | false;
  /** See {@link SubscriptionOptions}, with the protocol's `limits` applied. */
  subscriptions: Required<SubscriptionOptions>;
  /** See {@link StaleOptions}. */
  stale: {
    /** See {@link StaleOptions.afterMs}. */
    afterMs: number;
    /** See {@link StaleOptions.resubscribeAfterMs}. */
    resubscribeAfterMs?: number;
  };
  /** See {@link FallbackOptions}; `undefined` without a fallback. */
  fallback: Required<FallbackOptions> | undefined;
  /** See {@link RenderOptions}. */
  render: Required<RenderOptions>;
  /** See {@link StreamClientOptions.outbox}. */
  outbox: {
    /** See {@link StreamClientOptions.outbox}. */
    maxMessages: number;
  };
  /** See {@link StreamClientOptions.logger}. */
  logger: Logger;
  /** See {@link StreamClientOptions.WebSocket}. */
  WebSocket: WebSocketConstructor;
  /** Headers, TLS and agent of the Node socket, built from `headers`/`tls`/`agent`; undefined when none apply. @internal */
  socketInit: SocketInit | undefined;
  /** See {@link StreamClientOptions.random}. */
  random: () => number;
  /** See {@link StreamClientOptions.clock}. */
  clock: Clock;
  /** See {@link StreamClientOptions.unref}. */
  unref: boolean;
  /** See {@link StreamClientOptions.maxFrameBytes}. */
  maxFrameBytes: number;
  /** See {@link StreamClientOptions.offlineAware}. */
  offlineAware: boolean;
}

const JITTERS: readonly string[] = ['none', 'full', 'equal', 'decorrelated'];

/** Validate and fill defaults. Throws `StreamClientError('INVALID_OPTIONS')` naming the option. */
export function resolveOptions(input: StreamClientOptions): ResolvedOptions {
  const o = obj('options', input) as unknown as StreamClientOptions;
  if (typeof o.url !== 'function') {
    if (typeof o.url !== 'string') invalid('url', 'must be a string or a function', o.url);
    if (!/^wss?:\/\//i.test(o.url)) invalid('url', 'must start with ws:// or wss://');
  }
  const protocol = o.protocol === undefined ? (sharedJsonProtocol ??= Object.freeze(jsonProtocol())) : o.protocol;
  if (protocol === null || typeof protocol !== 'object') invalid('protocol', 'must implement Protocol (decode, subscribe, unsubscribe)', protocol);
  for (const m of ['decode', 'subscribe', 'unsubscribe'] as const) {
    if (typeof protocol[m] !== 'function') invalid(`protocol.${m}`, 'must be a function (a Protocol implements decode, subscribe, unsubscribe)', protocol[m]);
  }
  const limits = protocol.limits ?? {};

  const reconnect = withDefaults<Required<ReconnectOptions>>(DEFAULTS.reconnect, o.reconnect && obj('reconnect', o.reconnect));
  ms('reconnect.initialDelayMs', reconnect.initialDelayMs, 1); // 0 with full jitter would retry nonstop
  ms('reconnect.maxDelayMs', reconnect.maxDelayMs, 1);
  ms('reconnect.maxHintMs', reconnect.maxHintMs, 1);
  if (reconnect.maxDelayMs < reconnect.initialDelayMs) invalid('reconnect.maxDelayMs', 'must be >= reconnect.initialDelayMs');
  num('reconnect.factor', reconnect.factor, 1);
  num('reconnect.maxAttempts', reconnect.maxAttempts, 0, { integer: true, infinite: true });
  ms('reconnect.resetAfterMs', reconnect.resetAfterMs, 0);
  ms('reconnect.quickRetryMs', reconnect.quickRetryMs, 0);
  ms('reconnect.downMaxDelayMs', reconnect.downMaxDelayMs, 1);
  if (typeof reconnect.jitter !== 'function' && !JITTERS.includes(reconnect.jitter)) {
    invalid('reconnect.jitter', `must be one of ${JITTERS.join(', ')} or a function`);
  }

  let heartbeat: ResolvedOptions['heartbeat'] = false;
  if (o.heartbeat !== false) {
    heartbeat = withDefaults<Required<HeartbeatOptions>>(DEFAULTS.heartbeat, o.heartbeat && obj('heartbeat', o.heartbeat));
    ms('heartbeat.intervalMs', heartbeat.intervalMs, 1);
    ms('heartbeat.timeoutMs', heartbeat.timeoutMs, 1);
  }

  const limitsGiven = definedOnly(limits);
  const subscriptions = withDefaults<Required<SubscriptionOptions>>(
    Object.keys(limitsGiven).length === 0 ? DEFAULTS.subscriptions : { ...DEFAULTS.subscriptions, ...limitsGiven },
    o.subscriptions && obj('subscriptions', o.subscriptions),
  );
  ms('subscriptions.ackTimeoutMs', subscriptions.ackTimeoutMs, 1, { infinite: true }); // Infinity: protocols without acks
  num('subscriptions.maxSubscriptions', subscriptions.maxSubscriptions, 1, { integer: true, infinite: true });
  ms('subscriptions.subscribeIntervalMs', subscriptions.subscribeIntervalMs, 0);

  const stale = withDefaults<{ afterMs: number; resubscribeAfterMs?: number }>(DEFAULTS.stale, o.stale && obj('stale', o.stale));
  ms('stale.afterMs', stale.afterMs, 1);
  if (stale.resubscribeAfterMs !== undefined) ms('stale.resubscribeAfterMs', stale.resubscribeAfterMs, 1);

  let fallback: ResolvedOptions['fallback'];
  if (o.fallback !== undefined) {
    fallback = withDefaults<Required<FallbackOptions>>({ ...DEFAULTS.fallback, fetch: undefined as never }, obj('fallback', o.fallback));
    fn('fallback.fetch', fallback.fetch);
    ms('fallback.intervalMs', fallback.intervalMs, 1);
    ms('fallback.timeoutMs', fallback.timeoutMs, 1);
    num('fallback.concurrency', fallback.concurrency, 1, { integer: true });
  }

  const render = withDefaults<Required<RenderOptions>>(DEFAULTS.render, o.render && obj('render', o.render));
  num('render.maxBytes', render.maxBytes, 1, { integer: true });
  num('render.maxEntries', render.maxEntries, 1, { integer: true });
  ms('render.minIntervalMs', render.minIntervalMs, 0);

  const outbox = withDefaults<{ maxMessages: number }>(DEFAULTS.outbox, o.outbox && obj('outbox', o.outbox));
  num('outbox.maxMessages', outbox.maxMessages, 0, { integer: true });

  const logger = o.logger ?? silentLogger;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) fn(`logger.${level}`, (logger as unknown as Record<string, unknown>)[level]);

  return {
    url: o.url,
    protocol,
    auth: o.auth === undefined ? undefined : normalizeAuthOptions(o.auth),
    reconnect,
    connectTimeoutMs: ms('connectTimeoutMs', o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs, 1),
    handshakeTimeoutMs: ms('handshakeTimeoutMs', o.handshakeTimeoutMs ?? DEFAULTS.handshakeTimeoutMs, 1),
    closeTimeoutMs: ms('closeTimeoutMs', o.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs, 0),
    heartbeat,
    subscriptions,
    stale,
    fallback,
    render,
    outbox,
    logger,
    WebSocket: o.WebSocket === undefined ? defaultWebSocket() : fn('WebSocket', o.WebSocket),
    socketInit: platformSocketInit(resolveNetworkOptions(o), o.WebSocket),
    random: o.random === undefined ? Math.random : unitRandom(fn('random', o.random)),
    clock: o.clock === undefined ? systemClock : clockOption(o.clock),
    unref: o.unref ?? false,
    offlineAware: o.offlineAware === undefined ? reportsNetwork() : o.offlineAware === true || o.offlineAware === false ? o.offlineAware : invalid('offlineAware', 'must be a boolean', o.offlineAware),
    maxFrameBytes: num('maxFrameBytes', o.maxFrameBytes ?? DEFAULTS.maxFrameBytes, 1, { integer: true }),
  };
}

/** A user clock needs `now`, `setTimeout` and `clearTimeout`; `monotonic`, if given, is a function. */
function clockOption(clock: unknown): Clock {
  const c = obj('clock', clock);
  for (const m of ['now', 'setTimeout', 'clearTimeout'] as const) fn(`clock.${m}`, c[m]);
  if (c['monotonic'] !== undefined) fn('clock.monotonic', c['monotonic']);
  return clock as Clock;
}

/** A user's random source, each draw forced into [0, 1): -1 or NaN must never make a delay negative or NaN. */
function unitRandom(random: () => number): () => number {
  return () => unitInterval(random());
}

function definedOnly<T extends object>(v: T): Partial<T> {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as Partial<T>;
}
