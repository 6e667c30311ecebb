import { StreamClientError } from '../core/errors.js';
import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { Protocol } from '../protocol/types.js';
import type { RandomSource } from '../core/backoff.js';
import type { FallbackConfig } from './fallback.js';
import type { StaleConfig } from './stale.js';

/** Retry of a subscribe that failed (ack timeout, transient server error, server `complete`). */
export interface SubscribeRetryOptions {
  /** First retry delay (equal jitter: between half and all of it). @default 1_000 */
  initialDelayMs?: number;
  /** Cap of the retry delay. @default 30_000 */
  maxDelayMs?: number;
  /**
   * Attempts (the first send included) before the subscription is given up with
   * `SUBSCRIBE_TIMEOUT` (or `SUBSCRIPTION_REJECTED` after transient errors). @default 4
   */
  maxAttempts?: number;
}

/** Options of the subscription registry (the client passes its resolved options through). */
export interface RegistryOptions {
  /**
   * A subscribe not acknowledged (no ack and no data) within this counts as failed and is
   * retried. `0` or `Infinity` disables the timer (protocols without acks).
   * @default protocol.limits.ackTimeoutMs, else 10_000
   */
  ackTimeoutMs?: number;
  /**
   * Server subscriptions per connection; the one over gets `SUBSCRIPTION_LIMIT` and is not sent.
   * @default protocol.limits.maxSubscriptions, else Infinity
   */
  maxSubscriptions?: number;
  /** Pace subscribe frames this far apart. @default protocol.limits.subscribeIntervalMs, else 0 */
  subscribeIntervalMs?: number;
  /** @default { initialDelayMs: 1_000, maxDelayMs: 30_000, maxAttempts: 4 } */
  retry?: SubscribeRetryOptions;
  /** Staleness; `undefined` watches only subscriptions with their own `staleAfterMs`. @default undefined */
  stale?: StaleConfig | undefined;
  /** Polling source for stale topics. @default undefined (no fallback) */
  fallback?: FallbackConfig | undefined;
  /** Random source in [0, 1) for retry and fallback jitter. @default Math.random */
  random?: RandomSource;
}

/** What the registry is built with (the facade wires these). */
export interface RegistryDeps {
  tasks: TaskRegistry;
  log: Log;
  counters: Counters;
  options?: RegistryOptions;
  /** Every entry error (once per entry, not per handle), e.g. the client's `error` event. */
  onError?(err: StreamClientError): void;
}

export const REGISTRY_DEFAULTS = {
  ackTimeoutMs: 10_000,
  retry: { initialDelayMs: 1_000, maxDelayMs: 30_000, maxAttempts: 4 },
  staleAfterMs: 10_000,
} as const;

export interface ResolvedRegistryOptions {
  /** `undefined`: no ack timer. */
  ackTimeoutMs: number | undefined;
  maxSubscriptions: number;
  subscribeIntervalMs: number;
  retry: { initialDelayMs: number; maxDelayMs: number; factor: number; maxAttempts: number };
  /** Default stale threshold; `undefined`: not watched unless a handle sets one. */
  staleAfterMs: number | undefined;
  random: RandomSource;
}

/** The resolved retry policy when none is given: one frozen object shared by every registry. */
const DEFAULT_RETRY: ResolvedRegistryOptions['retry'] = Object.freeze({ ...REGISTRY_DEFAULTS.retry, factor: 2 });

function check(name: string, value: number, min: number, allowInfinity = false): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || (!allowInfinity && !Number.isFinite(value))) {
    throw new TypeError(`${name} must be a number >= ${min}${allowInfinity ? ' (Infinity allowed)' : ''}`);
  }
  return value;
}

/** Apply defaults (options, then protocol limits, then `REGISTRY_DEFAULTS`) and validate. */
export function resolveRegistryOptions(o: RegistryOptions, protocol: Protocol): ResolvedRegistryOptions {
  const limits = protocol.limits ?? {};
  const ack = check('subscriptions.ackTimeoutMs', o.ackTimeoutMs ?? limits.ackTimeoutMs ?? REGISTRY_DEFAULTS.ackTimeoutMs, 0, true);
  const d = REGISTRY_DEFAULTS.retry;
  const retry = o.retry === undefined ? DEFAULT_RETRY : {
    initialDelayMs: check('subscriptions.retry.initialDelayMs', o.retry?.initialDelayMs ?? d.initialDelayMs, 0),
    maxDelayMs: check('subscriptions.retry.maxDelayMs', o.retry?.maxDelayMs ?? d.maxDelayMs, 0),
    factor: 2,
    maxAttempts: check('subscriptions.retry.maxAttempts', o.retry?.maxAttempts ?? d.maxAttempts, 1, true),
  };
  if (retry.maxDelayMs < retry.initialDelayMs) throw new TypeError('subscriptions.retry.maxDelayMs must be >= initialDelayMs');
  const staleAfterMs = o.stale ? check('stale.afterMs', o.stale.afterMs ?? REGISTRY_DEFAULTS.staleAfterMs, 1) : undefined;
  if (o.stale?.resubscribeAfterMs !== undefined) check('stale.resubscribeAfterMs', o.stale.resubscribeAfterMs, 1);
  if (o.fallback) {
    if (typeof o.fallback.fetch !== 'function') throw new TypeError('fallback.fetch must be a function');
    if (o.fallback.intervalMs !== undefined) check('fallback.intervalMs', o.fallback.intervalMs, 1);
    if (o.fallback.timeoutMs !== undefined) check('fallback.timeoutMs', o.fallback.timeoutMs, 1);
    if (o.fallback.concurrency !== undefined) check('fallback.concurrency', o.fallback.concurrency, 1);
  }
  const resolved: ResolvedRegistryOptions = {
    ackTimeoutMs: ack > 0 && Number.isFinite(ack) ? ack : undefined,
    maxSubscriptions: check('subscriptions.maxSubscriptions', o.maxSubscriptions ?? limits.maxSubscriptions ?? Infinity, 0, true),
    subscribeIntervalMs: check('subscriptions.subscribeIntervalMs', o.subscribeIntervalMs ?? limits.subscribeIntervalMs ?? 0, 0),
    retry,
    staleAfterMs,
    random: o.random ?? Math.random,
  };
  // Registries resolved alike from the defaults share one frozen result. Only then: the memo
  // must not keep anything of a user's (a custom retry policy or random source) alive.
  if (resolved.retry !== DEFAULT_RETRY || resolved.random !== Math.random) return resolved;
  if (lastResolved && sameOptions(lastResolved, resolved)) return lastResolved;
  return (lastResolved = Object.freeze(resolved));
}

let lastResolved: ResolvedRegistryOptions | undefined;

function sameOptions(a: ResolvedRegistryOptions, b: ResolvedRegistryOptions): boolean {
  return (
    a.ackTimeoutMs === b.ackTimeoutMs &&
    a.maxSubscriptions === b.maxSubscriptions &&
    a.subscribeIntervalMs === b.subscribeIntervalMs &&
    a.retry === b.retry &&
    a.staleAfterMs === b.staleAfterMs &&
    a.random === b.random
  );
}

/** Longest timer delay the platforms honour (Node fires longer ones after 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;
const HOOKS = ['onStale', 'onRecover', 'onError', 'onGap'] as const;

function invalidSubscribe(option: string, rule: string): never {
  throw new StreamClientError('INVALID_OPTIONS', `subscribe: ${option} ${rule}`, { details: { option } });
}

/** Check `subscribe(topic, onData, options)`: a clear `INVALID_OPTIONS` naming the argument. */
export function validateSubscribe(topic: unknown, onData: unknown, options: unknown): void {
  if (typeof topic !== 'string' || topic === '') invalidSubscribe('topic', 'must be a non-empty string');
  if (typeof onData !== 'function') invalidSubscribe('onData', 'must be a function');
  if (options === null || typeof options !== 'object') invalidSubscribe('options', 'must be an object');
  const o = options as Record<string, unknown>;
  const ms = o['staleAfterMs'];
  if (ms !== undefined && !(typeof ms === 'number' && ms > 0 && ms <= MAX_TIMER_MS)) invalidSubscribe('staleAfterMs', `must be a number > 0 and <= ${MAX_TIMER_MS}`);
  for (const hook of HOOKS) if (o[hook] !== undefined && typeof o[hook] !== 'function') invalidSubscribe(hook, 'must be a function');
  const from = o['from'];
  if (from !== undefined && !(Number.isSafeInteger(from) && (from as number) >= 0)) invalidSubscribe('from', 'must be a safe non-negative integer');
}
