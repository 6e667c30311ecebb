import { StreamClientError } from '../core/errors.js';

/**
 * The precision policy: how a view's state is rounded before it is keyed and rendered.
 * Two states that normalize to the same value are, by definition, visibly equivalent.
 *
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

/** Decimal places (0..15). A plain number is the same: `{ price: 2 }`. */
export interface DecimalPlacesRule {
  /** Digits after the decimal point, 0..15. */
  readonly dp: number;
}
/** Significant digits (1..15): `{ sig: 3 }` turns `1234.5` into `1230`. */
export interface SignificantRule {
  /** Significant digits kept, 1..15. */
  readonly sig: number;
}
/** A grid: `{ step: 0.05 }` turns `1.07` into `1.05`. The step must be finite and > 0. */
export interface StepRule {
  /** The grid size: values round to the nearest multiple. */
  readonly step: number;
}
/**
 * A custom rule: receives the field's raw value (any type) and returns the normalized one.
 * It must be pure and idempotent (`f(f(x))` equal to `f(x)`), or keys stop meaning anything.
 */
export type CustomRule = (value: unknown) => unknown;

/** One field's rule. */
export type PrecisionRule = number | DecimalPlacesRule | SignificantRule | StepRule | 'integer' | CustomRule;

/**
 * Maps state fields to rules; a nested map applies to a nested object. A rule on a field that
 * holds an array applies to each element. Fields without a rule pass through unchanged.
 *
 * An object with exactly one numeric `dp`, `sig` or `step` property is read as a rule; to
 * round a nested field that is itself named `dp`, nest it: `{ quote: { dp: { dp: 2 } } }`.
 */
export interface PrecisionMap {
  readonly [field: string]: PrecisionRule | PrecisionMap;
}

/**
 * A state after normalization. Structurally the same type as the state (a custom rule may
 * change a field's type; declare the state type accordingly).
 */
export type Normalized<S> = S;

type Apply = (value: unknown) => unknown;
interface CompiledField {
  readonly key: string;
  readonly apply: Apply;
}
/** A precision map compiled once into per-field functions. */
export interface CompiledPrecision {
  readonly fields: readonly CompiledField[];
}

const MAX_DP = 15;
const EMPTY: CompiledPrecision = { fields: [] };
// Compiled maps are recognized by identity, so a user field named `fields` is never confused.
const compiledMarker = new WeakSet<object>([EMPTY]);
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

function pow10(n: number): number {
  return POW10[n] ?? 10 ** n;
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

function ruleKind(rule: object): 'dp' | 'sig' | 'step' | undefined {
  const keys = Object.keys(rule);
  if (keys.length !== 1) return undefined;
  const k = keys[0];
  if ((k === 'dp' || k === 'sig' || k === 'step') && typeof (rule as Record<string, unknown>)[k] === 'number') return k;
  return undefined;
}

/** Option errors name the field: `precision.quote.price: dp must be …`. */
function invalid(message: string): StreamClientError {
  const option = message.slice(0, message.indexOf(':'));
  return new StreamClientError('INVALID_OPTIONS', message, { details: { option } });
}

function intIn(path: string, what: string, n: number, min: number, max: number): number {
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalid(`precision.${path}: ${what} must be an integer in ${min}..${max}, got ${String(n)}`);
  }
  return n;
}

/** Apply `fn` to a value, element-wise when it is an array. */
function overArrays(fn: Apply): Apply {
  return (v) => {
    if (!Array.isArray(v)) return fn(v);
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const before: unknown = v[i];
      const after = fn(before);
      if (out === undefined && !Object.is(after, before)) out = v.slice(0, i);
      out?.push(after);
    }
    return out ?? v;
  };
}

function compileRule(path: string, rule: PrecisionRule | PrecisionMap): Apply {
  if (typeof rule === 'function') return rule;
  if (rule === 'integer') return overArrays(roundInteger);
  if (typeof rule === 'number') {
    const dp = intIn(path, 'decimal places', rule, 0, MAX_DP);
    return overArrays((v) => roundDp(v, dp));
  }
  if (typeof rule !== 'object' || rule === null) {
    throw invalid(`precision.${path}: expected a number, { dp }, { sig }, { step }, 'integer', a function or a nested map`);
  }
  const kind = ruleKind(rule);
  if (kind === 'dp') {
    const dp = intIn(path, 'dp', (rule as DecimalPlacesRule).dp, 0, MAX_DP);
    return overArrays((v) => roundDp(v, dp));
  }
  if (kind === 'sig') {
    const sig = intIn(path, 'sig', (rule as SignificantRule).sig, 1, MAX_DP);
    return overArrays((v) => roundSig(v, sig));
  }
  if (kind === 'step') {
    const step = (rule as StepRule).step;
    if (!Number.isFinite(step) || step <= 0) throw invalid(`precision.${path}: step must be finite and > 0, got ${String(step)}`);
    return overArrays(stepRounder(step));
  }
  const nested = compileMap(rule as PrecisionMap, `${path}.`);
  return overArrays((v) => applyCompiled(v, nested));
}

function compileMap(map: PrecisionMap, prefix: string): CompiledPrecision {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw invalid(`precision${prefix ? `.${prefix.slice(0, -1)}` : ''}: expected an object map of field rules`);
  }
  const fields: CompiledField[] = [];
  for (const key of Object.keys(map)) {
    const rule = map[key];
    if (rule === undefined) continue;
    fields.push({ key, apply: compileRule(prefix + key, rule) });
  }
  const compiled: CompiledPrecision = { fields };
  compiledMarker.add(compiled);
  return compiled;
}

const compiledCache = new WeakMap<PrecisionMap, CompiledPrecision>();

/**
 * Validate and compile a precision map (cached per map object). Throws a `TypeError` naming
 * the field on an invalid rule.
 */
export function compilePrecision(map: PrecisionMap | undefined): CompiledPrecision {
  if (map === undefined) return EMPTY;
  let compiled = compiledCache.get(map);
  if (!compiled) {
    compiled = compileMap(map, '');
    compiledCache.set(map, compiled);
  }
  return compiled;
}

function applyCompiled(value: unknown, compiled: CompiledPrecision): unknown {
  if (typeof value !== 'object' || value === null || compiled.fields.length === 0) return value;
  if (Array.isArray(value)) return overArrays((v) => applyCompiled(v, compiled))(value);
  const src = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  const fields = compiled.fields;
  for (let i = 0; i < fields.length; i++) {
    const { key, apply } = fields[i] as CompiledField;
    const before = src[key];
    if (before === undefined && !Object.hasOwn(src, key)) continue;
    const after = apply(before);
    if (Object.is(after, before)) continue;
    // Copy on the first change only: an already-normal state is returned as is (no allocation).
    out ??= { ...src };
    out[key] = after;
  }
  return out ?? value;
}

/**
 * Normalize a state by a precision map (or a compiled one). Returns the same object when
 * nothing changes; otherwise a shallow copy along the changed paths. Idempotent:
 * `normalize(normalize(s, p), p)` deep-equals `normalize(s, p)` for the built-in rules.
 */
export function normalize<S>(state: S, precision: PrecisionMap | CompiledPrecision | undefined): Normalized<S> {
  const compiled = isCompiled(precision) ? precision : compilePrecision(precision);
  return applyCompiled(state, compiled) as Normalized<S>;
}

function isCompiled(p: PrecisionMap | CompiledPrecision | undefined): p is CompiledPrecision {
  return p !== undefined && compiledMarker.has(p as object);
}
