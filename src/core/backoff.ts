/**
 * Backoff strategies as pure functions: `(attempt, previous delay, options, random) => delay`.
 * `random` is injected, so a seeded source makes every schedule reproducible.
 *
 * The cap is applied to the *range* a delay is drawn from, never by clamping a drawn value,
 * so at high attempts the delays of a fleet stay spread over `[lower, maxDelayMs]` instead of
 * all landing on `maxDelayMs` (a synchronized retry wave). The first retry is jittered too.
 */

/** The built-in strategies by name (`reconnect.jitter`). */
export type JitterKind = 'none' | 'full' | 'equal' | 'decorrelated';

/** The shape every strategy is drawn within. Valid: `0 < initialDelayMs <= maxDelayMs`, `factor >= 1`. */
export interface BackoffOptions {
  /** Scale of the first retry (attempt 1). */
  initialDelayMs: number;
  /** Cap on every delay; applied to the range drawn from, not to the drawn value. */
  maxDelayMs: number;
  /** Growth of the exponential ceiling per attempt (decorrelated jitter uses its own ×3). */
  factor: number;
}

/** A uniform source in `[0, 1)`, like `Math.random`; inject a seeded one in tests. */
export type RandomSource = () => number;

/** One step: `attempt` is 1 for the first retry; `previousMs` is the last delay (0 at first). */
export type BackoffStrategy = (attempt: number, previousMs: number, options: BackoffOptions, random: RandomSource) => number;

/** The un-jittered exponential ceiling for an attempt, capped, overflow-safe. */
export function exponentialCeiling(attempt: number, o: BackoffOptions): number {
  const exp = o.initialDelayMs * Math.pow(o.factor, Math.max(0, attempt - 1));
  return Number.isFinite(exp) ? Math.min(o.maxDelayMs, exp) : o.maxDelayMs;
}

/** No jitter: `initial * factor^(attempt-1)`, capped. Deterministic; a fleet retries in lockstep. */
export const noJitter: BackoffStrategy = (attempt, _prev, o) => exponentialCeiling(attempt, o);

/** Full jitter (AWS): uniform in `[0, ceiling)`. Least total work for a fleet. */
export const fullJitter: BackoffStrategy = (attempt, _prev, o, random) => random() * exponentialCeiling(attempt, o);

/** Equal jitter: half the ceiling plus a uniform half. Never retries immediately. */
export const equalJitter: BackoffStrategy = (attempt, _prev, o, random) => {
  const ceiling = exponentialCeiling(attempt, o);
  return ceiling / 2 + (random() * ceiling) / 2;
};

/**
 * Decorrelated jitter: uniform in `[initial, min(max, previous * 3)]`. The upper bound is
 * capped before drawing, so the spread survives the cap (the classic formula clamps after
 * drawing and piles most of a fleet onto exactly `maxDelayMs`).
 */
export const decorrelatedJitter: BackoffStrategy = (_attempt, previousMs, o, random) => {
  const lower = Math.min(o.initialDelayMs, o.maxDelayMs);
  const upper = Math.min(o.maxDelayMs, Math.max(lower, (previousMs || o.initialDelayMs) * 3));
  return lower + random() * (upper - lower);
};

/** The built-in strategies, keyed by {@link JitterKind}. */
export const strategies: Readonly<Record<JitterKind, BackoffStrategy>> = {
  none: noJitter,
  full: fullJitter,
  equal: equalJitter,
  decorrelated: decorrelatedJitter,
};

import { MAX_TIMER_MS } from './clock.js';

export { MAX_TIMER_MS };

/**
 * The wait a server's retry hint (close 1013 `retry-after=`, `{"op":"retry"}`, KIS OPSP8996)
 * asks for: the hint, bounded by `maxHintMs`, plus up to 20% so a fleet told the same hint does
 * not return in one wave — drawn in `[h, 1.2 * h)` with `h = min(hint, maxHintMs)`, never
 * shorter than `h`. A hint of 0, negative or NaN asks for nothing (0); `Infinity` means the bound.
 * The scheduler waits the longer of this and the strategy's delay: a hint only lengthens a wait.
 */
export function hintedDelay(hintMs: number, maxHintMs: number, random: RandomSource): number {
  // `> 0` is false for NaN too: a malformed hint must not become a NaN or negative timer.
  const hint = hintMs > 0 ? Math.min(hintMs, maxHintMs) : 0;
  return hint * (1 + 0.2 * unitInterval(random()));
}

/**
 * A draw of a user's random source forced into `[0, 1)`: a source returning -1, 2 or NaN must
 * not make a delay negative (a reconnect storm) or NaN.
 */
export function unitInterval(r: number): number {
  return r >= 0 ? (r < 1 ? r : 1 - Number.EPSILON) : 0;
}
