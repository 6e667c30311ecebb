import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, paramsOfKey, sameParams, subscriptionKey } from '../../../src/core/params-key.js';

/** Rebuild an object with its keys in a different (reversed or rotated) insertion order. */
function reorder(value: unknown, rotate: number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, rotate));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const k = keys.length === 0 ? 0 : rotate % keys.length;
  const order = [...keys.slice(k), ...keys.slice(0, k)].reverse();
  // fromEntries defines own properties, so a generated "__proto__" key stays a plain key.
  return Object.fromEntries(order.map((key) => [key, reorder((value as Record<string, unknown>)[key], rotate)]));
}

const json = fc.jsonValue();

describe('canonicalJson', () => {
  it('ignores key order at every level', () => {
    fc.assert(
      fc.property(json, fc.nat(), (v, rotate) => {
        expect(canonicalJson(reorder(v, rotate))).toBe(canonicalJson(v));
      }),
    );
  });

  it('keeps JSON.stringify semantics (parses back to the same value)', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v) ?? 'null'));
      }),
    );
  });

  it('is injective on JSON values: different values, different text', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const normalize = (v: unknown): unknown => JSON.parse(JSON.stringify(v) ?? 'null');
        expect(canonicalJson(a) === canonicalJson(b)).toBe(isDeepStrictEqual(normalize(a), normalize(b)));
      }),
    );
  });

  it('follows JSON rules for undefined, functions, non-finite numbers, -0, toJSON', () => {
    expect(canonicalJson({ b: undefined, a: () => 1, c: NaN, d: -0, e: [undefined, Infinity] })).toBe('{"c":null,"d":0,"e":[null,null]}');
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":2}'))).toBe('{"__proto__":2,"b":1}');
  });

  it('refuses cycles, BigInt and absurd nesting with a TypeError', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(TypeError);
  });

  it('allows shared (non-cyclic) references', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('subscriptionKey', () => {
  it('is the topic alone without params', () => {
    expect(subscriptionKey('AAPL', undefined)).toBe('AAPL');
  });

  it('distinguishes (topic, params) pairs and ignores key order', () => {
    const topic = fc.string().filter((t) => !t.includes('?'));
    fc.assert(
      fc.property(topic, topic, json, json, fc.nat(), (t1, t2, p1, p2, rotate) => {
        expect(subscriptionKey(t1, reorder(p1, rotate))).toBe(subscriptionKey(t1, p1));
        const same = t1 === t2 && canonicalJson(p1) === canonicalJson(p2);
        expect(subscriptionKey(t1, p1) === subscriptionKey(t2, p2)).toBe(same);
      }),
    );
  });
});

describe('sameParams', () => {
  it('is equality of subscription keys: JSON semantics, key order ignored', () => {
    expect(sameParams({ x: 1, y: undefined }, { x: 1 })).toBe(true);
    expect(sameParams({ at: new Date(0) }, { at: '1970-01-01T00:00:00.000Z' })).toBe(true);
    expect(sameParams({ px: Number.NaN }, { px: null })).toBe(true);
    expect(sameParams({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameParams(undefined, null)).toBe(false);
    expect(sameParams({ x: 1 }, { x: 2 })).toBe(false);
  });

  it('agrees with subscriptionKey on every pair of JSON values', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(sameParams(a, b)).toBe(subscriptionKey('t', a) === subscriptionKey('t', b));
      }),
    );
  });

  it('never calls unkeyable params the same, except the very same object', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(sameParams(cyclic, { self: {} })).toBe(false);
    expect(sameParams(cyclic, cyclic)).toBe(true);
  });
});

describe('paramsOfKey', () => {
  it('reads back the JSON value of the params, or undefined without params', () => {
    expect(paramsOfKey('A', 'A')).toBeUndefined();
    fc.assert(
      fc.property(fc.string(), json, (topic, p) => {
        expect(paramsOfKey(topic, subscriptionKey(topic, p))).toEqual(JSON.parse(JSON.stringify(p) ?? 'null'));
      }),
    );
  });
});
