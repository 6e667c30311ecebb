import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { compilePrecision, normalize, type PrecisionMap, type PrecisionRule } from '../../../src/render/precision.js';
import { roundDp, roundSig, stepRounder } from '../../../src/render/rounding.js';

const rule: fc.Arbitrary<PrecisionRule> = fc.oneof(
  fc.integer({ min: 0, max: 15 }),
  fc.record({ dp: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ sig: fc.integer({ min: 1, max: 15 }) }),
  fc.record({ step: fc.oneof(fc.constantFrom(0.05, 0.25, 1, 5, 1e-7, 0.001), fc.double({ min: 1e-9, max: 1e9, noNaN: true })) }),
  fc.constant('integer' as const),
);
const value = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, NaN, Infinity, -Infinity, 1.005, 2.675, -1.005), fc.string(), fc.constant(null));
const precisionMap: fc.Arbitrary<PrecisionMap> = fc.record(
  { a: rule, b: rule, nested: fc.record({ x: rule, deep: fc.record({ y: rule }) }), list: rule },
  { requiredKeys: [] },
);
const state = fc.record({
  a: value,
  b: value,
  c: value,
  nested: fc.record({ x: value, deep: fc.record({ y: value }) }),
  list: fc.array(value, { maxLength: 5 }),
});

describe('precision', () => {
  it('rounds half away from zero on the number as written', () => {
    expect(roundDp(1.005, 2)).toBe(1.01);
    expect(roundDp(-1.005, 2)).toBe(-1.01);
    expect(roundDp(2.675, 2)).toBe(2.68);
    expect(roundDp(1.0049999, 2)).toBe(1);
    expect(roundDp(0.1 + 0.2, 2)).toBe(0.3);
    expect(roundSig(1234.5, 3)).toBe(1230);
    expect(roundSig(999.5, 3)).toBe(1000);
    expect(roundSig(0.00012345, 2)).toBe(0.00012);
    const step = stepRounder(0.05);
    expect([step(1.07), step(0.075), step(0.15000000000000002), step(-0.025)]).toEqual([1.05, 0.1, 0.15, -0.05]);
  });

  it('maps -0 to 0 and leaves NaN, Infinity and non-numbers untouched', () => {
    const out = normalize({ a: -0, b: -0.001, c: NaN, d: Infinity, e: '1.234', f: null }, { a: 2, b: { dp: 2 }, c: 2, d: { sig: 2 }, e: 1, f: 'integer' });
    expect(Object.is(out.a, 0)).toBe(true);
    expect(Object.is(out.b, 0)).toBe(true);
    expect(out.c).toBeNaN();
    expect(out.d).toBe(Infinity);
    expect(out.e).toBe('1.234');
    expect(out.f).toBeNull();
  });

  it('applies nested maps, array fields element-wise, custom functions; others pass through', () => {
    const input = { quote: { price: 101.256, dp: 1.26 }, spark: [1.04, 2.06], label: 'X', tag: 'abc' };
    const out = normalize(input, { quote: { price: { step: 0.05 }, dp: { dp: 1 } }, spark: 'integer', tag: (v) => String(v).toUpperCase() });
    expect(out).toEqual({ quote: { price: 101.25, dp: 1.3 }, spark: [1, 2], label: 'X', tag: 'ABC' });
    expect(input.quote.price).toBe(101.256); // the input is never mutated
  });

  it('returns the same object when nothing changes', () => {
    const s = { price: 1.25, name: 'x' };
    expect(normalize(s, { price: 2 })).toBe(s);
    expect(normalize(s, undefined)).toBe(s);
  });

  it('rejects invalid rules with INVALID_OPTIONS naming the field', () => {
    const bad: PrecisionMap[] = [{ price: 16 }, { price: { sig: 0 } }, { q: { price: { step: -1 } } }, { price: 'cents' as never }];
    for (const map of bad) {
      let caught: unknown;
      try {
        compilePrecision(map);
      } catch (err) {
        caught = err;
      }
      expect(isStreamClientError(caught, 'INVALID_OPTIONS')).toBe(true);
      expect((caught as Error).message).toMatch(/^precision\.(q\.)?price/);
    }
  });

  it('invalid rules: the error names the field and says what is wrong', () => {
    const cases: [unknown, string][] = [
      [{ price: 16 }, 'precision.price: decimal places must be an integer in 0..15, got 16'],
      [{ price: { dp: 1.5 } }, 'precision.price: dp must be an integer in 0..15, got 1.5'],
      [{ price: { sig: 0 } }, 'precision.price: sig must be an integer in 1..15, got 0'],
      [{ q: { price: { step: -1 } } }, 'precision.q.price: step must be finite and > 0, got -1'],
      [{ price: { step: 0 } }, 'precision.price: step must be finite and > 0, got 0'],
      [{ price: 'cents' }, "precision.price: expected a number, { dp }, { sig }, { step }, 'integer', a function or a nested map"],
      [{ price: null }, "precision.price: expected a number, { dp }, { sig }, { step }, 'integer', a function or a nested map"],
      [{ price: true }, "precision.price: expected a number, { dp }, { sig }, { step }, 'integer', a function or a nested map"],
      [{ quote: [] }, 'precision.quote: expected an object map of field rules'],
      [5, 'precision: expected an object map of field rules'],
      [null, 'precision: expected an object map of field rules'],
      [[], 'precision: expected an object map of field rules'],
    ];
    for (const [map, message] of cases) {
      let caught: unknown;
      try {
        compilePrecision(map as PrecisionMap);
      } catch (err) {
        caught = err;
      }
      expect(isStreamClientError(caught, 'INVALID_OPTIONS')).toBe(true);
      expect((caught as Error).message).toBe(message);
      expect((caught as { details?: unknown }).details).toEqual({ option: message.slice(0, message.indexOf(':')) });
    }
  });

  it('an object is a rule only with exactly one numeric dp, sig or step; otherwise a nested map', () => {
    const state = { quote: { dp: 1.23456, price: 1.26 } };
    expect(normalize(state, { quote: { dp: 2, price: 1 } })).toEqual({ quote: { dp: 1.23, price: 1.3 } });
    expect(normalize({ quote: { dp: 1.23456 } }, { quote: { dp: { dp: 1 } } })).toEqual({ quote: { dp: 1.2 } });
    expect(normalize({ quote: { sig: 1.23456 } }, { quote: { sig: { sig: 2 } } })).toEqual({ quote: { sig: 1.2 } });
  });

  it('a field whose rule is undefined passes through', () => {
    const s = { price: 1.234, qty: 2.5 };
    expect(normalize(s, { price: undefined as never, qty: 'integer' })).toEqual({ price: 1.234, qty: 3 });
  });

  it('a null or missing nested object passes through a nested map', () => {
    const s = { quote: null, other: 1.234 };
    expect(normalize(s, { quote: { price: 2 }, other: 1 })).toEqual({ quote: null, other: 1.2 });
    expect(normalize({ n: 7 }, { n: { price: 2 } })).toEqual({ n: 7 });
  });

  it('a nested map applies to objects in nested arrays, and to a state that is an array', () => {
    expect(normalize({ grid: [[{ px: 1.234 }, { px: 2 }]] }, { grid: { px: 2 } })).toEqual({ grid: [[{ px: 1.23 }, { px: 2 }]] });
    expect(normalize([{ px: 1.234 }, 'x'], { px: 1 })).toEqual([{ px: 1.2 }, 'x']);
  });

  it('a custom rule runs for a field present with undefined, not for an absent field', () => {
    const rule = { tag: (v: unknown) => v ?? 'none' };
    const absent = { price: 1 };
    expect(normalize(absent, rule)).toBe(absent);
    expect(normalize(absent, rule)).toStrictEqual({ price: 1 });
    expect(normalize({ tag: undefined }, rule)).toStrictEqual({ tag: 'none' });
  });

  it('a nested map leaves a field that holds a string, not an object, untouched', () => {
    expect(normalize({ quote: 'n/a' }, { quote: { length: () => 0, 0: () => 'x' } })).toStrictEqual({ quote: 'n/a' });
  });

  it('a field named undefined is an ordinary field', () => {
    expect(normalize({ undefined: 1.234, price: 1.234 }, { price: 2 })).toEqual({ undefined: 1.234, price: 1.23 });
  });

  it('a state read through getters (a class instance) is rounded into a plain copy', () => {
    class Tick {
      get price(): number {
        return 1.234;
      }
    }
    expect(normalize(new Tick() as { price: number }, { price: 2 })).toStrictEqual({ price: 1.23 });
  });

  it('compiles a map once: the same map object gives the same compiled rules', () => {
    const map: PrecisionMap = { price: 2 };
    expect(compilePrecision(map)).toBe(compilePrecision(map));
    expect(compilePrecision({ price: 2 })).not.toBe(compilePrecision(map));
  });

  it('property: normalization is idempotent', () => {
    fc.assert(
      fc.property(state, precisionMap, (s, p) => {
        const once = normalize(s, p);
        expect(normalize(once, p)).toStrictEqual(once);
      }),
      { numRuns: 2_000 },
    );
  });

  it('significant digits are idempotent where the scaled value has no fraction left (9.374265641397051e26, 15 digits)', () => {
    const once = roundSig(9.374265641397051e26, 15);
    expect(roundSig(once, 15)).toBe(once);
  });

  it('property: each built-in rule is idempotent on any double', () => {
    fc.assert(
      fc.property(fc.double(), rule, (v, r) => {
        const once = normalize({ v }, { v: r }).v;
        expect(Object.is(normalize({ v: once }, { v: r }).v, once)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });
});
