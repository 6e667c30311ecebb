import type { RandomSource } from '../core/backoff.js';

/** A proactive refresh happens up to this fraction of `refreshBeforeMs` earlier (fleet spread). */
export const REFRESH_JITTER = 0.1;
/** At least this fraction of a token's lifetime is used before a proactive refresh. */
export const MIN_USED_FRACTION = 0.5;
/** Short-TTL mode: refresh at 75–80% of the lifetime. */
export const SHORT_TTL_FRACTION = 0.75;
export const SHORT_TTL_SPREAD = 0.05;
/** No proactive refresh sooner than this after the previous one: a floor against refresh loops. */
export const MIN_REFRESH_DELAY_MS = 1_000;

/**
 * How long after a token arrives its proactive refresh should start. Pure; `random` in [0, 1).
 *
 * - Normal: `ttl - refreshBeforeMs * (1 + 0.1 * random)` — `refreshBeforeMs` before expiry,
 *   up to 10% earlier.
 * - Short TTL (that would leave less than half the lifetime used, e.g. TTL <= refreshBeforeMs):
 *   at 75–80% of the TTL instead, so a 60 s token is renewed every ~46 s, not in a loop.
 * - Never sooner than `MIN_REFRESH_DELAY_MS`, so a service handing out nearly-expired tokens
 *   costs at most one fetch per second.
 *
 * The result is before expiry whenever `ttlMs >= MIN_REFRESH_DELAY_MS / 0.75` and
 * `refreshBeforeMs > 0` (`0` means: at expiry).
 */
export function proactiveRefreshDelay(ttlMs: number, refreshBeforeMs: number, random: RandomSource): number {
  let delay = ttlMs - refreshBeforeMs * (1 + REFRESH_JITTER * random());
  if (delay < ttlMs * MIN_USED_FRACTION) delay = ttlMs * (SHORT_TTL_FRACTION + SHORT_TTL_SPREAD * random());
  return Math.max(MIN_REFRESH_DELAY_MS, delay);
}

/**
 * After a background refresh cycle failed while the cached token is still valid for
 * `validForMs`: try another cycle after half the remaining validity, at most `maxDelayMs`,
 * at least `MIN_REFRESH_DELAY_MS`. The token keeps serving callers meanwhile.
 */
export function backgroundRetryDelay(validForMs: number, maxDelayMs: number): number {
  return Math.max(MIN_REFRESH_DELAY_MS, Math.min(maxDelayMs, validForMs / 2));
}
