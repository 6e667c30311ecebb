import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KisApprovalError } from '../../../src/index.js';
import { HOUR, manualService, refresherHarness } from '../../helpers/auth.js';

// A token service that answers 429/503 with Retry-After asks for a wait: the refresher's retry
// must not come back sooner (the 1 s backoff would hammer a service that said 30 s).
describe('TokenRefresher honours a Retry-After from the token service', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_700_000_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a 503 with Retry-After 30 s (KisApprovalError.retryAfterMs) delays the retry to 30 s * (1 + 0.2 * random), not the 1 s backoff', async () => {
    const svc = manualService();
    const { refresher, events } = refresherHarness({ fetchToken: svc.fetchToken, retry: { initialDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: 3 } });
    const token = refresher.getToken();
    svc.calls[0]!.reject(new KisApprovalError('approval endpoint answered 503', { status: 503, retryAfterMs: 30_000 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(events('auth.refresh.fail')[0]).toMatchObject({ nextDelayMs: 33_000 }); // random() = 0.5
    await vi.advanceTimersByTimeAsync(32_999);
    expect(svc.fetchToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(svc.fetchToken).toHaveBeenCalledTimes(2);
    svc.calls[1]!.resolve({ token: 'token-after-wait', expiresInMs: HOUR });
    expect(await token).toBe('token-after-wait');
    refresher.dispose();
  });

  it('a hint shorter than the backoff does not shorten it; one in details counts too', async () => {
    const svc = manualService();
    const { refresher, events } = refresherHarness({
      fetchToken: svc.fetchToken,
      retry: { initialDelayMs: 4_000, maxDelayMs: 60_000, maxAttempts: 3, jitter: 'none' },
    });
    const token = refresher.getToken();
    svc.calls[0]!.reject(Object.assign(new Error('busy'), { status: 429, details: { retryAfterMs: 10 } }));
    await vi.advanceTimersByTimeAsync(0);
    expect(events('auth.refresh.fail')[0]).toMatchObject({ nextDelayMs: 4_000 });
    await vi.advanceTimersByTimeAsync(4_000);
    expect(svc.fetchToken).toHaveBeenCalledTimes(2);
    svc.calls[1]!.resolve({ token: 'token-2', expiresInMs: HOUR });
    expect(await token).toBe('token-2');
    refresher.dispose();
  });
});
