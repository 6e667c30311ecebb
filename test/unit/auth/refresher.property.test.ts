import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenRefresher, type TokenResult } from '../../../src/auth/index.js';
import { systemClock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import { createCounters } from '../../../src/observe/counters.js';
import { Log, silentLogger } from '../../../src/observe/log.js';
import { authOptions } from '../../helpers/config.js';

type Outcome =
  | { kind: 'ok'; ttlMs: number; latencyMs: number }
  | { kind: 'fail'; status: 401 | 503; latencyMs: number }
  | { kind: 'hang' } // settles only by abort
  | { kind: 'deaf' }; // ignores its signal and never settles

type Command =
  | { op: 'get' }
  | { op: 'get-abort' }
  | { op: 'refresh' }
  | { op: 'invalidate' }
  | { op: 'start' }
  | { op: 'stop' }
  | { op: 'advance'; ms: number };

const CLOCK_SKEW_MS = 5_000;
const latency = fc.constantFrom(0, 50, 2_000, 9_999, 10_000, 30_000);
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ok' as const), ttlMs: fc.integer({ min: CLOCK_SKEW_MS + 1, max: 600_000 }), latencyMs: latency }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fail' as const), status: fc.constantFrom(401 as const, 503 as const), latencyMs: latency }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'hang' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'deaf' as const }) },
);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ op: 'get' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'get-abort' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'refresh' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'invalidate' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'start' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'stop' as const }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(0, 100, 1_000, 5_000, 10_000, 60_000, 300_000) }) },
);

/** A token service scripted by `outcomes`, recording how many of its calls are live at once. */
function scriptedService(outcomes: readonly Outcome[]) {
  const live = new Set<number>();
  const expiry = new Map<string, number>();
  let calls = 0;
  let maxLive = 0;
  const fetchToken = (signal: AbortSignal): Promise<TokenResult> => {
    const id = calls++;
    live.add(id);
    maxLive = Math.max(maxLive, live.size);
    // A call stops counting once it settles or once the refresher has aborted it.
    signal.addEventListener('abort', () => live.delete(id), { once: true });
    const o = outcomes[id] ?? { kind: 'ok', ttlMs: 60_000, latencyMs: 0 };
    if (o.kind === 'deaf') return new Promise(() => {});
    return new Promise<TokenResult>((resolve, reject) => {
      const timer = o.kind === 'hang' ? undefined : setTimeout(settle, o.latencyMs);
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
      function settle() {
        live.delete(id);
        if (o.kind === 'fail') return reject(Object.assign(new Error('token service says no'), { status: o.status }));
        if (o.kind !== 'ok') return;
        const token = `token-${String(id).padStart(6, '0')}`;
        expiry.set(token, Date.now() + o.ttlMs);
        resolve({ token, expiresInMs: o.ttlMs });
      }
    });
  };
  return { fetchToken, expiry, stats: () => ({ calls, maxLive }) };
}

describe('TokenRefresher under random schedules', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never has two fetches in flight, never hands out an expired token, and leaves nothing behind', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(outcome, { maxLength: 25 }),
        fc.array(command, { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        async (outcomes, commands, r) => {
          vi.useFakeTimers();
          vi.setSystemTime(1_700_000_000_000);
          try {
            const svc = scriptedService(outcomes);
            const tasks = new TaskRegistry(systemClock);
            const refresher = new TokenRefresher(
              authOptions({
                fetchToken: svc.fetchToken,
                refreshBeforeMs: 30_000,
                timeoutMs: 10_000,
                clockSkewMs: CLOCK_SKEW_MS,
                retry: { initialDelayMs: 1_000, maxDelayMs: 10_000, maxAttempts: 3 },
              }),
              { tasks, random: () => r, log: new Log(silentLogger), counters: createCounters() },
            );
            const handedOut: string[] = [];
            const expired: string[] = [];
            const check = (token: string) => {
              handedOut.push(token);
              const exp = svc.expiry.get(token);
              if (exp === undefined || Date.now() >= exp - CLOCK_SKEW_MS) expired.push(token);
            };
            let started = 0;
            let settled = 0;
            const track = (p: Promise<string>) => {
              started++;
              p.then(check, () => {}).finally(() => settled++);
            };

            for (const c of commands) {
              if (c.op === 'get') track(refresher.getToken());
              else if (c.op === 'refresh') track(refresher.refresh());
              else if (c.op === 'invalidate') refresher.invalidate();
              else if (c.op === 'start') refresher.start();
              else if (c.op === 'stop') refresher.stop();
              else if (c.op === 'get-abort') {
                const ac = new AbortController();
                track(refresher.getToken(ac.signal));
                setTimeout(() => ac.abort(new Error('caller gave up')), 500);
              } else await vi.advanceTimersByTimeAsync(c.ms);
              await vi.advanceTimersByTimeAsync(0);
              const names = tasks.names();
              expect(new Set(names).size).toBe(names.length); // at most one timer per purpose
            }

            refresher.dispose();
            await vi.advanceTimersByTimeAsync(1_000); // the callers' own abort timers
            expect(settled).toBe(started); // every caller settled: none pending forever
            expect(svc.stats().maxLive).toBeLessThanOrEqual(1);
            expect(expired).toEqual([]);
            expect(tasks.size).toBe(0);
            expect(vi.getTimerCount()).toBe(0);
          } finally {
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: 250 },
    );
  });
});
