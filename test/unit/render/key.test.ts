import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonical, MAX_SHAPE_NODES, sameCanonical, semanticKey, sortedKeys } from '../../../src/render/key.js';
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

describe('canonical: the grammar, token by token', () => {
  it('numbers, booleans, bigints, undefined and null', () => {
    expect(canonical([1.5, -2, 0, -0, true, false, -12n, undefined, null])).toBe('[1.5,-2,0,-0,t,f,-12n,u,n]');
  });

  it('strings are JSON literals: quotes, backslashes, control characters and lone surrogates escaped', () => {
    expect(canonical('plain')).toBe('"plain"');
    expect(canonical('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(canonical('\u0000\u001f\n')).toBe('"\\u0000\\u001f\\n"');
    expect(canonical('\ud800x\udfff')).toBe('"\\ud800x\\udfff"');
    expect(canonical('é😀 ')).toBe('"é😀 "');
    expect(canonical({ 'k"1': 1, 'k\n': 2 })).toBe('{"k\\n":2,"k\\"1":1}');
  });

  it('arrays (holes as u), plain and null-prototype objects, nested', () => {
    // biome-ignore lint/suspicious/noSparseArray: a hole is what this serializes
    expect(canonical([1, , 3])).toBe('[1,u,3]');
    expect(canonical([])).toBe('[]');
    expect(canonical({})).toBe('{}');
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [2] });
    expect(canonical(bare)).toBe('{"a":[2],"b":1}');
    expect(canonical({ x: { y: { z: 'deep' } } })).toBe('{"x":{"y":{"z":"deep"}}}');
  });

  it('Dates, Maps, Sets, buffers and typed arrays by value', () => {
    expect(canonical(new Date(-5))).toBe('D-5');
    expect(canonical(new Date(Number.NaN))).toBe('DNaN');
    expect(
      canonical(
        new Map<unknown, unknown>([
          ['a', 1],
          [2, [3]],
        ]),
      ),
    ).toBe('M["a":1,2:[3]]');
    expect(canonical(new Map())).toBe('M[]');
    expect(canonical(new Set([1, 'b']))).toBe('S[1,"b"]');
    expect(canonical(new Float64Array([1.5, -0]))).toBe('Float64Array[1.5,-0]');
    expect(canonical(new ArrayBuffer(2))).toBe('ArrayBuffer[0,0]');
    const bytes = new Uint8Array([9, 8, 7, 6]);
    expect(canonical(new DataView(bytes.buffer, 1, 2))).toBe('DataView[8,7]');
  });

  it('symbols: registered by name, others by identity; class instances by identity', () => {
    expect(canonical(Symbol.for('k'))).toBe('Y"k"');
    const s = Symbol('k');
    expect(canonical(s)).toMatch(/^#\d+$/);
    expect(canonical(s)).toBe(canonical(s));
    expect(canonical(s)).not.toBe(canonical(Symbol('k')));
    class Point {
      x = 1;
    }
    const p = new Point();
    expect(canonical(p)).toMatch(/^#\d+$/);
    expect(canonical(p)).toBe(canonical(p));
    expect(canonical(p)).not.toBe(canonical(new Point()));
  });

  it('nesting: 65 levels serialize, 66 are a TypeError (cycle bound)', () => {
    const nest = (levels: number) => {
      let v: unknown = 1;
      for (let i = 0; i < levels; i++) v = [v];
      return v;
    };
    expect(canonical(nest(65))).toBe(`${'['.repeat(65)}1${']'.repeat(65)}`);
    expect(() => canonical(nest(66))).toThrow(new TypeError('semanticKey: state is nested deeper than 64 levels (cyclic?)'));
  });

  it('semanticKey: an absent render key is "-", a given one is quoted', () => {
    expect(semanticKey({ a: 1 })).toBe('-|{"a":1}');
    expect(semanticKey({ a: 1 }, '-')).toBe('"-"|{"a":1}');
  });
});

describe('sameCanonical', () => {
  it('answers false for values whose keys differ', () => {
    expect(sameCanonical([1, 2], [1, 2, 3])).toBe(false);
    expect(sameCanonical([1, 2], [1, 3])).toBe(false);
    expect(sameCanonical([1], { 0: 1 })).toBe(false);
    expect(sameCanonical({ 0: 1 }, [1])).toBe(false);
    expect(sameCanonical({ a: 1 }, { b: 1 })).toBe(false);
    expect(sameCanonical({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(sameCanonical({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
    expect(sameCanonical({ a: 1 }, Object.assign(Object.create(null) as object, { a: 1 }))).toBe(false);
    expect(sameCanonical(new Date(1), new Date(2))).toBe(false);
    expect(sameCanonical(new Date(1), { getTime: () => 1 })).toBe(false);
    expect(sameCanonical(1, '1')).toBe(false);
    expect(sameCanonical(null, {})).toBe(false);
    expect(sameCanonical({}, null)).toBe(false);
    expect(sameCanonical('a', {})).toBe(false);
    expect(sameCanonical({}, 'a')).toBe(false);
  });

  it('answers true for equal structures in another key order, equal Dates and NaN', () => {
    expect(sameCanonical({ a: 1, b: { c: [NaN] } }, { b: { c: [NaN] }, a: 1 })).toBe(true);
    expect(sameCanonical(new Date(7), new Date(7))).toBe(true);
    expect(sameCanonical([{ a: undefined }], [{ a: undefined }])).toBe(true);
    const bare = () => Object.assign(Object.create(null) as object, { a: 1 });
    expect(sameCanonical(bare(), bare())).toBe(true);
  });

  it('stops at the nesting bound instead of recursing forever (a cycle is never "same")', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    const b: Record<string, unknown> = {};
    b.self = b;
    expect(sameCanonical(a, b)).toBe(false);
    const nest = (levels: number) => {
      let v: unknown = 1;
      for (let i = 0; i < levels; i++) v = [v];
      return v;
    };
    expect(sameCanonical(nest(65), nest(65))).toBe(true);
    expect(sameCanonical(nest(66), nest(66))).toBe(false);
  });
});

describe('shape cache', () => {
  it('is bounded: past MAX_SHAPE_NODES distinct keys it starts over, and keys stay right', () => {
    const keys = sortedKeys({ alpha: 1, beta: 2 });
    expect(sortedKeys({ alpha: 0, beta: 0 })).toBe(keys); // cached per insertion-order key list
    for (let i = 0; i <= MAX_SHAPE_NODES; i++) expect(canonical({ [`k${i}`]: i })).toBe(`{"k${i}":${i}}`);
    const again = sortedKeys({ alpha: 0, beta: 0 });
    expect(again).not.toBe(keys); // forgotten when the cache started over
    expect(again).toEqual(['alpha', 'beta']);
    expect(canonical({ zeta: 1, alpha: 2 })).toBe('{"alpha":2,"zeta":1}');
  });
});

describe('shape cache bound, exactly', () => {
  it('holds MAX_SHAPE_NODES nodes and starts over at the next new one', () => {
    const probe = { probeKey: 1 };
    let ref = sortedKeys(probe);
    let i = 0;
    // Fill until the cache starts over (the probe is forgotten): it then holds only the probe.
    for (; i <= MAX_SHAPE_NODES + 1; i++) {
      canonical({ [`fill${i}`]: 0 });
      const now = sortedKeys(probe);
      if (now !== ref) {
        ref = now;
        break;
      }
    }
    expect(i).toBeLessThanOrEqual(MAX_SHAPE_NODES);
    for (let j = 1; j < MAX_SHAPE_NODES; j++) canonical({ [`exact${j}`]: 0 });
    expect(sortedKeys(probe)).toBe(ref); // probe + 32,767 keys: full, still cached
    canonical({ overflow: 0 });
    expect(sortedKeys(probe)).not.toBe(ref);
  });
});

describe('sameCanonical with undefined values', () => {
  it('keys present with undefined are compared by name, in any order', () => {
    expect(sameCanonical({ a: 1, b: undefined }, { a: 1, c: undefined })).toBe(false);
    expect(sameCanonical({ b: undefined, a: 1 }, { a: 1, c: undefined })).toBe(false);
    expect(sameCanonical({ b: undefined, a: 1 }, { a: 1, b: undefined })).toBe(true);
  });
});
