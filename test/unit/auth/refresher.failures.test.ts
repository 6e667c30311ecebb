import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenRefresher, type TokenResult } from '../../../src/auth/index.js';
import { systemClock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import { createCounters } from '../../../src/observe/counters.js';
import { Log } from '../../../src/observe/log.js';
import { authOptions } from '../../helpers/config.js';
import { isStreamClientError } from '../../../src/core/errors.js';
import { HOUR, httpError, manualService, refresherHarness } from '../../helpers/auth.js';

const NOW = 1_700_000_000_000;

describe('TokenRefresher failure accounting', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });
  afterEach(() => vi.useRealTimers());

  it.each([
    // [jitter, delays of the first cycle's two failures, delay after the streak was reset by a success]
    ['full', [500, 1_000], 500],
    ['decorrelated', [2_000, 3_500], 2_000],
  ] as const)('a success resets the backoff streak: the next failure waits as long as the first did (%s jitter)', async (jitter, streak, afterReset) => {
    let n = 0;
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      n++;
      if (n === 3) return { token: 'token-ok', expiresInMs: HOUR };
      throw httpError(503);
    });
    const { refresher, events } = refresherHarness(
      { fetchToken, retry: { initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2, maxAttempts: 3, jitter } },
      () => 0.5,
    );
    const first = refresher.getToken();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await first).toBe('token-ok');
    const again = refresher.refresh().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(events('auth.refresh.fail').map((r) => r['nextDelayMs'])).toEqual([...streak, afterReset]);
    refresher.dispose();
    expect(isStreamClientError(await again, 'CLIENT_CLOSED')).toBe(true);
  });

  it('each retry delay draws the next value of the injected random, in order', async () => {
    const draws = [0.25, 0.75, 0.5];
    let i = 0;
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      throw httpError(503);
    });
    const { refresher, events } = refresherHarness(
      { fetchToken, retry: { initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2, maxAttempts: 4, jitter: 'full' } },
      () => draws[i++ % draws.length]!,
    );
    const result = refresher.getToken().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await result).toMatchObject({ code: 'AUTH_FAILED', details: { attempts: 4, fatal: false } });
    // full jitter: draw * 1000 * 2^(n-1)
    expect(events('auth.refresh.fail').map((r) => r['nextDelayMs'])).toEqual([250, 1_500, 2_000, undefined]);
    refresher.dispose();
  });

  it('a fetch aborted by stop() is not a failure: nothing counted, nothing logged as auth.refresh.fail', async () => {
    const svc = manualService();
    const { refresher, counters, events } = refresherHarness({ fetchToken: svc.fetchToken });
    const pending = refresher.getToken();
    refresher.stop();
    await expect(pending).rejects.toSatisfy((e: unknown) => isStreamClientError(e, 'CLIENT_CLOSED'));
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(counters.tokenRefreshFailures).toBe(0);
    expect(events('auth.refresh.fail')).toEqual([]);
    expect(svc.fetchToken).toHaveBeenCalledTimes(1);
    refresher.dispose();
  });

  it('a cycle that timed out on its last attempt says how long it waited', async () => {
    const svc = manualService();
    const { refresher } = refresherHarness({ fetchToken: svc.fetchToken, timeoutMs: 7_000, retry: { maxAttempts: 1 } });
    const result = refresher.getToken().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(7_000);
    const err = (await result) as Error;
    expect(err).toMatchObject({ code: 'AUTH_FAILED', details: { attempts: 1, fatal: false } });
    expect(err.message).toBe('token service failed 1 time: AuthError: fetchToken did not settle within 7000 ms');
    refresher.dispose();
  });

  it('a failed background cycle counts the remaining validity up to clockSkewMs before expiry, not to expiry', async () => {
    let down = false;
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      if (down) throw httpError(503);
      return { token: 'token-skew', expiresInMs: HOUR };
    });
    const { refresher } = refresherHarness(
      { fetchToken, refreshBeforeMs: 600_000, clockSkewMs: 100_000, retry: { maxAttempts: 1, maxDelayMs: 10 * HOUR } },
      () => 0,
    );
    await refresher.getToken();
    refresher.start();
    down = true;
    await vi.advanceTimersByTimeAsync(HOUR - 600_000); // the proactive refresh fails: valid for 500 s more
    expect(fetchToken).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(249_999);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetchToken).toHaveBeenCalledTimes(3); // after 250 s = half of the 500 s left
    refresher.dispose();
  });
});

// A rejection no one handles would end a Node process (`--unhandled-rejections=throw`): these
// cycles fail with no caller left waiting, and must fail quietly (logged, not thrown).
describe('TokenRefresher failures with no caller waiting', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });
  /** Resolves once Node has reported the rejections left unhandled so far (one macrotask). */
  const afterRejectionReports = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('refresh() with an already-aborted signal still runs the shared cycle, and its failure is logged, not unhandled', async () => {
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      throw httpError(401);
    });
    const { refresher, events } = refresherHarness({ fetchToken });
    const reason = new Error('caller gone');
    await expect(refresher.refresh(AbortSignal.abort(reason))).rejects.toBe(reason);
    await afterRejectionReports();
    expect(fetchToken).toHaveBeenCalledTimes(1);
    expect(events('auth.refresh.fail').map((r) => [r['code'], r['fatal']])).toEqual([['HTTP_401', true]]);
    expect(unhandled).toEqual([]);
    refresher.dispose();
  });

  it('a fetchToken that stops the refresher and then fails: the caller gets CLIENT_CLOSED, the failed fetch is not unhandled', async () => {
    let stopper: (() => void) | undefined;
    let calls = 0;
    // Not a vi.fn: a mock observes the promises it returns, which would hide an unhandled one.
    const fetchToken = async (): Promise<TokenResult> => {
      calls++;
      stopper?.(); // e.g. the app logs out while its token request is failing
      throw httpError(503);
    };
    const { refresher, counters } = refresherHarness({ fetchToken });
    stopper = () => refresher.stop();
    await expect(refresher.getToken()).rejects.toSatisfy((e: unknown) => isStreamClientError(e, 'CLIENT_CLOSED'));
    await afterRejectionReports();
    expect(calls).toBe(1);
    expect(counters.tokenRefreshFailures).toBe(0);
    expect(unhandled).toEqual([]);
    refresher.dispose();
  });
});

describe('TokenRefresher edges of its bookkeeping', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });
  afterEach(() => vi.useRealTimers());

  it('after a fatal background failure, start() again arms no refresh: no fetch until someone asks', async () => {
    let refused = false;
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      if (refused) throw httpError(403);
      return { token: 'token-y', expiresInMs: HOUR };
    });
    const { refresher, tasks } = refresherHarness({ fetchToken, refreshBeforeMs: 600_000 }, () => 0);
    await refresher.getToken();
    refresher.start();
    refused = true;
    await vi.advanceTimersByTimeAsync(HOUR - 600_000); // the proactive refresh is refused
    expect(fetchToken).toHaveBeenCalledTimes(2);
    refresher.stop();
    refresher.start(); // e.g. the client reconnects
    expect(tasks.names()).toEqual([]);
    await vi.advanceTimersByTimeAsync(500_000);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    refresher.dispose();
  });

  it('a rejection report naming a token when none is cached is counted and logged, not a throw', async () => {
    const svc = manualService();
    const { refresher, counters, events } = refresherHarness({ fetchToken: svc.fetchToken });
    expect(refresher.invalidate('token-from-elsewhere')).toEqual({ repeated: false });
    expect(counters.authRejections).toBe(1);
    expect(events('auth.rejected')).toEqual([{ event: 'auth.rejected', repeated: false, current: true }]);
    refresher.dispose();
  });

  it('without an onToken listener a token arrives with no callback error', async () => {
    const counters = createCounters();
    const refresher = new TokenRefresher(authOptions({ fetchToken: async () => ({ token: 'token-quiet', expiresInMs: HOUR }) }), {
      tasks: new TaskRegistry(systemClock),
      random: () => 0.5,
      log: new Log({ debug() {}, info() {}, warn() {}, error() {} }),
      counters,
    });
    expect(await refresher.getToken()).toBe('token-quiet');
    expect(counters.callbackErrors).toBe(0);
    refresher.dispose();
  });

  it('names its timers as pendingTimers() shows them: auth.timeout per attempt, auth.retry between attempts, auth.refresh ahead of expiry', async () => {
    const svc = manualService();
    const { refresher, tasks } = refresherHarness({ fetchToken: svc.fetchToken, retry: { initialDelayMs: 1_000, jitter: 'none' } });
    refresher.start();
    const token = refresher.getToken();
    expect(tasks.names()).toEqual(['auth.timeout']);
    svc.calls[0]!.reject(httpError(503));
    await vi.advanceTimersByTimeAsync(0);
    expect(tasks.names()).toEqual(['auth.retry']);
    await vi.advanceTimersByTimeAsync(1_000);
    svc.calls[1]!.resolve({ token: 'token-named', expiresInMs: HOUR });
    expect(await token).toBe('token-named');
    expect(tasks.names()).toEqual(['auth.refresh']);
    refresher.dispose();
  });
});
