import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RESET_AFTER_DUPLICATES } from '../../../src/subscriptions/positions.js';
import type { GapInfo } from '../../../src/subscriptions/index.js';
import { registryHarness } from '../../helpers/registry.js';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

function subscribed() {
  const h = registryHarness();
  const s = h.attach();
  const seqs: number[] = [];
  const gaps: GapInfo[] = [];
  h.registry.add('A', (_d, meta) => void seqs.push(meta.seq!), { onGap: (g) => void gaps.push(g) });
  return { ...h, s, seqs, gaps };
}

describe('positions', () => {
  it('a server renumbering mid-stream without an ack is a reset after RESET_AFTER_DUPLICATES consecutive frames', () => {
    const { server, seqs, gaps, counters, records } = subscribed();
    server({ op: 'subscribed', topic: 'A', seq: 0 });
    for (let seq = 1; seq <= 20; seq++) server({ op: 'data', topic: 'A', seq, data: seq });
    for (let seq = 1; seq <= 10; seq++) server({ op: 'data', topic: 'A', seq, data: seq }); // restarted at 1
    expect(RESET_AFTER_DUPLICATES).toBe(8);
    expect(seqs.slice(20)).toEqual([8, 9, 10]);
    expect(gaps).toEqual([{ kind: 'reset', expected: 21, received: 8 }]);
    expect([counters.resets, counters.duplicatesDropped, counters.gaps]).toEqual([1, 7, 0]);
    expect(records.filter((r) => r['event'] === 'subscription.reset')).toEqual([
      expect.objectContaining({ level: 'warn', topic: 'A', expected: 21, received: 8, cause: 'duplicates', dropped: 7 }),
    ]);
  });

  it('repeated or reordered old frames are only duplicates, however many', () => {
    const { server, seqs, gaps, counters } = subscribed();
    server({ op: 'subscribed', topic: 'A', seq: 0 });
    for (let seq = 1; seq <= 20; seq++) server({ op: 'data', topic: 'A', seq, data: seq });
    for (let i = 0; i < 50; i++) server({ op: 'data', topic: 'A', seq: i % 2 === 0 ? 20 : 5, data: 'old' });
    for (let i = 0; i < 50; i++) server({ op: 'data', topic: 'A', seq: 19 - (i % 19), data: 'old' }); // descending
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(gaps).toEqual([]);
    expect([counters.resets, counters.duplicatesDropped]).toEqual([0, 100]);
  });

  it('an ack at or above the resume point keeps the position (a replay follows); below it resets', () => {
    const { registry, server, seqs, gaps, counters, attach } = subscribed();
    server({ op: 'subscribed', topic: 'A', seq: 4 });
    server({ op: 'data', topic: 'A', seq: 5, data: 5 });
    registry.detach();
    const s2 = attach();
    expect(s2.ops('subscribe')).toEqual([{ op: 'subscribe', topic: 'A', from: 5 }]);
    server({ op: 'subscribed', topic: 'A', seq: 9 });
    server({ op: 'data', topic: 'A', seq: 6, data: 6 });
    registry.detach();
    attach();
    server({ op: 'subscribed', topic: 'A', seq: 2 });
    server({ op: 'data', topic: 'A', seq: 3, data: 3 });
    expect(seqs).toEqual([5, 6, 3]);
    expect(gaps).toEqual([{ kind: 'reset', expected: 7, received: 2 }]);
    expect([counters.resets, counters.gaps, counters.duplicatesDropped]).toEqual([1, 0, 0]);
  });
});
