import type { ResolvedAuthOptions } from '../auth/types.js';
import type { SocketInit } from '../connection/network.js';
import type { WebSocketConstructor } from '../connection/transport.js';
import { systemClock, type Clock } from '../core/clock.js';
import { silentLogger, type Logger } from '../observe/log.js';
import { jsonProtocol } from '../protocol/json.js';
import type { Protocol, ProtocolLimits } from '../protocol/types.js';
import { unitInterval, type RandomSource } from '../core/backoff.js';
import type { ResolvedRegistryOptions } from '../subscriptions/options.js';
import { reportsNetwork } from '../platform/network.js';
import { defaultWebSocket, platformSocketInit } from '../platform/websocket.node.js';
import { DEFAULTS, type ClientDefaults } from './defaults.js';
import { resolveNetworkOptions } from './network-options.js';
import type { FallbackOptions, HeartbeatOptions, ReconnectOptions, RenderOptions, StaleOptions, StreamClientOptions, SubscriptionOptions } from './options.js';
import { resolveAuth } from './resolve-auth.js';
import { bool, delayRange, fn, group, invalid, jitterName, ms, num, obj } from './validate.js';

/** {@link StreamClientOptions} validated, with every default filled in, frozen: what {@link resolveOptions} returns. */
export interface ResolvedOptions {
  /** See {@link StreamClientOptions.url}. */
  readonly url: StreamClientOptions['url'];
  /** The given protocol, or the shared `jsonProtocol()`. */
  readonly protocol: Protocol;
  /** See {@link StreamClientOptions.auth}; `undefined` for an open feed. */
  readonly auth: ResolvedAuthOptions | undefined;
  /** See {@link ReconnectOptions}. */
  readonly reconnect: Readonly<Required<ReconnectOptions>>;
  /** See {@link StreamClientOptions.connectTimeoutMs}. */
  readonly connectTimeoutMs: number;
  /** See {@link StreamClientOptions.handshakeTimeoutMs}. */
  readonly handshakeTimeoutMs: number;
  /** See {@link StreamClientOptions.closeTimeoutMs}. */
  readonly closeTimeoutMs: number;
  /** See {@link HeartbeatOptions}; `false` when disabled. */
  readonly heartbeat: Readonly<Required<HeartbeatOptions>> | false;
  /** See {@link SubscriptionOptions}, with the protocol's `limits` applied. */
  readonly subscriptions: ClientDefaults['subscriptions'];
  /** See {@link StaleOptions}. */
  readonly stale: {
    /** See {@link StaleOptions.afterMs}. */
    readonly afterMs: number;
    /** See {@link StaleOptions.resubscribeAfterMs}. */
    readonly resubscribeAfterMs?: number;
  };
  /** See {@link FallbackOptions}; `undefined` without a fallback. */
  readonly fallback: Readonly<Required<FallbackOptions>> | undefined;
  /** See {@link RenderOptions}. */
  readonly render: Readonly<Required<RenderOptions>>;
  /** See {@link StreamClientOptions.outbox}. */
  readonly outbox: {
    /** See {@link StreamClientOptions.outbox}. */
    readonly maxMessages: number;
  };
  /** See {@link StreamClientOptions.logger}. */
  readonly logger: Logger;
  /** See {@link StreamClientOptions.WebSocket}. */
  readonly WebSocket: WebSocketConstructor;
  /** Headers, TLS and agent of the Node socket, built from `headers`/`tls`/`agent`; undefined when none apply. @internal */
  readonly socketInit: SocketInit | undefined;
  /** The subscription registry's part of this config (subscriptions, stale, fallback, random). @internal */
  readonly registry: ResolvedRegistryOptions;
  /** See {@link StreamClientOptions.random}. */
  readonly random: RandomSource;
  /** See {@link StreamClientOptions.clock}. */
  readonly clock: Clock;
  /** See {@link StreamClientOptions.unref}. */
  readonly unref: boolean;
  /** See {@link StreamClientOptions.maxFrameBytes}. */
  readonly maxFrameBytes: number;
  /** See {@link StreamClientOptions.offlineAware}. */
  readonly offlineAware: boolean;
}

/** The default protocol. jsonProtocol() keeps no per-connection state, so every client shares one (frozen). */
let sharedJsonProtocol: Protocol | undefined;

/**
 * The one place options are checked and defaulted. Throws `StreamClientError('INVALID_OPTIONS')`
 * whose message starts with the option's path (`reconnect.maxDelayMs must be >= …`). Every part
 * receives its group from here, complete and frozen, and checks nothing itself.
 */
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

  const reconnect = group('reconnect', DEFAULTS.reconnect, o.reconnect);
  delayRange('reconnect', o.reconnect, reconnect); // initialDelayMs >= 1: 0 with full jitter would retry nonstop
  ms('reconnect.maxHintMs', reconnect.maxHintMs, 1);
  num('reconnect.factor', reconnect.factor, 1);
  num('reconnect.maxAttempts', reconnect.maxAttempts, 0, { integer: true, infinite: true }); // retries after a drop: 0 never retries
  ms('reconnect.resetAfterMs', reconnect.resetAfterMs, 0);
  ms('reconnect.quickRetryMs', reconnect.quickRetryMs, 0);
  ms('reconnect.downMaxDelayMs', reconnect.downMaxDelayMs, 1);
  jitterName('reconnect.jitter', reconnect.jitter, true);

  let heartbeat: ResolvedOptions['heartbeat'] = false;
  if (o.heartbeat !== false) {
    heartbeat = group('heartbeat', DEFAULTS.heartbeat, o.heartbeat);
    ms('heartbeat.intervalMs', heartbeat.intervalMs, 1);
    ms('heartbeat.timeoutMs', heartbeat.timeoutMs, 1);
  }

  const subscriptions = resolveSubscriptions(o.subscriptions, protocol.limits);
  const stale = group<ResolvedOptions['stale']>('stale', DEFAULTS.stale, o.stale);
  ms('stale.afterMs', stale.afterMs, 1);
  if (stale.resubscribeAfterMs !== undefined) ms('stale.resubscribeAfterMs', stale.resubscribeAfterMs, 1);

  let fallback: ResolvedOptions['fallback'];
  if (o.fallback !== undefined) {
    fallback = group<Required<FallbackOptions>>('fallback', { ...DEFAULTS.fallback, fetch: undefined as never }, o.fallback);
    fn('fallback.fetch', fallback.fetch);
    ms('fallback.intervalMs', fallback.intervalMs, 1);
    ms('fallback.timeoutMs', fallback.timeoutMs, 1);
    num('fallback.concurrency', fallback.concurrency, 1, { integer: true });
  }

  const render = group('render', DEFAULTS.render, o.render);
  num('render.maxBytes', render.maxBytes, 1, { integer: true });
  num('render.maxEntries', render.maxEntries, 1, { integer: true });
  ms('render.minIntervalMs', render.minIntervalMs, 0);
  ms('render.renderTimeoutMs', render.renderTimeoutMs, 1);

  const outbox = group('outbox', DEFAULTS.outbox, o.outbox);
  num('outbox.maxMessages', outbox.maxMessages, 0, { integer: true });

  const logger = o.logger ?? silentLogger;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) fn(`logger.${level}`, (logger as unknown as Record<string, unknown>)[level]);
  const random = o.random === undefined ? Math.random : unitRandom(fn('random', o.random));

  return Object.freeze({
    url: o.url,
    protocol,
    auth: o.auth === undefined ? undefined : resolveAuth(o.auth),
    reconnect: Object.freeze(reconnect),
    connectTimeoutMs: ms('connectTimeoutMs', o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs, 1),
    handshakeTimeoutMs: ms('handshakeTimeoutMs', o.handshakeTimeoutMs ?? DEFAULTS.handshakeTimeoutMs, 1),
    closeTimeoutMs: ms('closeTimeoutMs', o.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs, 0),
    heartbeat: heartbeat && Object.freeze(heartbeat),
    subscriptions,
    stale: Object.freeze(stale),
    fallback: fallback && Object.freeze(fallback),
    render: Object.freeze(render),
    outbox: Object.freeze(outbox),
    logger,
    WebSocket: o.WebSocket === undefined ? defaultWebSocket() : fn<WebSocketConstructor>('WebSocket', o.WebSocket),
    socketInit: platformSocketInit(resolveNetworkOptions(o), o.WebSocket),
    registry: registryConfig(subscriptions, stale, fallback, random),
    random,
    clock: o.clock === undefined ? systemClock : clockOption(o.clock),
    unref: o.unref === undefined ? false : bool('unref', o.unref),
    offlineAware: o.offlineAware === undefined ? reportsNetwork() : bool('offlineAware', o.offlineAware),
    maxFrameBytes: num('maxFrameBytes', o.maxFrameBytes ?? DEFAULTS.maxFrameBytes, 1, { integer: true }),
  });
}

/**
 * `subscriptions`: the user's values over the protocol's `limits` over `DEFAULTS` (merged here
 * only). A bad limit is named as the protocol's (`protocol.limits.ackTimeoutMs`), not the user's.
 */
function resolveSubscriptions(user: unknown, limits: ProtocolLimits | undefined): ResolvedOptions['subscriptions'] {
  const d = DEFAULTS.subscriptions;
  const given = limits === undefined ? {} : definedOnly(obj('protocol.limits', limits) as ProtocolLimits);
  subscriptionRules('protocol.limits', given);
  const s = group('subscriptions', Object.keys(given).length === 0 ? d : { ...d, ...given }, user);
  if (s === d) return d;
  subscriptionRules('subscriptions', s);
  const retryGiven = (user as { retry?: unknown } | undefined)?.retry;
  const retry = group('subscriptions.retry', d.retry, retryGiven);
  delayRange('subscriptions.retry', retryGiven, retry);
  num('subscriptions.retry.factor', retry.factor, 1);
  num('subscriptions.retry.maxAttempts', retry.maxAttempts, 1, { integer: true, infinite: true }); // sends, the first included
  return Object.freeze({ ...s, retry: Object.freeze(retry) });
}

function subscriptionRules(path: string, s: ProtocolLimits): void {
  if (s.ackTimeoutMs !== undefined) ms(`${path}.ackTimeoutMs`, s.ackTimeoutMs, 1, { infinite: true }); // Infinity: no ack timer (protocols without acks)
  if (s.maxSubscriptions !== undefined) num(`${path}.maxSubscriptions`, s.maxSubscriptions, 1, { integer: true, infinite: true });
  if (s.subscribeIntervalMs !== undefined) ms(`${path}.subscribeIntervalMs`, s.subscribeIntervalMs, 0);
}

function definedOnly<T extends object>(v: T): Partial<T> {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as Partial<T>;
}

/** The subscription registry's config, drawn from the resolved groups; on the defaults, one shared object. */
function registryConfig(
  s: ResolvedOptions['subscriptions'],
  stale: ResolvedOptions['stale'],
  fallback: ResolvedOptions['fallback'],
  random: RandomSource,
): ResolvedRegistryOptions {
  if (s === DEFAULTS.subscriptions && stale === DEFAULTS.stale && fallback === undefined && random === Math.random) return DEFAULT_REGISTRY;
  return registryOf(s, stale, fallback, random);
}

function registryOf(
  s: ResolvedOptions['subscriptions'],
  stale: ResolvedOptions['stale'],
  fallback: ResolvedOptions['fallback'],
  random: RandomSource,
): ResolvedRegistryOptions {
  return Object.freeze({
    ackTimeoutMs: Number.isFinite(s.ackTimeoutMs) ? s.ackTimeoutMs : undefined,
    maxSubscriptions: s.maxSubscriptions,
    subscribeIntervalMs: s.subscribeIntervalMs,
    retry: s.retry,
    staleAfterMs: stale.afterMs,
    stale,
    fallback,
    random,
  });
}

// Like DEFAULTS' groups, shared by every client on the defaults: one object per client measured
// +0.13 KB idle with a subscription (8.40 -> 8.53 KB, bench --only idle, load ~16 on 2 CPUs).
const DEFAULT_REGISTRY = registryOf(DEFAULTS.subscriptions, DEFAULTS.stale, undefined, Math.random);

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
