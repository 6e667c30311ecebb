/** The precision policy: field rules, validated and compiled once, that round a view's state before it is keyed and rendered. */
import { StreamClientError } from '../core/errors.js';
import { MAX_DP, roundDp, roundInteger, roundSig, stepRounder } from './rounding.js';

/*
 * Two states that normalize to the same value are, by definition, visibly equivalent. The
 * built-in rules round half away from zero on the number as written (`rounding.ts`) and leave
 * values that are not numbers untouched.
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

const EMPTY: CompiledPrecision = { fields: [] };
// Compiled maps are recognized by identity, so a user field named `fields` is never confused.
const compiledMarker = new WeakSet<object>([EMPTY]);

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
