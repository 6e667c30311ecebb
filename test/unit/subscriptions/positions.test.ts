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

  it('a gap is delivered and reported once with exact values: onGap, a subscription.gap warning, the gaps counter', () => {
    const { server, seqs, gaps, counters, records } = subscribed();
    server({ op: 'subscribed', topic: 'A', seq: 0 });
    server({ op: 'data', topic: 'A', seq: 1, data: 1 });
    server({ op: 'data', topic: 'A', seq: 4, data: 4 });
    server({ op: 'data', topic: 'A', seq: 5, data: 5 });
    expect(seqs).toEqual([1, 4, 5]);
    expect(gaps).toEqual([{ kind: 'gap', expected: 2, received: 4 }]);
    expect([counters.gaps, counters.resets, counters.duplicatesDropped]).toEqual([1, 0, 0]);
    expect(records.filter((r) => r['event'] === 'subscription.gap')).toEqual([
      { level: 'warn', event: 'subscription.gap', topic: 'A', key: expect.any(String), expected: 2, received: 4 },
    ]);
  });

  it('a reset by ack is logged with its cause and nothing dropped', () => {
    const { registry, server, records, attach } = subscribed();
    server({ op: 'subscribed', topic: 'A', seq: 0 });
    for (let seq = 1; seq <= 6; seq++) server({ op: 'data', topic: 'A', seq, data: seq });
    registry.detach();
    attach();
    server({ op: 'subscribed', topic: 'A', seq: 2 });
    expect(records.filter((r) => r['event'] === 'subscription.reset')).toEqual([
      expect.objectContaining({ level: 'warn', topic: 'A', expected: 7, received: 2, cause: 'ack', dropped: 0 }),
    ]);
  });

  it('a delivered frame (in order, or after a gap) breaks a run of renumbered frames: the run counts again from 1', () => {
    for (const between of [21, 30]) {
      const { server, seqs, gaps, counters } = subscribed();
      server({ op: 'subscribed', topic: 'A', seq: 0 });
      for (let seq = 1; seq <= 20; seq++) server({ op: 'data', topic: 'A', seq, data: seq });
      for (let seq = 1; seq <= RESET_AFTER_DUPLICATES - 1; seq++) server({ op: 'data', topic: 'A', seq, data: seq });
      server({ op: 'data', topic: 'A', seq: between, data: between });
      server({ op: 'data', topic: 'A', seq: RESET_AFTER_DUPLICATES, data: RESET_AFTER_DUPLICATES });
      expect(seqs.slice(20)).toEqual([between]);
      expect(gaps.filter((g) => g.kind === 'reset')).toEqual([]);
      expect([counters.resets, counters.duplicatesDropped]).toEqual([0, RESET_AFTER_DUPLICATES]);
    }
  });

  it('an ack after a reconnect breaks a run of renumbered frames too', () => {
    const { registry, server, seqs, counters, attach } = subscribed();
    server({ op: 'subscribed', topic: 'A', seq: 0 });
    for (let seq = 1; seq <= 20; seq++) server({ op: 'data', topic: 'A', seq, data: seq });
    for (let seq = 1; seq <= RESET_AFTER_DUPLICATES - 1; seq++) server({ op: 'data', topic: 'A', seq, data: seq });
    registry.detach();
    attach();
    server({ op: 'subscribed', topic: 'A', seq: 20 });
    server({ op: 'data', topic: 'A', seq: RESET_AFTER_DUPLICATES, data: RESET_AFTER_DUPLICATES });
    expect(seqs).toHaveLength(20);
    expect([counters.resets, counters.duplicatesDropped]).toEqual([0, RESET_AFTER_DUPLICATES]);
  });
});
