import { afterEach, describe, expect, it, vi } from 'vitest';
import { InboundClock } from '../../../src/connection/inbound-clock.js';
import { SteadyClock, isRealTime, systemClock } from '../../../src/core/clock.js';

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

  it('no while Date.now is spied on; a clock of the user says so itself (realTime)', () => {
    vi.spyOn(Date, 'now');
    expect(isRealTime(systemClock)).toBe(false);
    vi.restoreAllMocks();
    const base = { now: () => Date.now(), setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout };
    expect(isRealTime(base)).toBe(false);
    expect(isRealTime({ ...base, realTime: true })).toBe(true);
  });
});

describe('SteadyClock: durations on a monotonic clock, wall time for people', () => {
  it('a backward wall-clock step of 1 h does not move steady time back; wallOf shows the new wall time', () => {
    vi.useFakeTimers();
    const steady = new SteadyClock(systemClock);
    const t0 = steady.now();
    expect(t0).toBe(Date.now()); // anchored to the wall clock
    vi.advanceTimersByTime(1_000);
    const before = steady.now();
    vi.setSystemTime(Date.now() - 3_600_000); // NTP steps the wall clock back 1 h
    vi.advanceTimersByTime(500);
    expect(steady.now() - before).toBe(500);
    expect(steady.wallOf(steady.now())).toBe(Date.now());
    expect(steady.wallOf(before)).toBe(Date.now() - 500);
  });

  it('stays continuous when the monotonic source is swapped (fake timers installed after the client was built)', () => {
    let mono = 50_000;
    let wall = 1_000_000;
    const steady = new SteadyClock({ now: () => wall, monotonic: () => mono, setTimeout: () => 0, clearTimeout: () => {} });
    mono += 10;
    wall += 10;
    expect(steady.now()).toBe(1_000_010);
    mono = 0; // swapped for a source starting at 0
    expect(steady.now()).toBe(1_000_010);
    mono = 25;
    expect(steady.now()).toBe(1_000_035);
  });

  it('without a monotonic source it is the wall clock itself', () => {
    let wall = 7;
    const steady = new SteadyClock({ now: () => wall, setTimeout: () => 0, clearTimeout: () => {} });
    wall = 3;
    expect(steady.now()).toBe(3);
    expect(steady.wallOf(3)).toBe(3);
  });
});

describe('InboundClock: one clock read per job only for a clock that declares realTime', () => {
  it('realTime: frames of one synchronous job share the first read; the next job reads again', async () => {
    let t = 100;
    const clock = { now: () => t, setTimeout: () => 0, clearTimeout: () => {}, realTime: true };
    const inbound = new InboundClock();
    expect(inbound.frame(clock)).toBe(100);
    t = 105;
    expect(inbound.frame(clock)).toBe(100); // same job: shared
    await Promise.resolve();
    expect(inbound.frame(clock)).toBe(105);
  });

  it('the system clock, in real time: frames of one job share the first read although the clock moved', async () => {
    const inbound = new InboundClock();
    const t0 = inbound.frame(systemClock);
    const until = t0 + 3;
    while (Date.now() < until); // time moves within this job
    expect(inbound.frame(systemClock)).toBe(t0);
    await Promise.resolve();
    expect(inbound.frame(systemClock)).toBeGreaterThanOrEqual(until);
  });

  it('the system clock under fake timers: each frame of one synchronous advance gets its own fake time', () => {
    vi.useFakeTimers({ now: 1_000 });
    const inbound = new InboundClock();
    expect(inbound.frame(systemClock)).toBe(1_000);
    vi.advanceTimersByTime(5);
    expect(inbound.frame(systemClock)).toBe(1_005);
  });

  it('a clock that declares realTime runs the one-read-per-job path under fake timers too', async () => {
    vi.useFakeTimers({ now: 2_000 });
    const clock = { now: () => Date.now(), setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout, realTime: true };
    const inbound = new InboundClock();
    expect(inbound.frame(clock)).toBe(2_000);
    vi.advanceTimersByTime(5);
    expect(inbound.frame(clock)).toBe(2_000); // same job: shared
    await Promise.resolve();
    expect(inbound.frame(clock)).toBe(2_005);
  });

  it('a clock that does not declare realTime reads per frame in real time too', () => {
    let reads = 0;
    const clock = { now: () => ++reads, setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout };
    const inbound = new InboundClock();
    expect([inbound.frame(clock), inbound.frame(clock), inbound.frame(clock)]).toEqual([1, 2, 3]);
  });

  it('without realTime (fake timers, a test clock): every frame reads the clock', () => {
    let t = 100;
    const clock = { now: () => t, setTimeout: () => 0, clearTimeout: () => {} };
    const inbound = new InboundClock();
    expect(inbound.frame(clock)).toBe(100);
    t = 105;
    expect(inbound.frame(clock)).toBe(105);
  });
});
