import { MAX_TIMER_MS } from '../core/clock.js';
import { StreamClientError } from '../core/errors.js';

/** Throws `INVALID_OPTIONS` naming the option. */
export function invalid(option: string, rule: string, value?: unknown): never {
  const shown = value === undefined ? '' : ` (got ${typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value})`;
  throw new StreamClientError('INVALID_OPTIONS', `${option} ${rule}${shown}`, { details: { option } });
}

export function num(option: string, value: unknown, min: number, opts: { integer?: boolean; infinite?: boolean } = {}): number {
  if (typeof value !== 'number' || Number.isNaN(value)) invalid(option, 'must be a number', value);
  if (value === Infinity && !opts.infinite) invalid(option, 'must be finite', value);
  if (value < min) invalid(option, `must be >= ${min}`, value);
  if (opts.integer && Number.isFinite(value) && !Number.isInteger(value)) invalid(option, 'must be an integer', value);
  return value;
}

/**
 * A duration option: a finite number of ms in `[min, 2^31 - 1]` (Node fires longer timers after
 * 1 ms, so `3e9` would mean "now"). `infinite` also admits `Infinity` (= off).
 */
export function ms(option: string, value: unknown, min: number, opts: { infinite?: boolean } = {}): number {
  num(option, value, min, opts);
  if ((value as number) > MAX_TIMER_MS && value !== Infinity) invalid(option, `must be at most ${MAX_TIMER_MS} ms (2^31 - 1)`, value);
  return value as number;
}

export function fn<T>(option: string, value: unknown): T {
  if (typeof value !== 'function') invalid(option, 'must be a function', value);
  return value as T;
}

export function obj(option: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(option, 'must be an object', value);
  return value as Record<string, unknown>;
}

/**
 * Merge user values over defaults, ignoring `undefined` (so `{ x: undefined }` means default).
 * Without user values this is `defaults` itself (frozen, shared by every client), not a copy.
 */
export function withDefaults<T extends object>(defaults: T, user: Partial<T> | undefined): T {
  if (!user) return defaults;
  const out = { ...defaults };
  if (user) for (const [k, v] of Object.entries(user)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
