import { afterEach, describe, expect, it, vi } from 'vitest';
import { isRealTime, systemClock, type Clock } from '../../../src/core/clock.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('isRealTime: may frames of one job share one clock read?', () => {
  it('yes for the system clock over the platform Date.now', () => {
    expect(isRealTime(systemClock)).toBe(true);
  });

  it('no once fake timers are installed, even on a clock built before them, and yes again after', () => {
    vi.useFakeTimers();
    expect(isRealTime(systemClock)).toBe(false);
    vi.useRealTimers();
    expect(isRealTime(systemClock)).toBe(true);
  });

  it('no while Date.now is spied on, and no for a clock of the user', () => {
    vi.spyOn(Date, 'now');
    expect(isRealTime(systemClock)).toBe(false);
    vi.restoreAllMocks();
    const own: Clock = { ...systemClock };
    expect(isRealTime(own)).toBe(false);
  });
});
