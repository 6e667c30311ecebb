import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUTH_TASKS, type TokenResult } from '../../../src/auth/index.js';
import { isStreamClientError } from '../../../src/core/errors.js';
import { HOUR, httpError, instantService, manualService, refresherHarness } from '../../helpers/auth.js';

const NOW = 1_700_000_000_000;

describe('TokenRefresher edges a user would notice', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });
  afterEach(() => vi.useRealTimers());

  it('an already-aborted signal rejects with its reason and calls no fetchToken', async () => {
    const svc = instantService(HOUR);
    const { refresher } = refresherHarness({ fetchToken: svc.fetchToken });
    const reason = new Error('connect cancelled');
    await expect(refresher.getToken(AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(svc.fetchToken).toHaveBeenCalledTimes(0);
    refresher.dispose();
  });

  it('refresh() fetches a new token even while the cached one is valid, and its signal ends only its own wait', async () => {
    const svc = manualService();
    const { refresher } = refresherHarness({ fetchToken: svc.fetchToken });
    const first = refresher.getToken();
    svc.calls[0]!.resolve({ token: 'token-a', expiresInMs: HOUR });
    expect(await first).toBe('token-a');
    const ac = new AbortController();
    const forced = refresher.refresh(ac.signal);
    expect(svc.fetchToken).toHaveBeenCalledTimes(2);
    ac.abort(new Error('gave up'));
    await expect(forced).rejects.toThrow('gave up');
    expect(svc.calls[1]!.signal.aborted).toBe(false);
    svc.calls[1]!.resolve({ token: 'token-b', expiresInMs: HOUR });
    await vi.advanceTimersByTimeAsync(0);
    expect(await refresher.getToken()).toBe('token-b');
    refresher.dispose();
  });

  it('logs a rejection with the token age and expiry, never the token, and counts it', async () => {
    const svc = instantService(HOUR);
    const { refresher, events, counters, lines } = refresherHarness({ fetchToken: svc.fetchToken });
    await refresher.getToken();
    await vi.advanceTimersByTimeAsync(5_000);
    refresher.invalidate('token-older');
    refresher.invalidate();
    expect(events('auth.rejected').map((r) => ({ ...r }))).toEqual([
      { event: 'auth.rejected', repeated: false, current: false },
      { event: 'auth.rejected', repeated: false, current: true, ageMs: 5_000, expiresAt: NOW + HOUR },
    ]);
    refresher.invalidate();
    expect(events('auth.rejected')[2]).toEqual({ event: 'auth.rejected', repeated: false, current: true });
    expect(counters.authRejections).toBe(3);
    expect(lines.join('\n')).not.toContain('token-000001');
    refresher.dispose();
  });

  it('a rejection cancels the proactive timer; start() re-arms it only once a token is cached', async () => {
    const svc = instantService(HOUR);
    const { refresher, tasks } = refresherHarness({ fetchToken: svc.fetchToken });
    refresher.start();
    expect(tasks.names()).toEqual([]);
    await refresher.getToken();
    expect(tasks.names()).toEqual([AUTH_TASKS.refresh]);
    refresher.start(); // idempotent: still one timer
    expect(tasks.names()).toEqual([AUTH_TASKS.refresh]);
    refresher.invalidate();
    expect(tasks.names()).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(svc.fetchToken).toHaveBeenCalledTimes(1);
    refresher.dispose();
  });

  it('after dispose(): calls reject with CLIENT_CLOSED, start() arms nothing, the token is forgotten; dispose is idempotent', async () => {
    const svc = instantService(HOUR);
    const { refresher, tasks } = refresherHarness({ fetchToken: svc.fetchToken });
    await refresher.getToken();
    refresher.dispose();
    refresher.dispose();
    expect(refresher.hasValidToken).toBe(false);
    expect(refresher.expiresAt).toBeUndefined();
    refresher.start();
    expect(tasks.names()).toEqual([]);
    await expect(refresher.getToken()).rejects.toSatisfy((e: unknown) => isStreamClientError(e, 'CLIENT_CLOSED'));
    await expect(refresher.refresh()).rejects.toSatisfy((e: unknown) => isStreamClientError(e, 'CLIENT_CLOSED'));
    expect(svc.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('an onToken callback that throws is counted and logged; the caller still gets the token', async () => {
    const svc = instantService(HOUR);
    const { refresher, onToken, counters, events } = refresherHarness({ fetchToken: svc.fetchToken });
    onToken.mockImplementation(() => {
      throw new Error('app bug');
    });
    expect(await refresher.getToken()).toBe('token-000001');
    expect(counters.callbackErrors).toBe(1);
    expect(events('callback.error')).toHaveLength(1);
    expect(events('callback.error')[0]).toMatchObject({ callback: 'auth.onToken', err: { message: 'app bug' } });
    refresher.dispose();
  });

  it('logs a success with expiry, TTL, duration, attempt and when the next refresh is due', async () => {
    let n = 0;
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      if (++n === 1) throw httpError(503);
      return { token: 'token-ok', expiresInMs: HOUR };
    });
    const { refresher, events, counters } = refresherHarness(
      { fetchToken, refreshBeforeMs: 60_000, retry: { initialDelayMs: 1_000, maxDelayMs: 1_000, jitter: 'none' } },
      () => 0,
    );
    const token = refresher.getToken();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await token).toBe('token-ok');
    expect(events('auth.refresh.ok')).toEqual([
      { event: 'auth.refresh.ok', expiresAt: NOW + 1_000 + HOUR, ttlMs: HOUR, durationMs: 1_000, attempt: 2, refreshInMs: HOUR - 60_000 },
    ]);
    expect(counters.tokenRefreshes).toBe(1);
    refresher.dispose();
  });

  it('a failed background cycle retries after half the remaining validity (capped at maxDelayMs), flagged background', async () => {
    let down = false;
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      if (down) throw httpError(503);
      return { token: 'token-bg', expiresInMs: HOUR };
    });
    const { refresher, events } = refresherHarness(
      { fetchToken, refreshBeforeMs: 600_000, clockSkewMs: 0, retry: { maxAttempts: 1, maxDelayMs: 10 * HOUR } },
      () => 0,
    );
    await refresher.getToken();
    refresher.start();
    down = true;
    await vi.advanceTimersByTimeAsync(HOUR - 600_000); // the proactive refresh: 600 s of validity left
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(events('auth.refresh.fail')).toEqual([
      expect.objectContaining({ code: 'HTTP_503', attempt: 1, nextDelayMs: undefined, fatal: false, background: true }),
    ]);
    await vi.advanceTimersByTimeAsync(299_999);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetchToken).toHaveBeenCalledTimes(3); // after 300 s = half of 600 s
    refresher.dispose();
  });

  it('a fatal failure with a valid token cached arms no retry: no fetch until someone asks', async () => {
    let refused = false;
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      if (refused) throw httpError(403);
      return { token: 'token-x', expiresInMs: HOUR };
    });
    const { refresher, tasks, events } = refresherHarness({ fetchToken, refreshBeforeMs: 600_000 }, () => 0);
    await refresher.getToken();
    refresher.start();
    refused = true;
    await vi.advanceTimersByTimeAsync(HOUR - 600_000);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(events('auth.refresh.fail')[0]).toMatchObject({ code: 'HTTP_403', fatal: true, background: true });
    expect(tasks.names()).toEqual([]);
    await vi.advanceTimersByTimeAsync(500_000);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(await refresher.getToken()).toBe('token-x'); // still valid: served from the cache
    refresher.dispose();
  });

  it('a first failure without a cached token is not background and arms nothing', async () => {
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      throw httpError(503);
    });
    const { refresher, tasks, events } = refresherHarness({ fetchToken, retry: { maxAttempts: 1 } });
    refresher.start();
    await expect(refresher.getToken()).rejects.toMatchObject({ code: 'AUTH_FAILED', details: { attempts: 1, fatal: false } });
    expect(events('auth.refresh.fail')[0]).toMatchObject({ background: false, nextDelayMs: undefined });
    expect(tasks.names()).toEqual([]);
    refresher.dispose();
  });
});
