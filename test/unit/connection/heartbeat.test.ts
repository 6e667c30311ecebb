import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from '../../../src/connection/heartbeat.js';
import { systemClock, type Clock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';

/**
 * A clock without a monotonic source reads durations on (faked) `Date.now`, so `vi.setSystemTime`
 * can move time without firing timers: a tab that slept. (In a real throttled tab the monotonic
 * clock moves on the same way.)
 */
const wallClock: Clock = {
  now: () => Date.now(),
  setTimeout: systemClock.setTimeout.bind(systemClock),
  clearTimeout: systemClock.clearTimeout.bind(systemClock),
};

function setup(intervalMs = 1_000, timeoutMs = 500, clock: Clock = systemClock) {
  const tasks = new TaskRegistry(clock);
  let last = Date.now();
  const probe = vi.fn();
  const dead = vi.fn();
  const hb = new Heartbeat({ intervalMs, timeoutMs }, tasks, { lastInboundAt: () => last, probe, dead });
  return { tasks, hb, probe, dead, inbound: () => (last = Date.now()) };
}

describe('Heartbeat', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('never probes a feed that keeps sending, and arms no timer per message', () => {
    const { hb, probe, dead, inbound, tasks } = setup();
    hb.start();
    for (let i = 0; i < 10_000; i++) {
      vi.advanceTimersByTime(1);
      inbound();
      expect(tasks.size).toBe(1);
    }
    expect(probe).not.toHaveBeenCalled();
    expect(dead).not.toHaveBeenCalled();
    hb.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('probes after intervalMs of quiet and keeps a quiet feed that answers', () => {
    const { hb, probe, dead, inbound } = setup();
    hb.start();
    vi.advanceTimersByTime(999);
    expect(probe).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(probe).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(100);
    inbound(); // the pong
    vi.advanceTimersByTime(400);
    expect(dead).not.toHaveBeenCalled();
    // Still quiet afterwards: the next probe comes one interval after the pong.
    vi.advanceTimersByTime(599);
    expect(probe).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(probe).toHaveBeenCalledTimes(2);
    hb.stop();
  });

  it('declares death timeoutMs after an unanswered probe, plus one I/O turn (1 ms) for an answer already received', () => {
    const { hb, probe, dead } = setup();
    hb.start();
    vi.advanceTimersByTime(1_000);
    expect(probe).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(500);
    expect(dead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(dead).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a deadline that fires late (throttled or frozen tab) probes once more instead of declaring a false death', () => {
    const { hb, probe, dead, inbound } = setup(1_000, 500, wallClock);
    hb.start();
    vi.advanceTimersByTime(1_000);
    expect(probe).toHaveBeenCalledTimes(1);
    // The tab sleeps 60 s: the clock moves on while no timer runs.
    vi.setSystemTime(Date.now() + 60_000);
    vi.advanceTimersByTime(500);
    expect(dead).not.toHaveBeenCalled();
    expect(probe).toHaveBeenCalledTimes(2);
    // The frames queued behind the timer are delivered: alive.
    inbound();
    vi.advanceTimersByTime(500);
    expect(dead).not.toHaveBeenCalled();
    hb.stop();
  });

  it('a really silent socket still dies: one grace probe per deadline, even when the grace deadline fires late too', () => {
    const { hb, probe, dead } = setup(1_000, 500, wallClock);
    hb.start();
    vi.advanceTimersByTime(1_000);
    vi.setSystemTime(Date.now() + 60_000);
    vi.advanceTimersByTime(500);
    expect([probe.mock.calls.length, dead.mock.calls.length]).toEqual([2, 0]);
    vi.setSystemTime(Date.now() + 60_000);
    vi.advanceTimersByTime(500);
    expect([probe.mock.calls.length, dead.mock.calls.length]).toEqual([2, 0]); // the verdict waits one I/O turn
    vi.advanceTimersByTime(1);
    expect([probe.mock.calls.length, dead.mock.calls.length]).toEqual([2, 1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shows one timer named for what it waits for: the check, the probe timeout, the verdict turn', () => {
    const { hb, tasks } = setup();
    hb.start();
    expect(tasks.names()).toEqual(['heartbeat.check']);
    vi.advanceTimersByTime(1_000);
    expect(tasks.names()).toEqual(['heartbeat.timeout']);
    vi.advanceTimersByTime(500);
    expect(tasks.names()).toEqual(['heartbeat.verdict']);
    hb.stop();
    expect(tasks.names()).toEqual([]);
  });

  it('an answer read in the same millisecond as the probe counts', () => {
    const { tasks } = setup();
    let last = Date.now();
    const dead = vi.fn();
    const probe = vi.fn(() => (last = Date.now())); // the pong is already read when the probe returns
    const hb = new Heartbeat({ intervalMs: 1_000, timeoutMs: 500 }, tasks, { lastInboundAt: () => last, probe, dead });
    hb.start();
    vi.advanceTimersByTime(1_000);
    expect(probe).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    expect(dead).not.toHaveBeenCalled();
    expect(probe).toHaveBeenCalledTimes(2); // the next probe one interval after that answer
    hb.stop();
  });

  it('a deadline firing up to 1 s late is on time (death); more than 1 s late gets the grace probe', () => {
    for (const [lateMs, graced] of [
      [1_000, false],
      [1_001, true],
    ] as const) {
      const { hb, probe, dead } = setup(1_000, 500, wallClock);
      hb.start();
      vi.advanceTimersByTime(1_000);
      vi.setSystemTime(Date.now() + lateMs);
      vi.advanceTimersByTime(501);
      expect([probe.mock.calls.length, dead.mock.calls.length]).toEqual(graced ? [2, 0] : [1, 1]);
      hb.stop();
    }
  });

  it('every probe gets its own grace: an answered grace probe does not use up the next one', () => {
    const { hb, probe, dead, inbound } = setup(1_000, 500, wallClock);
    hb.start();
    vi.advanceTimersByTime(1_000); // quiet interval: the first probe
    for (let round = 1; round <= 3; round++) {
      vi.setSystemTime(Date.now() + 60_000); // the tab sleeps through the deadline
      vi.advanceTimersByTime(500); // late: the grace probe
      expect([probe.mock.calls.length, dead.mock.calls.length]).toEqual([2 * round, 0]);
      inbound(); // the queued answer arrives
      vi.advanceTimersByTime(1_000); // quiet again: the next probe, one interval after the answer
      expect([probe.mock.calls.length, dead.mock.calls.length]).toEqual([2 * round + 1, 0]);
    }
    hb.stop();
  });

  it('stop() while the verdict waits, or before any start, declares nothing and leaves no timer', () => {
    const { hb, probe, dead } = setup();
    hb.stop();
    hb.start();
    vi.advanceTimersByTime(1_500);
    hb.stop();
    vi.advanceTimersByTime(10_000);
    expect([probe.mock.calls.length, dead.mock.calls.length]).toEqual([1, 0]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
