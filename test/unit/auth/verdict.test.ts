import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rejectionVerdict } from '../../../src/auth/index.js';
import { HOUR, instantService, refresherHarness } from '../../helpers/auth.js';

describe('rejectionVerdict', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_700_000_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('is fatal without a token service: there is no other credential to try', () => {
    expect(rejectionVerdict(undefined, 'static-token')).toBe('fatal');
    expect(rejectionVerdict(undefined, undefined)).toBe('fatal');
  });

  it('retries once with a fresh token, and is fatal when the fresh token is refused too', async () => {
    const svc = instantService(HOUR);
    const { refresher, counters } = refresherHarness({ fetchToken: svc.fetchToken });
    const first = await refresher.getToken();
    expect(rejectionVerdict(refresher, first)).toBe('retry');
    expect(refresher.hasValidToken).toBe(false);
    const second = await refresher.getToken();
    expect(second).toBe('token-000002');
    expect(rejectionVerdict(refresher, second)).toBe('fatal');
    expect(counters.authRejections).toBe(2);
    refresher.dispose();
  });

  it('a late refusal of an older token is a retry and keeps the newer token', async () => {
    const svc = instantService(HOUR);
    const { refresher } = refresherHarness({ fetchToken: svc.fetchToken });
    const old = await refresher.getToken();
    refresher.markAccepted();
    await refresher.refresh();
    expect(rejectionVerdict(refresher, old)).toBe('retry');
    expect(await refresher.getToken()).toBe('token-000002');
    expect(svc.fetchToken).toHaveBeenCalledTimes(2);
    refresher.dispose();
  });
});
