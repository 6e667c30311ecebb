import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOUR, httpError, manualService, refresherHarness } from '../../helpers/auth.js';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => vi.useRealTimers());

/** A 429/503 of a token service that says when to come back (kisApprovalKey keeps `Retry-After` in `retryAfterMs`). */
const busy = (retryAfterMs: unknown) => Object.assign(httpError(429), { retryAfterMs });

describe('TokenRefresher: a token service that answers with Retry-After', () => {
  it('waits the Retry-After (jittered in [hint, 1.2 hint), at most 10 min) instead of the ~1 s backoff', async () => {
    const svc = manualService();
    const { refresher, events } = refresherHarness({ fetchToken: svc.fetchToken, retry: { initialDelayMs: 1_000, maxDelayMs: 60_000 } }, () => 0.5);
    const token = refresher.getToken();
    svc.calls[0]!.reject(busy(30_000));
    await vi.advanceTimersByTimeAsync(0);
    expect(events('auth.refresh.fail')[0]).toMatchObject({ code: 'HTTP_429', attempt: 1, nextDelayMs: 33_000 }); // random 0.5
    await vi.advanceTimersByTimeAsync(32_999);
    expect(svc.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(svc.calls).toHaveLength(2);
    svc.calls[1]!.reject(busy(3_600_000)); // an hour: bounded by the 10 min Retry-After limit
    await vi.advanceTimersByTimeAsync(0);
    expect(events('auth.refresh.fail')[1]).toMatchObject({ attempt: 2, nextDelayMs: 660_000 });
    await vi.advanceTimersByTimeAsync(660_000);
    svc.calls[2]!.resolve({ token: 'token-after-busy', expiresInMs: HOUR });
    expect(await token).toBe('token-after-busy');
    refresher.dispose();
  });

  it('a hint of 0, negative, NaN or not a number never shortens the backoff', async () => {
    const svc = manualService();
    const { refresher, events } = refresherHarness({ fetchToken: svc.fetchToken, retry: { initialDelayMs: 1_000, maxAttempts: 5, jitter: 'equal' } }, () => 0);
    const token = refresher.getToken().catch((e: unknown) => e);
    for (const [i, hint] of [0, -5, Number.NaN, '9999'].entries()) {
      svc.calls[i]!.reject(busy(hint));
      await vi.advanceTimersByTimeAsync(0);
      const { nextDelayMs } = events('auth.refresh.fail')[i]! as { nextDelayMs: number };
      expect(nextDelayMs).toBe([500, 1_000, 2_000, 4_000][i]); // equal jitter at random 0: half the ceiling
      await vi.advanceTimersByTimeAsync(nextDelayMs);
    }
    svc.calls[4]!.resolve({ token: 'token-5', expiresInMs: HOUR });
    expect(await token).toBe('token-5');
    refresher.dispose();
  });
});
