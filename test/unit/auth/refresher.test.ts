import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUTH_TASKS, type TokenResult } from '../../../src/auth/index.js';
import { isStreamClientError } from '../../../src/core/errors.js';
import { HOUR, httpError, instantService, manualService, refresherHarness } from '../../helpers/auth.js';

describe('TokenRefresher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_700_000_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shares one fetchToken call among 50 concurrent callers', async () => {
    const svc = manualService();
    const { refresher, counters, onToken } = refresherHarness({ fetchToken: svc.fetchToken });
    const waiting = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? refresher.refresh() : refresher.getToken()));
    expect(svc.fetchToken).toHaveBeenCalledTimes(1);
    svc.calls[0]!.resolve({ token: 'token-shared-1', expiresInMs: HOUR });
    expect(await Promise.all(waiting)).toEqual(Array(50).fill('token-shared-1'));
    expect(await refresher.getToken()).toBe('token-shared-1');
    expect(svc.fetchToken).toHaveBeenCalledTimes(1);
    expect(counters.tokenRefreshes).toBe(1);
    expect(onToken).toHaveBeenCalledWith('token-shared-1', Date.now() + HOUR);
    refresher.dispose();
  });

  it('serves the cached token until clockSkewMs before expiry, then fetches', async () => {
    const svc = instantService(60_000);
    const { refresher } = refresherHarness({ fetchToken: svc.fetchToken, clockSkewMs: 5_000 });
    expect(await refresher.getToken()).toBe('token-000001');
    await vi.advanceTimersByTimeAsync(54_999);
    expect(await refresher.getToken()).toBe('token-000001');
    expect(refresher.hasValidToken).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(refresher.hasValidToken).toBe(false);
    expect(await refresher.getToken()).toBe('token-000002');
    expect(svc.fetchToken).toHaveBeenCalledTimes(2);
    refresher.dispose();
  });

  it.each([0, 0.5, 0.999])('refreshes refreshBeforeMs (up to 10 percent earlier) before expiry, never after it: random %s', async (r) => {
    const svc = instantService(24 * HOUR);
    const { refresher, tasks } = refresherHarness({ fetchToken: svc.fetchToken, refreshBeforeMs: 300_000 }, () => r);
    await refresher.getToken();
    const expiresAt = refresher.expiresAt!;
    refresher.start();
    expect(tasks.names()).toEqual([AUTH_TASKS.refresh]);
    await vi.advanceTimersByTimeAsync(24 * HOUR - 330_001);
    expect(svc.fetchToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(30_001);
    expect(svc.fetchToken).toHaveBeenCalledTimes(2);
    const lead = expiresAt - svc.at[1]!;
    expect(lead).toBeGreaterThanOrEqual(300_000);
    expect(lead).toBeLessThanOrEqual(330_000);
    expect(lead).toBeCloseTo(300_000 * (1 + 0.1 * r), -1);
    refresher.dispose();
  });

  it.each([
    // [ttl, window, min fetches, max fetches]
    ['24 h token over 3 days', 24 * HOUR, 72 * HOUR, 3, 4],
    ['10 min token (TTL = 2x refreshBeforeMs) over 1 h', 600_000, HOUR, 7, 8],
    ['60 s token (TTL < refreshBeforeMs) over 1 h', 60_000, HOUR, 75, 81],
    ['500 ms token (below the 1 s floor) over 1 min', 500, 60_000, 55, 61],
  ] as const)('keeps a sane cadence without looping: %s', async (_name, ttl, window, min, max) => {
    const svc = instantService(ttl);
    const { refresher } = refresherHarness({ fetchToken: svc.fetchToken, refreshBeforeMs: 300_000 }, () => 0.5);
    await refresher.getToken();
    refresher.start();
    await vi.advanceTimersByTimeAsync(window);
    const fetches = svc.fetchToken.mock.calls.length - 1;
    expect(fetches).toBeGreaterThanOrEqual(min);
    expect(fetches).toBeLessThanOrEqual(max);
    // Every proactive refresh happened while the previous token was still alive (when it can).
    const gaps = svc.at.slice(1).map((t, i) => t - svc.at[i]!);
    if (ttl >= 1_334) for (const g of gaps) expect(g).toBeLessThan(ttl);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(1_000);
    refresher.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not fire early for a TTL longer than a timer can hold', async () => {
    const svc = instantService(60 * 24 * HOUR);
    const { refresher } = refresherHarness({ fetchToken: svc.fetchToken });
    await refresher.getToken();
    refresher.start();
    await vi.advanceTimersByTimeAsync(59 * 24 * HOUR);
    expect(svc.fetchToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    expect(svc.fetchToken).toHaveBeenCalledTimes(2);
    refresher.dispose();
  });

  it('aborts a hanging fetchToken at timeoutMs and retries with backoff', async () => {
    const svc = manualService();
    const { refresher, events, counters } = refresherHarness(
      { fetchToken: svc.fetchToken, timeoutMs: 10_000, retry: { initialDelayMs: 1_000, jitter: 'full' } },
      () => 0.5,
    );
    const result = refresher.getToken();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(svc.calls[0]!.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(svc.calls[0]!.signal.aborted).toBe(true);
    expect(isStreamClientError(svc.calls[0]!.signal.reason, 'TOKEN_TIMEOUT')).toBe(true);
    expect(events('auth.refresh.fail')[0]).toMatchObject({ code: 'TOKEN_TIMEOUT', attempt: 1, nextDelayMs: 500 });
    // A late caller does not start a second fetch while the retry waits.
    const late = refresher.getToken();
    await vi.advanceTimersByTimeAsync(499);
    expect(svc.fetchToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(svc.fetchToken).toHaveBeenCalledTimes(2);
    expect(svc.inFlight()).toBe(1);
    svc.calls[1]!.resolve({ token: 'token-after-timeout', expiresInMs: HOUR });
    await expect(Promise.all([result, late])).resolves.toEqual(['token-after-timeout', 'token-after-timeout']);
    expect(counters.tokenRefreshFailures).toBe(1);
    refresher.dispose();
  });

  it('stops at once on a fatal 401 (one call), and the next getToken starts over', async () => {
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      throw httpError(401);
    });
    const { refresher, tasks } = refresherHarness({ fetchToken });
    const err = await refresher.getToken().catch((e: unknown) => e);
    expect(isStreamClientError(err, 'AUTH_FAILED')).toBe(true);
    expect((err as { details: unknown }).details).toEqual({ attempts: 1, fatal: true });
    expect((err as Error).cause).toMatchObject({ status: 401 });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(fetchToken).toHaveBeenCalledTimes(1);
    expect(tasks.size).toBe(0);
    await expect(refresher.getToken()).rejects.toSatisfy((e) => isStreamClientError(e, 'AUTH_FAILED'));
    expect(fetchToken).toHaveBeenCalledTimes(2);
    refresher.dispose();
  });

  it('gives up after retry.maxAttempts transient failures with AUTH_FAILED', async () => {
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      throw httpError(503);
    });
    const { refresher, events } = refresherHarness({ fetchToken, retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1_000 } });
    const result = refresher.getToken().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    const err = await result;
    expect(isStreamClientError(err, 'AUTH_FAILED')).toBe(true);
    expect((err as { details: unknown }).details).toEqual({ attempts: 4, fatal: false });
    expect(fetchToken).toHaveBeenCalledTimes(4);
    expect(events('auth.refresh.fail').map((r) => r['nextDelayMs'])).toEqual([50, 100, 200, undefined]);
    refresher.dispose();
  });

  it('recovers when the token service fails 3 times then succeeds', async () => {
    let n = 0;
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      if (++n <= 3) throw httpError(503);
      return { token: 'token-recovered', expiresInMs: HOUR };
    });
    const { refresher, counters } = refresherHarness({ fetchToken });
    const result = refresher.getToken();
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(result).resolves.toBe('token-recovered');
    expect(fetchToken).toHaveBeenCalledTimes(4);
    expect(counters).toMatchObject({ tokenRefreshes: 1, tokenRefreshFailures: 3 });
    refresher.dispose();
  });

  it('keeps serving the still-valid token while a proactive refresh fails in the background', async () => {
    let down = false;
    let n = 0;
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      if (down) throw httpError(503);
      return { token: `token-bg-${++n}`, expiresInMs: HOUR };
    });
    const { refresher, events, counters } = refresherHarness({ fetchToken, refreshBeforeMs: 600_000 });
    await refresher.getToken();
    refresher.start();
    down = true;
    const rejections: unknown[] = [];
    // From before the refresh point (at HOUR - 630 s with random 0.5) to 200 s before expiry.
    await vi.advanceTimersByTimeAsync(HOUR - 700_000);
    expect(fetchToken).toHaveBeenCalledTimes(1);
    for (let t = 0; t < 500_000; t += 10_000) {
      await vi.advanceTimersByTimeAsync(10_000);
      await refresher.getToken().then(
        (tok) => expect(tok).toBe('token-bg-1'),
        (e: unknown) => rejections.push(e),
      );
    }
    expect(rejections).toEqual([]);
    const fails = events('auth.refresh.fail');
    expect(fails.every((r) => r['background'] === true && r['code'] === 'HTTP_503')).toBe(true);
    // Bounded: the backoff streak carries across background cycles (430 s of outage -> about a dozen calls).
    expect(fails.length).toBeGreaterThanOrEqual(8);
    expect(fails.length).toBeLessThanOrEqual(20);
    // The service comes back before expiry: a background cycle picks up a new token by itself.
    down = false;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(counters.tokenRefreshes).toBe(2);
    expect(await refresher.getToken()).toBe('token-bg-2');
    refresher.dispose();
  });
});
