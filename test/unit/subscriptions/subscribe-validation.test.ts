import { describe, expect, it } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { registryHarness } from '../../helpers/registry.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('subscribe arguments', () => {
  it('bad arguments are a typed INVALID_OPTIONS naming the argument; nothing is registered or sent', () => {
    const { registry, attach } = registryHarness();
    const s = attach();
    const noop = (): void => {};
    const cases: [() => unknown, string][] = [
      [() => registry.add('', noop), 'topic'],
      [() => registry.add(42 as unknown as string, noop), 'topic'],
      [() => registry.add('A', 'nope' as unknown as () => void), 'onData'],
      [() => registry.add('A', noop, null as unknown as object), 'options'],
      [() => registry.add('A', noop, { staleAfterMs: 0 }), 'staleAfterMs'],
      [() => registry.add('A', noop, { staleAfterMs: 0.5 }), 'staleAfterMs'], // the client's stale.afterMs rule: >= 1
      [() => registry.add('A', noop, { staleAfterMs: Number.NaN }), 'staleAfterMs'],
      [() => registry.add('A', noop, { staleAfterMs: -5 }), 'staleAfterMs'],
      [() => registry.add('A', noop, { staleAfterMs: 3e9 }), 'staleAfterMs'],
      [() => registry.add('A', noop, { staleAfterMs: '100' as unknown as number }), 'staleAfterMs'],
      [() => registry.add('A', noop, { onGap: 'x' as unknown as () => void }), 'onGap'],
      [() => registry.add('A', noop, { onStale: 1 as unknown as () => void }), 'onStale'],
    ];
    for (const [call, option] of cases) {
      const err = thrown(call);
      expect(isStreamClientError(err, 'INVALID_OPTIONS') && err.details, option).toEqual({ option });
    }
    expect(registry.size).toBe(0);
    expect(s.frames).toEqual([]);
    expect(registry.add('A', noop, { staleAfterMs: 2_147_483_647 }).state).toBe('pending');
  });

  it('params that are not JSON (a cycle, a BigInt, deep nesting) are INVALID_OPTIONS naming params; nothing is sent', () => {
    const { registry, attach } = registryHarness();
    const s = attach();
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    for (const params of [cyclic, { n: 1n }, deep]) {
      const err = thrown(() => registry.add('A', () => {}, { params }));
      expect(isStreamClientError(err, 'INVALID_OPTIONS') && err.details).toEqual({ option: 'params' });
    }
    expect(registry.size).toBe(0);
    expect(s.frames).toEqual([]);
  });
});

describe('subscription identity: params equal as the JSON the server receives are one subscription', () => {
  const same: [string, unknown, unknown][] = [
    ['an undefined field and no field', { x: 1, y: undefined }, { x: 1 }],
    ['a Date and its ISO string', { at: new Date(0) }, { at: '1970-01-01T00:00:00.000Z' }],
    ['NaN and null', { px: Number.NaN }, { px: null }],
    ['other key orders', { a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 }],
  ];
  for (const [what, a, b] of same) {
    it(`${what}: one entry, one subscribe frame carrying the JSON of both`, () => {
      const { registry, attach } = registryHarness();
      const s = attach();
      const one = registry.add('A', () => {}, { params: a });
      const two = registry.add('A', () => {}, { params: b });
      expect(one.key).toBe(two.key);
      expect(registry.size).toBe(1);
      expect(s.ops('subscribe')).toEqual([{ op: 'subscribe', topic: 'A', params: JSON.parse(JSON.stringify(b)) }]);
    });
  }

  it('the params sent are a snapshot: mutating the object later changes no resubscribe', () => {
    const { registry, attach } = registryHarness();
    const params = { depth: 5 };
    registry.add('A', () => {}, { params });
    params.depth = 10;
    const s = attach();
    expect(s.ops('subscribe')).toEqual([{ op: 'subscribe', topic: 'A', params: { depth: 5 } }]);
  });

  it('no params and null params are different subscriptions', () => {
    const { registry } = registryHarness();
    expect(registry.add('A', () => {}).key).toBe('A');
    expect(registry.add('A', () => {}, { params: null }).key).toBe('A?null');
    expect(registry.size).toBe(2);
  });
});
