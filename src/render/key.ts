/**
 * The semantic key: a canonical, injective serialization of a normalized state. Never a hash:
 * two keys are equal only when the states are equal as far as `render` can tell, so a cache
 * hit can never return another state's output.
 *
 * Grammar (every token is self-delimiting):
 * - `u` undefined, `n` null, `t` / `f` booleans;
 * - numbers as `String(n)`, except `-0` -> `-0` (`NaN`, `Infinity`, `-Infinity` as written);
 *   normalization turns `-0` into `0`, so only fields without a rule can carry a `-0`;
 * - bigints `12n`; strings as JSON string literals;
 * - arrays `[a,b]` (holes as `u`); plain objects `{"k":v,…}` with keys sorted by UTF-16 code
 *   units, own enumerable string keys only, `undefined` values kept (`{"a":u}` is not `{}`);
 * - `Date` as `D<epoch ms>`; `Map` as `M[k:v,…]` and `Set` as `S[v,…]` in insertion order;
 *   typed arrays, `ArrayBuffer` and `DataView` as `<constructor name>[bytes or elements]`;
 * - anything else (functions, symbols, class instances) by identity: `#<id>`, a counter kept
 *   in a `WeakMap`, so equal keys still mean the very same object.
 */

/** Deeper than this is treated as a cycle. */
export const MAX_KEY_DEPTH = 64;
/** Bound on remembered shape-trie nodes (one per distinct key prefix of a shape). */
export const MAX_SHAPE_NODES = 32_768;

/** An object shape: its keys sorted, and each as a ready `"key":` label. */
interface Shape {
  readonly keys: readonly string[];
  readonly labels: readonly string[];
}
interface ShapeNode {
  next: Map<string, ShapeNode> | undefined;
  shape: Shape | undefined;
}

let shapeRoot: ShapeNode = { next: undefined, shape: undefined };
let shapeNodes = 0;

function makeShape(keys: string[]): Shape {
  const sorted = keys.slice().sort();
  return { keys: sorted, labels: sorted.map((k) => `${quote(k)}:`) };
}

/**
 * The shape of `o`, cached per insertion-order key list (walked as a trie of interned
 * strings): a state of a known shape costs one `Object.keys` plus a Map lookup per key — no
 * sort, no join, no key quoting.
 */
function shapeOf(o: object): Shape {
  const keys = Object.keys(o);
  let node = shapeRoot;
  for (const k of keys) {
    let child = node.next?.get(k);
    if (child === undefined) {
      if (shapeNodes >= MAX_SHAPE_NODES) {
        // Keys that are data, not schema: start over rather than grow without bound.
        shapeRoot = { next: undefined, shape: undefined };
        shapeNodes = 0;
        return makeShape(keys);
      }
      child = { next: undefined, shape: undefined };
      (node.next ??= new Map()).set(k, child);
      shapeNodes++;
    }
    node = child;
  }
  return (node.shape ??= makeShape(keys));
}

/** Own enumerable string keys of `o`, sorted by UTF-16 code units (cached per shape). */
export function sortedKeys(o: object): readonly string[] {
  return shapeOf(o).keys;
}

/** Characters JSON.stringify would escape (quotes, backslash, controls, lone surrogates). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string literal; plain strings skip JSON.stringify (same output, several times faster). */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

const identities = new WeakMap<object, number>();
let nextIdentity = 1;

/** `#<n>`: a stable per-object (or symbol) identity, for values compared by reference. */
export function identityTag(v: object | symbol): string {
  const k = v as object;
  let id = identities.get(k);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(k, id);
  }
  return `#${id}`;
}

function number(n: number): string {
  return n === 0 && 1 / n < 0 ? '-0' : String(n);
}

function list(items: ArrayLike<unknown>, depth: number): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += serialize(items[i], depth);
  }
  return out + ']';
}

function serializeObject(v: object, depth: number): string {
  if (depth > MAX_KEY_DEPTH) throw new TypeError(`semanticKey: state is nested deeper than ${MAX_KEY_DEPTH} levels (cyclic?)`);
  const d = depth + 1;
  if (Array.isArray(v)) return list(v, d);
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const rec = v as Record<string, unknown>;
    const { keys, labels } = shapeOf(v);
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) out += ',';
      out += (labels[i] as string) + serialize(rec[keys[i] as string], d);
    }
    return out + '}';
  }
  if (v instanceof Date) return 'D' + number(v.getTime());
  if (v instanceof Map) {
    let out = 'M[';
    let first = true;
    for (const [k, val] of v) {
      if (!first) out += ',';
      first = false;
      out += serialize(k, d) + ':' + serialize(val, d);
    }
    return out + ']';
  }
  if (v instanceof Set) return 'S' + list([...v], d);
  if (ArrayBuffer.isView(v)) {
    if (v instanceof DataView) return 'DataView' + list(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), d);
    return v.constructor.name + list(v as unknown as ArrayLike<unknown>, d);
  }
  if (v instanceof ArrayBuffer) return 'ArrayBuffer' + list(new Uint8Array(v), d);
  return identityTag(v);
}

function serialize(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'number':
      return number(v);
    case 'string':
      return quote(v);
    case 'boolean':
      return v ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'bigint':
      return `${v}n`;
    case 'symbol': {
      const registered = Symbol.keyFor(v);
      return registered === undefined ? identityTag(v) : 'Y' + JSON.stringify(registered);
    }
    case 'function':
      return identityTag(v);
    default:
      return v === null ? 'n' : serializeObject(v as object, depth);
  }
}

const isEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * A cheap pre-check for the per-tick dedupe: true only when `canonical(a) === canonical(b)`,
 * without building either string. Plain objects and arrays compare structurally (key order
 * ignored), numbers by `Object.is`, Dates by time; Maps, Sets, buffers and everything else by
 * identity, so it may answer false for equal values (the caller then serializes).
 */
export function sameCanonical(a: unknown, b: unknown, depth = 0): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > MAX_KEY_DEPTH) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameCanonical(a[i], b[i], depth + 1)) return false;
    return true;
  }
  const pa: unknown = Object.getPrototypeOf(a);
  if (pa !== Object.getPrototypeOf(b)) return false;
  if (pa === Object.prototype || pa === null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (let i = 0; i < ka.length; i++) {
      const k = ka[i] as string;
      // Same insertion order (the common case) needs no lookup to prove b owns the key.
      if (k !== kb[i] && !isEnumerable.call(rb, k)) return false;
      const x = ra[k];
      const y = rb[k];
      if (!Object.is(x, y) && !sameCanonical(x, y, depth + 1)) return false;
    }
    return true;
  }
  return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
}

/**
 * The canonical serialization of a value (see the grammar above). Throws a `TypeError` for
 * structures nested deeper than {@link MAX_KEY_DEPTH} (cycles).
 */
export function canonical(value: unknown): string {
  return serialize(value, 0);
}

/**
 * The semantic key of a normalized state plus the view's `renderKey` (template / theme
 * version). `undefined` and `''` render keys are distinct.
 */
export function semanticKey(normalizedState: unknown, renderKey?: string): string {
  return (renderKey === undefined ? '-' : quote(renderKey)) + '|' + serialize(normalizedState, 0);
}
