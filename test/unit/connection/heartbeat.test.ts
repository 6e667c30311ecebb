import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from '../../../src/connection/heartbeat.js';
import { systemClock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';

function setup(intervalMs = 1_000, timeoutMs = 500) {
  const tasks = new TaskRegistry(systemClock);
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
});
