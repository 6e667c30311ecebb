/** Rounding of one number, half away from zero on the number as written: the arithmetic behind the precision rules. */

/**
 * Rounding is half away from zero on the number *as written*: `1.005` with 2 decimal places
 * is `1.01`, `-1.005` is `-1.01`, `2.675` is `2.68`, although the nearest doubles lie just
 * below the half. The fraction is compared against 0.5 minus a tolerance of 2 ulp of the
 * scaled value (see {@link roundHalfAway}), so binary representation error never decides a
 * tie, and the result is the double nearest to the rounded decimal (`n / 10^dp`), which makes
 * normalization idempotent. `-0` becomes `0`; `NaN` and `±Infinity` pass through; values that
 * are not numbers are left untouched by the built-in rules. A value of 2^49 (5.6e14) units of
 * precision or more (5.6e12 at 2 decimal places) is left as it is: a double has no reliable
 * finer digit there, and rounding it could break idempotence.
 */

/** The most decimal places (and significant digits) a rule may ask for. */
export const MAX_DP = 15;
/** Relative tolerance for ties: twice the binary error of a value scaled by a power of ten. */
const TIE_TOLERANCE = 2 * Number.EPSILON;
/**
 * Scaled values from here on are left as they are: the scaling error (up to 2^-52 relative,
 * 0.125 units here) would approach the tie tolerance and break idempotence. That is 5.6e14
 * units of precision (e.g. 5.6e12 with 2 decimal places): a double carries no finer digits.
 */
const NO_FRACTION = 2 ** 49;
/** Exact powers of ten (all exactly representable up to 1e22). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Round a non-negative value to an integer, half away from zero, treating a fraction within
 * 2 ulp below .5 as a tie. Idempotent on results: an integer times/divided by a power of ten
 * comes back within 1 ulp of the integer, far from any tie.
 */
export function roundHalfAway(x: number): number {
  const floor = Math.floor(x);
  return x - floor >= 0.5 - x * TIE_TOLERANCE ? floor + 1 : floor;
}

/** 10^n for n in 0..22, the only exponents the rules reach. */
function pow10(n: number): number {
  return POW10[n] as number;
}

/** Round `v` to `dp` decimal places (0..15). Non-numbers pass through. */
export function roundDp(v: unknown, dp: number): unknown {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v;
  const a = Math.abs(v);
  const p = pow10(dp);
  const x = a * p;
  if (x >= NO_FRACTION) return v;
  const r = roundHalfAway(x) / p;
  return r === 0 ? 0 : v < 0 ? -r : r;
}

/** Round `v` to `sig` significant digits (1..15). Non-numbers pass through. */
export function roundSig(v: unknown, sig: number): unknown {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v;
  if (v === 0) return 0;
  const a = Math.abs(v);
  let e = Math.floor(Math.log10(a));
  // log10 may be off by one ulp next to a power of ten: correct against exact comparisons.
  if (e >= 0 && e < 23) {
    if (a < pow10(e)) e--;
    else if (e + 1 < 23 && a >= pow10(e + 1)) e++;
  }
  const k = sig - 1 - e; // decimal places that keep `sig` digits
  let r: number;
  if (k >= 0 && k < 23) {
    const x = a * pow10(k);
    if (x >= NO_FRACTION) return v;
    r = roundHalfAway(x) / pow10(k);
  } else if (k < 0 && -k < 23) {
    const x = a / pow10(-k);
    if (x >= NO_FRACTION) return v; // as above: the tie tolerance (relative to x) would round up
    r = roundHalfAway(x) * pow10(-k);
  } else {
    // Extreme magnitudes: the decimal string route is exact and still idempotent.
    r = Number(a.toPrecision(sig));
  }
  return r === 0 ? 0 : v < 0 ? -r : r;
}

/** Decimal places of a step as written (`0.05` -> 2, `1e-7` -> 7, `0.5` -> 1). */
function decimalsOf(step: number): number {
  const s = String(step);
  const exp = s.indexOf('e-');
  if (exp >= 0) {
    const dot = s.indexOf('.');
    const mantissaDecimals = dot >= 0 && dot < exp ? exp - dot - 1 : 0;
    return mantissaDecimals + Number(s.slice(exp + 2));
  }
  const dot = s.indexOf('.');
  return dot >= 0 ? s.length - dot - 1 : 0;
}

/** A rounding function for a step; results are the doubles nearest to `n * step` as written. */
export function stepRounder(step: number): (v: unknown) => unknown {
  const d = decimalsOf(step);
  const exact = d <= MAX_DP;
  const scale = exact ? pow10(d) : 1;
  const units = exact ? Math.round(step * scale) : step; // the step as an integer of 10^-d
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return v;
    const a = Math.abs(v);
    const q = a / step;
    if (q >= NO_FRACTION) return v;
    const n = roundHalfAway(q);
    const r = exact ? (n * units) / scale : n * step;
    return r === 0 ? 0 : v < 0 ? -r : r;
  };
}

/** Round to an integer, half away from zero (`Math.round(-2.5)` would give -2). */
export function roundInteger(v: unknown): unknown {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v;
  const a = Math.abs(v);
  if (a >= NO_FRACTION) return v;
  const r = roundHalfAway(a);
  return r === 0 ? 0 : v < 0 ? -r : r;
}
