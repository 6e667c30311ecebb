/**
 * Backoff strategies as pure functions: `(attempt, previous delay, options, random) => delay`.
 * `random` is injected, so a seeded source makes every schedule reproducible.
 *
 * The cap is applied to the *range* a delay is drawn from, never by clamping a drawn value,
 * so at high attempts the delays of a fleet stay spread over `[lower, maxDelayMs]` instead of
 * all landing on `maxDelayMs` (a synchronized retry wave). The first retry is jittered too.
 */

/** The built-in strategies by name; see {@link strategies}. */
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
export type BackoffStrategy = (
  attempt: number,
  previousMs: number,
  options: BackoffOptions,
  random: RandomSource,
) => number;

/** The un-jittered exponential ceiling for an attempt, capped, overflow-safe. */
export function exponentialCeiling(attempt: number, o: BackoffOptions): number {
  const exp = o.initialDelayMs * Math.pow(o.factor, Math.max(0, attempt - 1));
  return Number.isFinite(exp) ? Math.min(o.maxDelayMs, exp) : o.maxDelayMs;
}

/** No jitter: `initial * factor^(attempt-1)`, capped. Deterministic; a fleet retries in lockstep. */
export const noJitter: BackoffStrategy = (attempt, _prev, o) => exponentialCeiling(attempt, o);

/** Full jitter (AWS): uniform in `[0, ceiling)`. Least total work for a fleet. */
export const fullJitter: BackoffStrategy = (attempt, _prev, o, random) =>
  random() * exponentialCeiling(attempt, o);

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

/**
 * A server's retry hint (close 1013, `{"op":"retry"}`), honoured within the cap: never earlier
 * than the hint unless the hint is beyond the cap, never later than `maxDelayMs`, and spread by
 * up to 20% so a fleet told the same hint does not return in one wave. A hint at or beyond the
 * cap lands in `[0.8 * maxDelayMs, maxDelayMs)`. A negative or NaN hint counts as 0.
 */
export function hintedDelay(hintMs: number, maxDelayMs: number, random: RandomSource): number {
  // `> 0` is false for NaN too: a malformed hint must not become a NaN or negative timer.
  const hint = hintMs > 0 ? hintMs : 0;
  if (hint >= maxDelayMs) return maxDelayMs * (0.8 + 0.2 * random());
  const upper = Math.min(maxDelayMs, hint * 1.2);
  return hint + random() * (upper - hint);
}
