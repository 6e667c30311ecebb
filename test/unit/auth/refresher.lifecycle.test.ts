import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUTH_TASKS, type TokenResult } from '../../../src/auth/index.js';
import { isStreamClientError } from '../../../src/core/errors.js';
import { HOUR, httpError, instantService, manualService, refresherHarness } from '../../helpers/auth.js';

describe('TokenRefresher lifecycle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_700_000_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('invalidate: a rejection of a token obtained after a rejection, before any acceptance, is repeated', async () => {
    const svc = instantService(HOUR);
    const { refresher, counters, events } = refresherHarness({ fetchToken: svc.fetchToken });
    await refresher.getToken();
    expect(refresher.invalidate()).toEqual({ repeated: false });
    expect(refresher.hasValidToken).toBe(false);
    expect(refresher.invalidate()).toEqual({ repeated: false }); // a duplicate report about the same token
    expect(await refresher.getToken()).toBe('token-000002');
    expect(refresher.invalidate()).toEqual({ repeated: true });
    // A manual restart gets one fresh try, and an accepted token resets the rule.
    await refresher.getToken();
    expect(refresher.invalidate()).toEqual({ repeated: false });
    await refresher.getToken();
    refresher.markAccepted();
    expect(refresher.invalidate()).toEqual({ repeated: false });
    expect(counters.authRejections).toBe(5);
    expect(events('auth.rejected').map((r) => r['repeated'])).toEqual([false, false, true, false, false]);
    refresher.dispose();
  });

  it('invalidate(token) about an older token keeps the newer cached one', async () => {
    const svc = instantService(HOUR);
    const { refresher } = refresherHarness({ fetchToken: svc.fetchToken });
    await refresher.getToken();
    await refresher.refresh();
    expect(refresher.invalidate('token-000001')).toEqual({ repeated: false });
    expect(await refresher.getToken()).toBe('token-000002');
    expect(refresher.invalidate('token-000002')).toEqual({ repeated: false });
    expect(refresher.hasValidToken).toBe(false);
    refresher.dispose();
  });

  it("a caller's abort ends its own wait, not the shared fetch", async () => {
    const svc = manualService();
    const { refresher } = refresherHarness({ fetchToken: svc.fetchToken });
    const ac = new AbortController();
    const impatient = refresher.getToken(ac.signal);
    const patient = refresher.getToken();
    ac.abort(new Error('connect attempt cancelled'));
    await expect(impatient).rejects.toThrow('connect attempt cancelled');
    expect(svc.calls[0]!.signal.aborted).toBe(false);
    svc.calls[0]!.resolve({ token: 'token-patient', expiresInMs: HOUR });
    await expect(patient).resolves.toBe('token-patient');
    refresher.dispose();
  });

  it('rejects a malformed result as AUTH_FAILED without retrying or echoing the token', async () => {
    const fetchToken = vi.fn(async () => ({ token: 'token-malformed-xyz', expiresAt: 'tomorrow' }) as unknown as TokenResult);
    const { refresher, lines } = refresherHarness({ fetchToken });
    const err = (await refresher.getToken().catch((e: unknown) => e)) as Error;
    expect(isStreamClientError(err, 'AUTH_FAILED')).toBe(true);
    expect(err.message).toMatch(/expiresAt must be a finite number/);
    expect(err.message).not.toContain('token-malformed-xyz');
    expect(fetchToken).toHaveBeenCalledTimes(1);
    expect(lines.join('\n')).not.toContain('token-malformed-xyz');
    refresher.dispose();
  });

  it('never logs a token, even when fetchToken throws an error that contains it', async () => {
    const secret = 'eyJhbGciOiJIUzI1NiJ9.approval-key-7f3a9c';
    let n = 0;
    const fetchToken = vi.fn(async (): Promise<TokenResult> => {
      if (++n === 1) return { token: secret, expiresInMs: 400_000 };
      throw httpError(401, `refresh of ${secret} refused`);
    });
    const { refresher, lines, onToken } = refresherHarness({ fetchToken, refreshBeforeMs: 300_000 });
    expect(await refresher.getToken()).toBe(secret);
    refresher.start();
    await vi.advanceTimersByTimeAsync(400_000);
    const err = (await refresher.getToken().catch((e: unknown) => e)) as Error;
    expect(isStreamClientError(err, 'AUTH_FAILED')).toBe(true);
    expect(err.message).not.toContain(secret);
    refresher.invalidate();
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).toContain('[redacted]');
    expect(onToken).toHaveBeenCalledTimes(1);
    refresher.dispose();
  });

  it('stop rejects pending callers with ClosedError, keeps the token, and leaves no timer', async () => {
    const svc = manualService();
    const { refresher, tasks } = refresherHarness({ fetchToken: svc.fetchToken });
    const first = refresher.getToken();
    svc.calls[0]!.resolve({ token: 'token-kept-1', expiresInMs: HOUR });
    await first;
    refresher.start();
    const pending = refresher.refresh();
    refresher.stop();
    await expect(pending).rejects.toSatisfy((e) => isStreamClientError(e, 'CLIENT_CLOSED'));
    expect(svc.calls[1]!.signal.aborted).toBe(true);
    expect(tasks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(await refresher.getToken()).toBe('token-kept-1');
    refresher.dispose();
  });

  it('after dispose no timer remains and no promise stays pending', async () => {
    const svc = manualService();
    const { refresher, tasks } = refresherHarness({ fetchToken: svc.fetchToken, timeoutMs: 5_000 });
    const waiting = [refresher.getToken(), refresher.refresh()];
    await vi.advanceTimersByTimeAsync(5_000); // timeout -> now in the retry wait
    expect(tasks.names()).toEqual([AUTH_TASKS.retry]);
    refresher.dispose();
    refresher.dispose();
    const settled = await Promise.allSettled(waiting);
    expect(settled.every((s) => s.status === 'rejected' && isStreamClientError(s.reason, 'CLIENT_CLOSED'))).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await expect(refresher.getToken()).rejects.toSatisfy((e) => isStreamClientError(e, 'CLIENT_CLOSED'));
    refresher.start();
    expect(vi.getTimerCount()).toBe(0);
  });
});
