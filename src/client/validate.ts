import { MAX_TIMER_MS } from '../core/clock.js';
import { StreamClientError } from '../core/errors.js';
import { strategies } from '../core/backoff.js';

// The rules every option is checked by. Each failure is `INVALID_OPTIONS` whose message starts
// with the option's full path (`reconnect.maxDelayMs must be …`) and whose `details.option` is it.

/** Throws `INVALID_OPTIONS` naming the option. */
export function invalid(option: string, rule: string, value?: unknown): never {
  const shown =
    value === undefined ? '' : ` (got ${value === null ? 'null' : typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value})`;
  throw new StreamClientError('INVALID_OPTIONS', `${option} ${rule}${shown}`, { details: { option } });
}

/** A number `>= min`; finite unless `infinite`, whole if `integer`. */
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

export function bool(option: string, value: unknown): boolean {
  if (value !== true && value !== false) invalid(option, 'must be a boolean', value);
  return value;
}

export function obj(option: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(option, 'must be an object', value);
  return value as Record<string, unknown>;
}

/** The one list of built-in backoff strategies (`reconnect.jitter`, `auth.retry.jitter`): the keys of `strategies`. */
export function jitterName<T extends string>(option: string, value: unknown, orFunction: boolean): T {
  if (typeof value === 'string' && Object.hasOwn(strategies, value)) return value as T;
  if (orFunction && typeof value === 'function') return value as unknown as T;
  return invalid(option, `must be one of ${Object.keys(strategies).join(', ')}${orFunction ? ' or a function' : ''}`);
}

/**
 * A group of options (`reconnect`, `heartbeat`…): user values over defaults, ignoring
 * `undefined` (so `{ x: undefined }` means default). Without user values this is `defaults`
 * itself (frozen, shared by every client), not a copy.
 */
export function group<T extends object>(option: string, defaults: T, user: unknown): T {
  if (user === undefined) return defaults;
  const out = { ...defaults };
  for (const [k, v] of Object.entries(obj(option, user))) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * `initialDelayMs <= maxDelayMs` of a backoff group. A `maxDelayMs` left to its default is raised
 * to a larger given `initialDelayMs` (a default never makes a given value invalid); a given one
 * below it is an error naming both.
 */
export function delayRange(path: string, given: unknown, r: { initialDelayMs: number; maxDelayMs: number }): void {
  ms(`${path}.initialDelayMs`, r.initialDelayMs, 1);
  const maxGiven = (given as { maxDelayMs?: unknown } | undefined)?.maxDelayMs !== undefined;
  if (!maxGiven && r.maxDelayMs < r.initialDelayMs) r.maxDelayMs = r.initialDelayMs; // r is a copy here: initialDelayMs was given
  ms(`${path}.maxDelayMs`, r.maxDelayMs, 1);
  if (r.maxDelayMs < r.initialDelayMs) invalid(`${path}.maxDelayMs`, `must be >= ${path}.initialDelayMs`);
}
