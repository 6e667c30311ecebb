import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registryHarness } from '../../helpers/registry.js';

const noop = (): void => {};

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

/**
 * Topic A is due at `afterMs`, topic B `offsetMs` later: B is swept no sooner than the sweep
 * floor after A's sweep (afterMs / 10, clamped to [10, 250] ms). Returns when B went stale.
 */
function staleAtOfSecond(afterMs: number, offsetMs: number, byHandle = false): number {
  const { registry, attach } = registryHarness(byHandle ? { ackTimeoutMs: Infinity } : { ackTimeoutMs: Infinity, stale: { afterMs } });
  attach();
  const start = Date.now();
  let at = Number.NaN;
  registry.add('A', noop, byHandle ? { staleAfterMs: afterMs } : {});
  vi.advanceTimersByTime(offsetMs);
  registry.add('B', noop, { onStale: () => void (at = Date.now() - start), ...(byHandle ? { staleAfterMs: afterMs } : {}) });
  vi.advanceTimersByTime(afterMs + 1_000);
  registry.dispose();
  return at;
}

describe('the sweep floor: a topic due right after another is swept at most one floor late', () => {
  it.each([
    ['afterMs / 10', 1_000, 50, 1_100],
    ['at least 10 ms', 50, 2, 60],
    ['at most 250 ms', 10_000, 50, 10_250],
  ])('%s (afterMs %i, due %i ms after the first): stale at %i ms', (_rule, afterMs, offsetMs, expected) => {
    expect(staleAtOfSecond(afterMs, offsetMs)).toBe(expected);
  });

  it('250 ms when only subscriptions set a threshold (no stale.afterMs)', () => {
    expect(staleAtOfSecond(1_000, 50, true)).toBe(1_250);
  });

  it('a topic due later than the floor is swept exactly on time', () => {
    expect(staleAtOfSecond(1_000, 300)).toBe(1_300);
  });
});

describe('what the monitor watches', () => {
  it('stale topics are not watched without resubscribeAfterMs: a handle joining one arms no sweep', () => {
    const { registry, attach, tasks } = registryHarness({ ackTimeoutMs: Infinity, stale: { afterMs: 1_000 } });
    attach();
    const a = registry.add('A', noop);
    vi.advanceTimersByTime(1_000);
    expect(a.state).toBe('stale');
    expect(tasks.names()).toEqual([]);
    registry.add('A', noop);
    expect(tasks.names()).toEqual([]);
  });
});

describe('several thresholds', () => {
  it('each topic goes stale at its own threshold, whatever the order they were subscribed in', () => {
    const { registry, attach } = registryHarness({ ackTimeoutMs: Infinity, stale: { afterMs: 1_000 } }); // floor 100 ms
    attach();
    const staleAt: Record<string, number> = {};
    const start = Date.now();
    for (const [topic, ms] of [
      ['C', 100],
      ['A', 500],
      ['B', 2_000],
    ] as const) {
      registry.add(topic, noop, { staleAfterMs: ms, onStale: () => void (staleAt[topic] = Date.now() - start) });
    }
    vi.advanceTimersByTime(3_000);
    expect(staleAt).toEqual({ C: 100, A: 500, B: 2_000 });
  });
});
