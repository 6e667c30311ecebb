import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import type { JitterKind, RandomSource } from '../../../src/core/backoff.js';
import { ReconnectScheduler, type ReconnectOptions } from '../../../src/reconnect/scheduler.js';
import { resolveOptions } from '../../../src/client/resolve.js';
import { PLAIN_RECONNECT, reconnectOptions } from '../../helpers/config.js';
import { seeded } from '../../helpers/random.js';

const BASE: ReconnectOptions = PLAIN_RECONNECT;

function setup(options: Partial<ReconnectOptions> = {}, random: RandomSource = Math.random) {
  const tasks = new TaskRegistry(systemClock);
  const scheduler = new ReconnectScheduler({ ...BASE, ...options }, tasks, random);
  return { tasks, scheduler };
}

const attemptTimers = (tasks: TaskRegistry) => tasks.names().filter((n) => n === 'reconnect.attempt').length;

/** Fail `n` times in a row: schedule and let each attempt run. */
function failTimes(scheduler: ReconnectScheduler, n: number): void {
  for (let i = 0; i < n; i++) {
    const plan = scheduler.schedule(() => {});
    if (!plan) throw new Error('unexpectedly gave up');
    vi.advanceTimersByTime(plan.delayMs);
  }
}

describe('ReconnectScheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.clearAllTimers();
    vi.useRealTimers();
  });

  it('runs the attempt after exactly delayMs, once', () => {
    const jitter = fc.constantFrom<JitterKind>('none', 'full', 'equal', 'decorrelated');
    fc.assert(
      fc.property(jitter, fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10 }), fc.integer(), (j, initial, ratio, seed) => {
        const { tasks, scheduler } = setup({ jitter: j, initialDelayMs: initial, maxDelayMs: initial * ratio }, seeded(seed));
        const run = vi.fn();
        const plan = scheduler.schedule(run);
        expect(plan?.attempt).toBe(1);
        const delayMs = plan?.delayMs ?? -1;
        expect(scheduler.pending).toBe(true);
        if (delayMs > 0) {
          vi.advanceTimersByTime(delayMs - 1);
          expect(run).not.toHaveBeenCalled();
        }
        vi.advanceTimersByTime(delayMs > 0 ? 1 : 0);
        expect(run).toHaveBeenCalledTimes(1);
        expect(scheduler.pending).toBe(false);
        vi.advanceTimersByTime(10 * initial * ratio);
        expect(run).toHaveBeenCalledTimes(1);
        tasks.dispose();
      }),
    );
  });

  it('numbers attempts from 1 and grows the delay up to the cap while failures continue', () => {
    const { scheduler } = setup();
    const plans = Array.from({ length: 6 }, () => {
      const plan = scheduler.schedule(() => {});
      vi.advanceTimersByTime(plan?.delayMs ?? 0);
      return plan;
    });
    expect(plans).toEqual([
      { attempt: 1, delayMs: 100 },
      { attempt: 2, delayMs: 200 },
      { attempt: 3, delayMs: 400 },
      { attempt: 4, delayMs: 800 },
      { attempt: 5, delayMs: 1_000 },
      { attempt: 6, delayMs: 1_000 },
    ]);
    expect(scheduler.attempt).toBe(6);
  });

  it('schedules one attempt for a close storm and returns the same plan to every caller', () => {
    const { tasks, scheduler } = setup();
    const runs = [vi.fn(), vi.fn(), vi.fn()];
    const plans = runs.map((run) => scheduler.schedule(run));
    expect(plans[1]).toEqual(plans[0]);
    expect(plans[2]).toEqual(plans[0]);
    expect(tasks.names()).toEqual(['reconnect.attempt']);
    vi.advanceTimersByTime(1_000);
    expect(runs.map((r) => r.mock.calls.length)).toEqual([1, 0, 0]);
    expect(scheduler.attempt).toBe(1);
  });

  it('keeps counting when the connection drops before resetAfterMs of uptime', () => {
    const { tasks, scheduler } = setup();
    failTimes(scheduler, 2);
    scheduler.opened();
    vi.advanceTimersByTime(4_999);
    scheduler.closed();
    expect(tasks.names()).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(scheduler.schedule(() => {})).toEqual({ attempt: 3, delayMs: 400 });
  });

  it('resets the counter after resetAfterMs of uptime', () => {
    const { tasks, scheduler } = setup();
    failTimes(scheduler, 3);
    scheduler.opened();
    expect(tasks.names()).toEqual([]); // uptime is a timestamp, not a timer
    vi.advanceTimersByTime(4_999);
    expect(scheduler.attempt).toBe(3);
    vi.advanceTimersByTime(1);
    expect(scheduler.attempt).toBe(0);
    scheduler.closed();
    expect(scheduler.schedule(() => {})).toEqual({ attempt: 1, delayMs: 100 });
  });

  it('measures uptime from the first opened() when it is reported twice', () => {
    const { scheduler } = setup();
    failTimes(scheduler, 1);
    scheduler.opened();
    vi.advanceTimersByTime(3_000);
    scheduler.opened();
    vi.advanceTimersByTime(2_000);
    expect(scheduler.attempt).toBe(0);
  });

  it('resets at once on open when resetAfterMs is 0', () => {
    const { tasks, scheduler } = setup({ resetAfterMs: 0 });
    failTimes(scheduler, 2);
    scheduler.opened();
    expect(scheduler.attempt).toBe(0);
    expect(tasks.size).toBe(0);
  });

  it('forgets the previous delay of decorrelated jitter on reset', () => {
    const { scheduler } = setup({ jitter: 'decorrelated', maxDelayMs: 100_000 }, () => 0.99);
    failTimes(scheduler, 3);
    const grown = scheduler.schedule(() => {});
    expect(grown?.delayMs).toBeGreaterThan(1_000);
    scheduler.cancel();
    scheduler.opened();
    vi.advanceTimersByTime(5_000);
    const first = scheduler.schedule(() => {});
    expect(first?.attempt).toBe(1);
    expect(first?.delayMs).toBeLessThanOrEqual(300);
  });

  it('reset() zeroes the counter now and stops the uptime timer', () => {
    const { tasks, scheduler } = setup();
    failTimes(scheduler, 4);
    scheduler.opened();
    scheduler.reset();
    expect(scheduler.attempt).toBe(0);
    expect(tasks.size).toBe(0);
  });

  it('gives up with undefined after maxAttempts, scheduling nothing', () => {
    const { tasks, scheduler } = setup({ maxAttempts: 3 });
    failTimes(scheduler, 3);
    const run = vi.fn();
    expect(scheduler.schedule(run)).toBeUndefined();
    expect(scheduler.attempt).toBe(3);
    expect(tasks.size).toBe(0);
    scheduler.reset();
    expect(scheduler.schedule(run)?.attempt).toBe(1);
  });

  it('never retries when maxAttempts is 0', () => {
    const { scheduler } = setup({ maxAttempts: 0 });
    expect(scheduler.schedule(() => {})).toBeUndefined();
  });

  it('cancel drops the pending attempt and keeps the counter', () => {
    const { tasks, scheduler } = setup();
    const run = vi.fn();
    scheduler.schedule(run);
    scheduler.cancel();
    expect(scheduler.pending).toBe(false);
    expect(tasks.size).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(run).not.toHaveBeenCalled();
    expect(scheduler.schedule(run)?.attempt).toBe(2);
  });

  it('a hint only lengthens the strategy delay, up to maxHintMs jittered by < 20%, and fires exactly then', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60_000 }),
        fc.oneof(fc.integer({ min: 0, max: 120_000 }), fc.double({ min: 0, max: 120_000, noNaN: true })),
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom<JitterKind>('none', 'full', 'equal', 'decorrelated'),
        fc.integer(),
        (maxDelayMs, hintMs, maxHintMs, jitter, seed) => {
          const strategyMs = setup({ initialDelayMs: 1, maxDelayMs, maxHintMs, jitter }, seeded(seed)).scheduler.schedule(() => {})!.delayMs;
          const { tasks, scheduler } = setup({ initialDelayMs: 1, maxDelayMs, maxHintMs, jitter }, seeded(seed));
          const run = vi.fn();
          const plan = scheduler.schedule(run, hintMs)!;
          const delayMs = plan.delayMs;
          const bounded = Math.min(hintMs, maxHintMs);
          expect(delayMs).toBeGreaterThanOrEqual(strategyMs); // never shorter than the backoff
          expect(delayMs).toBeGreaterThanOrEqual(Math.ceil(bounded)); // never shorter than the (bounded) hint
          expect(delayMs).toBeLessThanOrEqual(Math.max(strategyMs, Math.ceil(bounded * 1.2)));
          expect(plan.hintMs).toBe(delayMs > strategyMs ? bounded : undefined);
          if (delayMs > 0) {
            vi.advanceTimersByTime(delayMs - 1);
            expect(run).not.toHaveBeenCalled();
          }
          vi.advanceTimersByTime(delayMs > 0 ? 1 : 0);
          expect(run).toHaveBeenCalledTimes(1);
          tasks.dispose();
        },
      ),
    );
  });

  it('a hint of 0 leaves the backoff as it is: attempt after attempt, the same delays as without a hint', () => {
    const withHint = setup({ initialDelayMs: 100, maxDelayMs: 1_000, jitter: 'none' });
    const without = setup({ initialDelayMs: 100, maxDelayMs: 1_000, jitter: 'none' });
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 6; i++) {
      a.push(withHint.scheduler.schedule(() => {}, 0)!.delayMs);
      withHint.scheduler.cancel();
      b.push(without.scheduler.schedule(() => {})!.delayMs);
      without.scheduler.cancel();
    }
    expect(a).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(a).toEqual(b);
  });

  it('a random source outside [0, 1) never makes a delay negative, NaN or zero-storm', () => {
    for (const r of [-1, -1e9, 2, Number.NaN, Number.POSITIVE_INFINITY]) {
      // The scheduler gets the client's random: the user's, clamped into [0, 1) by resolveOptions.
      const { random } = resolveOptions({ url: 'ws://127.0.0.1:1', random: () => r });
      const { scheduler, tasks } = setup({ initialDelayMs: 100, maxDelayMs: 1_000, jitter: 'decorrelated' }, random);
      const delays = Array.from({ length: 5 }, () => {
        const d = scheduler.schedule(() => {}, 5_000)!;
        scheduler.cancel();
        return d;
      });
      for (const d of delays) expect(d.delayMs).toBeGreaterThanOrEqual(5_000);
      const plain = Array.from({ length: 5 }, () => {
        const d = scheduler.schedule(() => {})!.delayMs;
        scheduler.cancel();
        return d;
      });
      for (const d of plain) expect(d).toBeGreaterThanOrEqual(100);
      for (const d of plain) expect(d).toBeLessThanOrEqual(1_000);
      tasks.dispose();
    }
  });

  it('uses a custom strategy, clamped to whole milliseconds in [0, maxDelayMs]', () => {
    const cases: Array<[number, number]> = [
      [250.2, 251],
      [1e9, 1_000],
      [-5, 0],
      [Number.NaN, 1_000],
    ];
    for (const [returned, expected] of cases) {
      const { scheduler } = setup({ jitter: () => returned });
      expect(scheduler.schedule(() => {})?.delayMs).toBe(expected);
    }
  });

  it('an unknown jitter name never reaches the scheduler: the client refuses it, naming the option', () => {
    expect(() => reconnectOptions({ jitter: 'fancy' as JitterKind })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: 'reconnect.jitter must be one of none, full, equal, decorrelated or a function' }),
    );
    expect(() => setup(reconnectOptions({ jitter: 'equal' }))).not.toThrow();
  });

  it('a client that has never been open gets no quick retry: its first failure draws from the strategy', () => {
    const { scheduler } = setup({ quickRetryMs: 500 }, () => 0.5);
    expect(scheduler.schedule(() => {})).toEqual({ attempt: 1, delayMs: 100 });
  });

  it('a quick retry is spent by the drop it follows: a counter reset by uptime alone, with no new open, draws from the strategy', () => {
    const { scheduler } = setup({ quickRetryMs: 500 }, () => 0.5);
    scheduler.opened();
    const quick = scheduler.schedule(() => {});
    expect(quick).toEqual({ attempt: 1, delayMs: 250 });
    vi.advanceTimersByTime(5_000); // resetAfterMs since opened(): the counter resets
    expect(scheduler.schedule(() => {})).toEqual({ attempt: 1, delayMs: 100 });
  });
});

describe('ReconnectScheduler while the server is down (downMaxDelayMs)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.clearAllTimers();
    vi.useRealTimers();
  });

  const delays = (scheduler: ReconnectScheduler, downs: boolean[]) =>
    downs.map((down) => {
      const plan = scheduler.schedule(() => {}, undefined, down)!;
      vi.advanceTimersByTime(plan.delayMs);
      return plan.delayMs;
    });

  it('refused attempts grow from a quarter of downMaxDelayMs up to it; a failure that is not a refusal, or schedule() without `down`, gets the full backoff', () => {
    const { scheduler } = setup({ initialDelayMs: 1_000, maxDelayMs: 8_000, downMaxDelayMs: 2_000 });
    expect(delays(scheduler, [true, true, true, true])).toEqual([500, 1_000, 2_000, 2_000]);
    expect(scheduler.schedule(() => {})?.delayMs).toBe(8_000); // attempt 5, not a refusal by default
  });

  it('downMaxDelayMs equal to maxDelayMs changes nothing: refusals back off like any failure', () => {
    const { scheduler } = setup({ initialDelayMs: 4_000, maxDelayMs: 8_000, downMaxDelayMs: 8_000 });
    expect(delays(scheduler, [true, true, false])).toEqual([4_000, 8_000, 8_000]);
  });

  it('without downMaxDelayMs, decorrelated jitter remembers a refused draw like any other', () => {
    const { scheduler } = setup({ jitter: 'decorrelated', maxDelayMs: 10_000 }, () => 0.5);
    // uniform in [100, min(10 000, 3 * previous)] at 0.5: 200, 350, 575
    expect(delays(scheduler, [true, false, true])).toEqual([200, 350, 575]);
  });

  it('probes of a down server keep their own decorrelated memory: they grow, and the backoff after them starts afresh', () => {
    const { scheduler } = setup({ jitter: 'decorrelated', maxDelayMs: 10_000, downMaxDelayMs: 2_000 }, () => 0.5);
    expect(delays(scheduler, [true, true, true, false])).toEqual([200, 350, 575, 200]);
  });
});

describe('ReconnectScheduler under random operation sequences', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.clearAllTimers();
    vi.useRealTimers();
  });

  type Op = { op: 'schedule'; hintMs?: number } | { op: 'cancel' | 'opened' | 'closed' | 'reset' } | { op: 'advance'; ms: number };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.constant({ op: 'schedule' } as const),
    fc.integer({ min: 0, max: 3_000 }).map((hintMs) => ({ op: 'schedule', hintMs }) as const),
    fc.constantFrom({ op: 'cancel' } as const, { op: 'opened' } as const, { op: 'closed' } as const, { op: 'reset' } as const),
    fc.integer({ min: 0, max: 3_000 }).map((ms) => ({ op: 'advance', ms }) as const),
  );

  it('keeps at most one attempt pending, runs each plan at most once and on time, resets only after uptime, and leaves no timer after dispose', () => {
    const jitter = fc.constantFrom<JitterKind>('none', 'full', 'equal', 'decorrelated');
    fc.assert(
      fc.property(jitter, fc.integer({ min: 0, max: 6 }), fc.array(opArb, { maxLength: 60 }), fc.integer(), (j, maxAttempts, ops, seed) => {
        const resetAfterMs = 1_000;
        const { tasks, scheduler } = setup({ jitter: j, maxAttempts, resetAfterMs, maxDelayMs: 2_000 }, seeded(seed));
        // A model: what the counter must be and when the uptime reset is due.
        let attempt = 0;
        let resetDueAt: number | undefined;
        const runs: Array<{ calls: number; dueAt: number | undefined }> = [];

        for (const o of ops) {
          const now = Date.now();
          switch (o.op) {
            case 'schedule': {
              const wasPending = scheduler.pending;
              const entry = { calls: 0, dueAt: undefined as number | undefined };
              runs.push(entry);
              const plan = scheduler.schedule(() => {
                entry.calls++;
                expect(Date.now()).toBe(entry.dueAt);
              }, o.hintMs);
              const exhausted = !wasPending && attempt >= maxAttempts;
              expect(plan === undefined).toBe(exhausted);
              if (plan && !wasPending) {
                attempt++;
                expect(plan.attempt).toBe(attempt);
                entry.dueAt = now + plan.delayMs;
              }
              break;
            }
            case 'opened':
              if (resetDueAt === undefined) resetDueAt = now + resetAfterMs;
              scheduler.opened();
              break;
            case 'closed':
              resetDueAt = undefined;
              scheduler.closed();
              break;
            case 'reset':
              resetDueAt = undefined;
              attempt = 0;
              scheduler.reset();
              break;
            case 'cancel':
              scheduler.cancel();
              break;
            case 'advance':
              vi.advanceTimersByTime(o.ms);
              if (resetDueAt !== undefined && resetDueAt <= Date.now()) {
                attempt = 0;
                resetDueAt = undefined;
              }
              break;
          }
          expect(attemptTimers(tasks)).toBeLessThanOrEqual(1);
          expect(scheduler.pending).toBe(attemptTimers(tasks) === 1);
          expect(scheduler.attempt).toBe(attempt);
          expect(scheduler.attempt).toBeLessThanOrEqual(maxAttempts);
          for (const r of runs) expect(r.calls).toBeLessThanOrEqual(r.dueAt === undefined ? 0 : 1);
        }
        tasks.dispose();
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
