import { StreamClientError } from '../core/errors.js';

/** Measures one output in bytes (a view's `sizeOf`). */
export type SizeOf<O> = (output: O) => number;

/**
 * Walk bound of the built-in measure. A value with more parts than this is unmeasurable (so
 * it is not cached), never counted as smaller than it is.
 */
export const MEASURE_MAX_VALUES = 100_000;
const OBJECT_HEADER = 16;
const SLOT = 8;

/**
 * The built-in measure of one value: a rough V8 heap figure, 16 bytes per object or array
 * header, 8 per slot or number, 2 per string unit (keys included), 4 per boolean, 16 plus the
 * digits per bigint, and the whole backing store of an `ArrayBuffer` or a view over one.
 * Walks plain objects (own keys, symbols and non-enumerable ones too), arrays and `Date`s, at
 * any depth; shared parts are counted at each reference (never fewer bytes than are held).
 *
 * Returns the bytes; `Infinity` once they pass `limit` or the walk passes
 * {@link MEASURE_MAX_VALUES} values (cycles end there); or, as a string, the type of the first
 * part it cannot measure — a `Map`, `Set`, class instance, function, accessor property, DOM
 * node… — whose size only a `sizeOf` can give.
 */
export function measure(value: unknown, limit = Infinity): number | string {
  const stack: unknown[] = [value];
  let size = 0;
  let seen = 0;
  while (stack.length > 0) {
    if (++seen > MEASURE_MAX_VALUES) return Infinity;
    const v = stack.pop();
    switch (typeof v) {
      case 'string':
        size += v.length * 2;
        break;
      case 'number':
        size += SLOT;
        break;
      case 'boolean':
        size += 4;
        break;
      case 'bigint':
        size += 16 + Math.ceil((v < 0n ? -v : v).toString(16).length / 2);
        break;
      case 'function':
        return 'function';
      case 'object': {
        if (v === null) break;
        if (v instanceof ArrayBuffer) {
          size += OBJECT_HEADER + v.byteLength;
          break;
        }
        if (ArrayBuffer.isView(v)) {
          size += OBJECT_HEADER + v.buffer.byteLength; // a view keeps its whole buffer alive
          break;
        }
        if (Array.isArray(v)) {
          if (seen + stack.length + v.length > MEASURE_MAX_VALUES) return Infinity;
          size += OBJECT_HEADER + SLOT * v.length;
          for (let i = 0; i < v.length; i++) stack.push(v[i]);
          break;
        }
        const proto: unknown = Object.getPrototypeOf(v);
        if (proto === Object.prototype || proto === null) {
          const keys = Reflect.ownKeys(v);
          if (seen + stack.length + keys.length > MEASURE_MAX_VALUES) return Infinity;
          size += OBJECT_HEADER;
          for (const k of keys) {
            const d = Object.getOwnPropertyDescriptor(v, k);
            if (d === undefined || !('value' in d)) return 'accessor property'; // a getter may hold anything
            size += SLOT + (typeof k === 'string' ? k.length * 2 : SLOT);
            stack.push(d.value);
          }
          break;
        }
        if (v instanceof Date) {
          size += OBJECT_HEADER + SLOT;
          break;
        }
        return typeName(proto);
      }
      default:
        size += SLOT; // undefined, symbol
    }
    if (size > limit) return Infinity;
  }
  return size;
}

function typeName(proto: unknown): string {
  const ctor = (proto as { constructor?: unknown } | undefined)?.constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'object';
}

/**
 * {@link measure} as a number: `Infinity` for a value it cannot measure (an unmeasurable
 * type, or past the walk bound or `limit`).
 */
export function estimateBytes(value: unknown, limit = Infinity): number {
  const m = measure(value, limit);
  return typeof m === 'number' ? m : Infinity;
}

/**
 * Bytes of one output: a user `sizeOf` when given (it overrides everything; a result that is
 * not a finite number >= 0 falls back to the built-in measure); else 2 per UTF-16 unit for a
 * string, the backing store's `byteLength` for an `ArrayBuffer`, typed array, `DataView` or
 * `Buffer`; else {@link measure}, up to `limit` (`Infinity` past it).
 *
 * Throws `INVALID_OPTIONS` (details `{ option: 'view.sizeOf', type }`) when the output holds a
 * part the built-in measure cannot size and no usable `sizeOf` was given.
 */
export function outputBytes<O>(output: O, sizeOf?: SizeOf<O>, limit = Infinity): number {
  if (sizeOf) {
    const n = sizeOf(output);
    if (typeof n === 'number' && Number.isFinite(n) && n >= 0) return Math.ceil(n);
  }
  if (typeof output === 'string') return output.length * 2;
  if (output instanceof ArrayBuffer) return output.byteLength;
  if (ArrayBuffer.isView(output)) return output.buffer.byteLength;
  const m = measure(output, limit);
  if (typeof m === 'number') return m;
  throw new StreamClientError('INVALID_OPTIONS', `render returned a ${m}, which render.maxBytes cannot measure: give the view a sizeOf`, {
    details: { option: 'view.sizeOf', type: m },
  });
}
