import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CALLBACK_ERROR_SUMMARY_MS } from '../../../src/subscriptions/notify.js';
import { registryHarness } from '../../helpers/registry.js';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('an onData that throws on every message', () => {
  it('is counted every time, logged once per subscription, then once per interval with the count in between; no timer', () => {
    const { registry, attach, server, counters, records, tasks } = registryHarness();
    attach();
    const boom = (): never => {
      throw new Error('boom');
    };
    registry.add('A', boom);
    registry.add('B', boom);
    const errors = () => records.filter((r) => r['event'] === 'callback.error');
    for (let i = 0; i < 1_000; i++) server({ op: 'data', topic: 'A', data: i });
    server({ op: 'data', topic: 'B', data: 0 });
    expect(counters.callbackErrors).toBe(1_001);
    expect(errors().map((r) => [r['level'], r['topic'], r['callback'], r['suppressed']])).toEqual([
      ['error', 'A', 'onData', undefined],
      ['error', 'B', 'onData', undefined],
    ]);
    expect(tasks.size).toBe(0);
    vi.advanceTimersByTime(CALLBACK_ERROR_SUMMARY_MS - 1);
    server({ op: 'data', topic: 'A', data: 'x' });
    expect(errors()).toHaveLength(2);
    vi.advanceTimersByTime(1);
    server({ op: 'data', topic: 'A', data: 'y' });
    expect(errors().slice(2)).toEqual([expect.objectContaining({ level: 'error', topic: 'A', callback: 'onData', suppressed: 1_000 })]);
    expect(counters.callbackErrors).toBe(1_003);
    expect(CALLBACK_ERROR_SUMMARY_MS).toBe(10_000);
  });
});
