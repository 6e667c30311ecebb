import { StreamClientError } from '../core/errors.js';
import { strategies, type JitterKind } from '../core/backoff.js';
import { isFatalTokenError } from './classify.js';
import type { AuthOptions, ResolvedAuthOptions } from './types.js';

/** The largest delay a JS timer can hold; longer ones fire at once (Node clamps them to 1 ms). */
export const MAX_TIMER_MS = 2_147_483_647;

/** Every default of `auth`, documented on `AuthOptions`. */
export const DEFAULTS = {
  refreshBeforeMs: 300_000,
  timeoutMs: 10_000,
  retry: { initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2, maxAttempts: 8, jitter: 'full' },
  clockSkewMs: 5_000,
  isFatal: isFatalTokenError,
} as const;

function invalid(option: string, rule: string): never {
  throw new StreamClientError('INVALID_OPTIONS', `auth.${option} ${rule}`, { details: { option: `auth.${option}` } });
}

type Rule = 'positive' | 'non-negative';

function ms(option: string, value: unknown, fallback: number, rule: Rule): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && Number.isFinite(value) && (rule === 'positive' ? value > 0 : value >= 0);
  if (!ok) invalid(option, `must be a ${rule} number`);
  if (value > MAX_TIMER_MS) invalid(option, `must be at most ${MAX_TIMER_MS} ms`);
  return value;
}

function record(option: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(option, 'must be an object');
  return value as Record<string, unknown>;
}

/**
 * Validate `auth` options and fill in `DEFAULTS`. Throws `StreamClientError('INVALID_OPTIONS')`
 * whose message names the option (`auth.timeoutMs must be a positive number`). `undefined`
 * fields mean "use the default".
 */
export function normalizeAuthOptions(input: AuthOptions): ResolvedAuthOptions {
  if (input === null || typeof input !== 'object') {
    throw new StreamClientError('INVALID_OPTIONS', 'auth must be an object with a fetchToken function', { details: { option: 'auth' } });
  }
  const o = input as unknown as Record<string, unknown>;
  if (typeof o['fetchToken'] !== 'function') invalid('fetchToken', 'must be a function');
  if (o['isFatal'] !== undefined && typeof o['isFatal'] !== 'function') invalid('isFatal', 'must be a function');
  const r = record('retry', o['retry']);
  const d = DEFAULTS.retry;

  const initialDelayMs = ms('retry.initialDelayMs', r['initialDelayMs'], d.initialDelayMs, 'positive');
  const maxDelayMs = ms('retry.maxDelayMs', r['maxDelayMs'], Math.max(d.maxDelayMs, initialDelayMs), 'positive');
  if (maxDelayMs < initialDelayMs) invalid('retry.maxDelayMs', 'must be >= retry.initialDelayMs');
  const factor = r['factor'] ?? d.factor;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1) invalid('retry.factor', 'must be a finite number >= 1');
  const maxAttempts = r['maxAttempts'] ?? d.maxAttempts;
  if (typeof maxAttempts !== 'number' || !(maxAttempts === Infinity || (Number.isInteger(maxAttempts) && maxAttempts >= 1))) {
    invalid('retry.maxAttempts', 'must be an integer >= 1 or Infinity');
  }
  const jitter = r['jitter'] ?? d.jitter;
  if (typeof jitter !== 'string' || !Object.hasOwn(strategies, jitter)) {
    invalid('retry.jitter', `must be one of ${Object.keys(strategies).join(', ')}`);
  }

  const fetchToken = o['fetchToken'] as AuthOptions['fetchToken'];
  const isFatal = (o['isFatal'] as AuthOptions['isFatal']) ?? DEFAULTS.isFatal;
  return {
    // Bound to the caller's object, so a method that uses `this` keeps working.
    fetchToken: (signal) => fetchToken.call(input, signal),
    isFatal: (err) => isFatal.call(input, err),
    refreshBeforeMs: ms('refreshBeforeMs', o['refreshBeforeMs'], DEFAULTS.refreshBeforeMs, 'non-negative'),
    timeoutMs: ms('timeoutMs', o['timeoutMs'], DEFAULTS.timeoutMs, 'positive'),
    clockSkewMs: ms('clockSkewMs', o['clockSkewMs'], DEFAULTS.clockSkewMs, 'non-negative'),
    retry: { initialDelayMs, maxDelayMs, factor, maxAttempts, jitter: jitter as JitterKind },
  };
}
