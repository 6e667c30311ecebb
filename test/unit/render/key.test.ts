import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonical, sameCanonical, semanticKey, sortedKeys } from '../../../src/render/key.js';
import { normalize, type PrecisionMap } from '../../../src/render/precision.js';

/** Grid point `n` of `unit`, moved by `offset` units (strictly inside its rounding bucket). */
const onGrid = (n: number, offset: number, unit: number) => (n + offset) * unit;

describe('semanticKey', () => {
  it('is a readable canonical form, not a hash', () => {
    expect(semanticKey({ b: [1, -0, NaN, Infinity, -Infinity, undefined, null], a: { z: new Date(0), y: 'q"' }, c: 10n }, 'v1')).toBe(
      '"v1"|{"a":{"y":"q\\"","z":D0},"b":[1,-0,NaN,Infinity,-Infinity,u,n],"c":10n}',
    );
  });

  it('sorts keys: insertion order does not matter', () => {
    expect(semanticKey({ a: 1, b: 2, c: { x: 1, y: 2 } })).toBe(semanticKey({ c: { y: 2, x: 1 }, b: 2, a: 1 }));
    const o = { zeta: 1, alpha: 2, mid: 3 };
    expect(sortedKeys(o)).toEqual(['alpha', 'mid', 'zeta']);
    expect(sortedKeys({ zeta: 9, alpha: 8, mid: 7 })).toBe(sortedKeys(o)); // cached per shape
  });

  it('keeps NaN, Infinity, undefined, null, missing keys and strings apart', () => {
    const values: unknown[] = [NaN, Infinity, -Infinity, undefined, null, 0, -0, '0', 'NaN', 'u', 'n', true, 'true', 0n, [], {}, [undefined], { a: undefined }];
    const keys = values.map((v) => semanticKey({ v }));
    expect(new Set(keys).size).toBe(values.length);
    expect(semanticKey({ v: NaN })).toBe(semanticKey({ v: Number('x') }));
  });

  it('-0 and 0 are identical after normalization, distinct before', () => {
    expect(semanticKey({ p: -0 })).not.toBe(semanticKey({ p: 0 }));
    const p: PrecisionMap = { p: 2 };
    expect(semanticKey(normalize({ p: -0 }, p))).toBe(semanticKey(normalize({ p: 0 }, p)));
    expect(semanticKey(normalize({ p: -0.001 }, p))).toBe(semanticKey(normalize({ p: 0.001 }, p)));
  });

  it('distinguishes render keys, including undefined from empty', () => {
    const keys = [semanticKey({ a: 1 }), semanticKey({ a: 1 }, ''), semanticKey({ a: 1 }, 'v2'), semanticKey({ a: 1 }, '-')];
    expect(new Set(keys).size).toBe(4);
  });

  it('serializes Dates, Maps, Sets and typed arrays by value; functions by identity', () => {
    expect(canonical(new Date(5))).toBe(canonical(new Date(5)));
    expect(canonical(new Map([[1, 'a']]))).toBe('M[1:"a"]');
    expect(canonical(new Set(['a']))).toBe('S["a"]');
    expect(canonical(new Uint8Array([1, 2]))).toBe('Uint8Array[1,2]');
    const f = () => 1;
    expect(canonical({ f })).toBe(canonical({ f }));
    expect(canonical({ f })).not.toBe(canonical({ f: () => 1 }));
  });

  it('throws a TypeError on cyclic state instead of recursing forever', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => semanticKey(a)).toThrow(TypeError);
  });

  it('property: equal keys if and only if the values are deeply equal', () => {
    const value = fc.anything({ withDate: true, withBigInt: true, maxDepth: 3 });
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(canonical(a) === canonical(b)).toBe(isDeepStrictEqual(a, b));
        expect(canonical(a)).toBe(canonical(structuredClone(a)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('property: sameCanonical (the allocation-free dedupe pre-check) never says equal when keys differ', () => {
    const value = fc.anything({ withDate: true, withBigInt: true, withMap: true, withSet: true, withNullPrototype: true, maxDepth: 3 });
    fc.assert(
      fc.property(value, value, (a, b) => {
        if (sameCanonical(a, b)) expect(canonical(a)).toBe(canonical(b));
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        expect(sameCanonical(json, structuredClone(json))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
    expect(sameCanonical({ a: 1, b: [NaN, { c: new Date(1) }] }, { b: [NaN, { c: new Date(1) }], a: 1 })).toBe(true);
    expect(sameCanonical({ a: 0 }, { a: -0 })).toBe(false);
    expect(sameCanonical({ a: undefined }, {})).toBe(false);
  });

  const dp = fc.integer({ min: 0, max: 6 });
  const grid = fc.integer({ min: -1_000_000, max: 1_000_000 });
  const inside = fc.double({ min: -0.499, max: 0.499, noNaN: true }); // offsets in units of precision

  it('property: states that differ only below the precision give the same key', () => {
    fc.assert(
      fc.property(dp, grid, inside, inside, fc.constantFrom(0.05, 0.25, 1, 0.001), grid, inside, inside, (d, n, o1, o2, step, m, s1, s2) => {
        const p: PrecisionMap = { price: { dp: d }, qty: { step } };
        const a = { name: 'AAPL', price: (n + o1) / 10 ** d, qty: onGrid(m, s1, step) };
        const b = { qty: onGrid(m, s2, step), name: 'AAPL', price: (n + o2) / 10 ** d };
        expect(semanticKey(normalize(a, p), 'v1')).toBe(semanticKey(normalize(b, p), 'v1'));
      }),
      { numRuns: 5_000 },
    );
  });

  it('property: states that differ visibly (another rounding bucket) give different keys', () => {
    fc.assert(
      fc.property(dp, grid, grid, inside, inside, (d, n, m, o1, o2) => {
        fc.pre(n !== m);
        const p: PrecisionMap = { price: d };
        const a = { price: (n + o1) / 10 ** d };
        const b = { price: (m + o2) / 10 ** d };
        expect(semanticKey(normalize(a, p))).not.toBe(semanticKey(normalize(b, p)));
      }),
      { numRuns: 5_000 },
    );
  });
});
