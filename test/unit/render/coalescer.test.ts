import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import { COALESCE_TASK, Coalescer } from '../../../src/render/coalescer.js';

describe('Coalescer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  function setup(minIntervalMs: number) {
    const tasks = new TaskRegistry(systemClock);
    const flushed: { value: number; at: number }[] = [];
    let dropped = 0;
    const c = new Coalescer<number>(tasks, (value) => flushed.push({ value, at: Date.now() }), { minIntervalMs, onDrop: () => dropped++ });
    return { tasks, c, flushed, dropped: () => dropped };
  }

  it('flushes a slow ticker at once and arms no timer (leading edge)', () => {
    const { c, flushed } = setup(50);
    c.push(1);
    vi.advanceTimersByTime(60);
    c.push(2);
    expect(flushed.map((f) => f.value)).toEqual([1, 2]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('coalesces a burst: latest wins, one flush per interval, the last value always flushed', () => {
    const { c, tasks, flushed, dropped } = setup(50);
    c.push(1); // leading edge
    for (let i = 2; i <= 10; i++) {
      vi.advanceTimersByTime(1);
      c.push(i);
    }
    expect(tasks.names()).toEqual([COALESCE_TASK]);
    expect(flushed.map((f) => f.value)).toEqual([1]);
    vi.advanceTimersByTime(50);
    expect(flushed).toEqual([
      { value: 1, at: 0 },
      { value: 10, at: 50 },
    ]);
    expect(dropped()).toBe(8);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancel drops the waiting value and its timer', () => {
    const { c, flushed } = setup(50);
    c.push(1);
    c.push(2);
    c.cancel();
    vi.advanceTimersByTime(100);
    expect(flushed.map((f) => f.value)).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an interval of 0 flushes every value synchronously', () => {
    const { c, flushed } = setup(0);
    for (let i = 0; i < 5; i++) c.push(i);
    expect(flushed.map((f) => f.value)).toEqual([0, 1, 2, 3, 4]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('property: under random tick timings the last value is flushed, flushes are >= minIntervalMs apart, at most one timer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 1, maxLength: 60 }), (interval, gaps) => {
        vi.setSystemTime(0);
        const { c, flushed, tasks } = setup(interval);
        gaps.forEach((gap, i) => {
          vi.advanceTimersByTime(gap);
          c.push(i);
          expect(tasks.size).toBeLessThanOrEqual(1);
        });
        vi.advanceTimersByTime(interval);
        expect(flushed.at(-1)?.value).toBe(gaps.length - 1);
        for (let i = 1; i < flushed.length; i++) {
          expect(flushed[i]!.at - flushed[i - 1]!.at).toBeGreaterThanOrEqual(interval);
          expect(flushed[i]!.value).toBeGreaterThan(flushed[i - 1]!.value);
        }
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
