import { MAX_TIMER_MS } from '../core/clock.js';
import { StreamClientError } from '../core/errors.js';
import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { RandomSource } from '../core/backoff.js';
import type { FallbackConfig } from './fallback.js';
import type { StaleConfig } from './stale.js';

/**
 * The registry's config: complete, validated and frozen by the client's `resolveOptions` (the
 * registry neither defaults nor checks it). The client's `subscriptions`, `stale`, `fallback`
 * and `random` options, with the protocol's `limits` applied.
 */
export interface ResolvedRegistryOptions {
  /** A subscribe not acknowledged (no ack and no data) within this counts as failed and is retried; `undefined`: no ack timer. */
  readonly ackTimeoutMs: number | undefined;
  /** Server subscriptions per connection; the one over gets `SUBSCRIPTION_LIMIT` and is not sent. */
  readonly maxSubscriptions: number;
  /** Pace subscribe frames this far apart. */
  readonly subscribeIntervalMs: number;
  /** Retry of a subscribe that failed (equal jitter); `maxAttempts` counts sends, the first included. */
  readonly retry: { readonly initialDelayMs: number; readonly maxDelayMs: number; readonly factor: number; readonly maxAttempts: number };
  /** Default stale threshold (`stale.afterMs`); `undefined`: not watched unless a handle sets one. */
  readonly staleAfterMs: number | undefined;
  /** Staleness settings of the monitor; `undefined` watches only subscriptions with their own `staleAfterMs`. */
  readonly stale: StaleConfig | undefined;
  /** Polling source for stale topics; `undefined`: no fallback. */
  readonly fallback: FallbackConfig | undefined;
  /** Random source in [0, 1) for retry and fallback jitter. */
  readonly random: RandomSource;
}

/** What the registry is built with (the facade wires these). */
export interface RegistryDeps {
  tasks: TaskRegistry;
  log: Log;
  counters: Counters;
  options: ResolvedRegistryOptions;
  /** Every entry error (once per entry, not per handle), e.g. the client's `error` event. */
  onError?(err: StreamClientError): void;
}

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
  // The client's `stale.afterMs` rule: a whole timer's worth of ms, at most what a timer holds.
  if (ms !== undefined && !(typeof ms === 'number' && ms >= 1 && ms <= MAX_TIMER_MS))
    invalidSubscribe('staleAfterMs', `must be a number of ms in [1, ${MAX_TIMER_MS}]`);
  for (const hook of HOOKS) if (o[hook] !== undefined && typeof o[hook] !== 'function') invalidSubscribe(hook, 'must be a function');
  const from = o['from'];
  if (from !== undefined && !(Number.isSafeInteger(from) && (from as number) >= 0)) invalidSubscribe('from', 'must be a safe non-negative integer');
}
