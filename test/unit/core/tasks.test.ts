import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { isStreamClientError } from '../../../src/core/errors.js';
import { TaskRegistry } from '../../../src/core/tasks.js';

describe('TaskRegistry', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs a timeout once, after exactly its delay, and forgets it', () => {
    const tasks = new TaskRegistry(systemClock);
    const fn = vi.fn();
    tasks.timeout('t', 100, fn);
    expect(tasks.size).toBe(1);
    vi.advanceTimersByTime(99);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(tasks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancel is idempotent and clears the underlying timer', () => {
    const tasks = new TaskRegistry(systemClock);
    const task = tasks.timeout('t', 100, () => {
      throw new Error('must not run');
    });
    task.cancel();
    task.cancel();
    expect(task.active).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dispose cancels everything and refuses new timers', async () => {
    const tasks = new TaskRegistry(systemClock);
    tasks.timeout('a', 10, () => {});
    tasks.timeout('b', 20, () => {});
    expect(tasks.names().sort()).toEqual(['a', 'b']);
    tasks.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(tasks.timeout('c', 1, () => {}).active).toBe(false);
    await expect(tasks.delay('d', 1)).rejects.toSatisfy((e) => isStreamClientError(e, 'CLIENT_CLOSED'));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('delay resolves after its time and rejects on abort, leaving no timer', async () => {
    const tasks = new TaskRegistry(systemClock);
    const done = tasks.delay('d', 50);
    await vi.advanceTimersByTimeAsync(50);
    await expect(done).resolves.toBeUndefined();

    const ac = new AbortController();
    const aborted = tasks.delay('d', 50, ac.signal);
    ac.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(tasks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the process alive by default (a daemon must not exit during an outage); unref opts out', () => {
    vi.useRealTimers();
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    for (const unref of [false, true]) {
      const tasks = new TaskRegistry(systemClock, { unref });
      const before = timeouts();
      tasks.timeout('reconnect.attempt', 60_000, () => {});
      // Node lists only ref'd timers.
      expect(timeouts() - before).toBe(unref ? 0 : 1);
      tasks.dispose();
      expect(timeouts()).toBe(before);
    }
  });

  it('a timer re-arms (renamed, replacing its pending run), is cancellable, and is dead after dispose', () => {
    const tasks = new TaskRegistry(systemClock);
    const fn = vi.fn();
    const timer = tasks.timer('a', fn);
    expect(timer.active).toBe(false);
    expect(tasks.size).toBe(0);
    timer.arm(100);
    timer.arm(50, 'b'); // replaces the pending run
    expect(tasks.names()).toEqual(['b']);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(50);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(timer.active).toBe(false);
    vi.advanceTimersByTime(100);
    expect(fn).toHaveBeenCalledTimes(1);
    timer.arm(10);
    timer.cancel();
    expect(tasks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    timer.arm(10);
    tasks.dispose();
    expect(timer.active).toBe(false);
    timer.arm(10);
    expect(timer.active).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('a timer may re-arm itself from its own callback', () => {
    const tasks = new TaskRegistry(systemClock);
    let runs = 0;
    const timer = tasks.timer('tick', () => {
      if (++runs < 3) timer.arm(10);
    });
    timer.arm(10);
    vi.advanceTimersByTime(100);
    expect(runs).toBe(3);
    expect(tasks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
