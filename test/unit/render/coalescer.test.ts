import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock, type Clock, type TimerHandle } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import { COALESCE_TASK, Coalescer } from '../../../src/render/coalescer.js';

/** Time moves only when told; due timers fire in time order, and never inside a running flush. */
class ManualClock implements Clock {
  t = 0;
  #id = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): TimerHandle => (this.#timers.set(++this.#id, { at: this.t + ms, fn }), this.#id);
  clearTimeout = (h: TimerHandle): void => void this.#timers.delete(h as number);
  advanceTo(to: number): void {
    for (;;) {
      const due = [...this.#timers].filter(([, x]) => x.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = Math.max(this.t, to);
  }
}

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

  it('a new interval reschedules the waiting value against it', () => {
    const t = setup(100);
    t.c.push(1);
    vi.advanceTimersByTime(5);
    t.c.push(2); // waits for t = 100
    t.c.minIntervalMs = 10;
    expect(t.c.minIntervalMs).toBe(10);
    vi.advanceTimersByTime(4);
    expect(t.flushed).toEqual([{ value: 1, at: 0 }]);
    vi.advanceTimersByTime(1);
    expect(t.flushed).toEqual([
      { value: 1, at: 0 },
      { value: 2, at: 10 },
    ]);
    expect(t.tasks.size).toBe(0);
  });

  it('an interval of 0 flushes every value synchronously', () => {
    const { c, flushed } = setup(0);
    for (let i = 0; i < 5; i++) c.push(i);
    expect(flushed.map((f) => f.value)).toEqual([0, 1, 2, 3, 4]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a flush slower than the interval keeps coalescing: 1 kHz for 2 s through a 100 ms render makes 15 renders, each tick shown within 250 ms', () => {
    const clock = new ManualClock();
    const tasks = new TaskRegistry(clock);
    const shown: { value: number; at: number }[] = [];
    const c = new Coalescer<number>(
      tasks,
      (value) => {
        clock.t += 100; // a synchronous render that blocks for 100 ms: timers and ticks wait
        shown.push({ value, at: clock.t });
      },
      { minIntervalMs: 50 },
    );
    let worstLag = 0;
    for (let i = 0; i < 2_000; i++) {
      clock.advanceTo(i); // a tick due while a render ran arrives late, as from a socket's backlog
      c.push(i);
    }
    clock.advanceTo(10_000);
    for (let i = 0; i < 2_000; i++) worstLag = Math.max(worstLag, shown.find((s) => s.value >= i)!.at - i);
    // The interval runs from the end of each render: one render per 150 ms, the newest tick each time.
    expect(shown.map((s) => s.value)).toEqual([0, ...Array.from({ length: 13 }, (_, k) => 150 * (k + 1) - 1), 1_999]);
    expect(shown.at(-1)).toEqual({ value: 1_999, at: 2_200 });
    expect(worstLag).toBe(250);
    expect(tasks.size).toBe(0);
  });

  it('a value pushed from inside a flush waits a whole interval after that flush ends', () => {
    const clock = new ManualClock();
    const tasks = new TaskRegistry(clock);
    const shown: { value: number; at: number }[] = [];
    const c: Coalescer<number> = new Coalescer<number>(
      tasks,
      (value) => {
        if (value === 1) c.push(2); // e.g. onRender feeding the stream again
        clock.t += 30;
        shown.push({ value, at: clock.t });
      },
      { minIntervalMs: 50 },
    );
    c.push(1);
    clock.advanceTo(1_000);
    expect(shown).toEqual([
      { value: 1, at: 30 },
      { value: 2, at: 30 + 50 + 30 },
    ]);
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
