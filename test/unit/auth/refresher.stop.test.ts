import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUTH_TASKS } from '../../../src/auth/index.js';
import { isStreamClientError } from '../../../src/core/errors.js';
import { HOUR, instantService, manualService, refresherHarness } from '../../helpers/auth.js';

describe('TokenRefresher stop() races', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_700_000_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('getToken() in the same tick as stop() starts one new fetch; the stopped cycle unwinding does not let a third start', async () => {
    const svc = manualService();
    const { refresher } = refresherHarness({ fetchToken: svc.fetchToken });
    const first = refresher.getToken();
    refresher.stop();
    const second = refresher.getToken(); // same tick: a fresh cycle
    await expect(first).rejects.toSatisfy((e: unknown) => isStreamClientError(e, 'CLIENT_CLOSED'));
    await vi.advanceTimersByTimeAsync(0); // the stopped cycle has unwound
    const third = refresher.getToken();
    expect(svc.fetchToken).toHaveBeenCalledTimes(2);
    expect(svc.inFlight()).toBe(1);
    svc.calls[1]!.resolve({ token: 'token-after-stop', expiresInMs: HOUR });
    await expect(Promise.all([second, third])).resolves.toEqual(['token-after-stop', 'token-after-stop']);
    refresher.dispose();
  });

  it('a stopped refresher does not arm its proactive timer for a token fetched while stopped', async () => {
    const svc = instantService(HOUR);
    const { refresher, tasks } = refresherHarness({ fetchToken: svc.fetchToken, refreshBeforeMs: 60_000 });
    refresher.start();
    await refresher.getToken();
    expect(tasks.names()).toEqual([AUTH_TASKS.refresh]);
    refresher.stop();
    expect(tasks.names()).toEqual([]);
    refresher.invalidate();
    await refresher.getToken(); // e.g. a connect attempt while the client is stopping
    expect(tasks.names()).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(svc.fetchToken).toHaveBeenCalledTimes(2);
    refresher.dispose();
  });

  it('fetchToken resolving undefined fails the cycle at once as malformed, without a retry', async () => {
    const fetchToken = vi.fn(async () => undefined as never);
    const { refresher, counters, events } = refresherHarness({ fetchToken, retry: { maxAttempts: 5 } });
    let err: unknown;
    refresher.getToken().catch((e: unknown) => {
      err = e;
    });
    await vi.advanceTimersByTimeAsync(0); // at once: no retry wait has passed
    expect(err).toMatchObject({ code: 'AUTH_FAILED', details: { attempts: 1, fatal: true } });
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(fetchToken).toHaveBeenCalledTimes(1);
    expect(counters.tokenRefreshFailures).toBe(1);
    expect(events('auth.refresh.fail').map((r) => [r['code'], r['fatal'], r['nextDelayMs']])).toEqual([['AUTH_FAILED', true, undefined]]);
    refresher.dispose();
  });

  it('expiresAt before the first token is undefined, not a throw', () => {
    const { refresher } = refresherHarness({ fetchToken: instantService(HOUR).fetchToken });
    expect(refresher.expiresAt).toBeUndefined();
    expect(refresher.hasValidToken).toBe(false);
  });

  it('ClosedError says why: "token refresh stopped" after stop(), "token refresher is disposed" after dispose() and for later calls', async () => {
    const svc = manualService();
    const { refresher } = refresherHarness({ fetchToken: svc.fetchToken });
    const stopped = refresher.getToken();
    refresher.stop();
    await expect(stopped).rejects.toMatchObject({ code: 'CLIENT_CLOSED', message: 'token refresh stopped' });
    const disposed = refresher.getToken();
    refresher.dispose();
    await expect(disposed).rejects.toMatchObject({ code: 'CLIENT_CLOSED', message: 'token refresher is disposed' });
    await expect(refresher.refresh()).rejects.toMatchObject({ code: 'CLIENT_CLOSED', message: 'token refresher is disposed' });
  });

  it('stop() landing after fetchToken settled but before the token is stored: callers get CLIENT_CLOSED, the token is not kept', async () => {
    let stop = () => {};
    // The result's getter runs while the refresher reads it: the latest point a stop() can land.
    const fetchToken = vi.fn(async () => ({
      token: 'token-late',
      get expiresInMs() {
        stop();
        return HOUR;
      },
    }));
    const { refresher, onToken, tasks } = refresherHarness({ fetchToken });
    stop = () => refresher.stop();
    refresher.start();
    await expect(refresher.getToken()).rejects.toMatchObject({ code: 'CLIENT_CLOSED', message: 'token refresh stopped' });
    expect(onToken).not.toHaveBeenCalled();
    expect(refresher.hasValidToken).toBe(false);
    expect(tasks.names()).toEqual([]);
    refresher.dispose();
  });
});
