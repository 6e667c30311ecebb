import { describe, expect, it } from 'vitest';
import { registryHarness } from '../../helpers/registry.js';

describe('subscribe({ from })', () => {
  it('asks the server to replay after the given position and drops frames at or below it', () => {
    const h = registryHarness();
    const got: number[] = [];
    h.registry.add('AAPL', (_d, meta) => got.push(meta.seq ?? -1), { from: 41 });
    const session = h.attach();
    expect(session.ops('subscribe')).toEqual([{ op: 'subscribe', topic: 'AAPL', from: 41 }]);
    h.server({ op: 'subscribed', topic: 'AAPL', seq: 43 });
    for (const seq of [40, 41, 42, 43]) h.server({ op: 'data', topic: 'AAPL', seq, data: {} });
    expect(got).toEqual([42, 43]);
    expect(h.counters.duplicatesDropped).toBe(2);
    expect(h.counters.gaps).toBe(0);
  });

  it('rejects a position that is not a safe non-negative integer, adding nothing', () => {
    const h = registryHarness();
    for (const from of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => h.registry.add('AAPL', () => {}, { from })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS', message: 'subscribe: from must be a safe non-negative integer', details: { option: 'from' } }),
      );
    }
    expect(h.registry.size).toBe(0);
  });
});
