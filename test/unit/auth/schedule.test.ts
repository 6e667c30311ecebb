import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_REFRESH_DELAY_MS, backgroundRetryDelay, proactiveRefreshDelay } from '../../../src/auth/schedule.js';

const random = fc.double({ min: 0, max: 0.999_999, noNaN: true });

describe('proactiveRefreshDelay', () => {
  it('refreshes refreshBeforeMs to 1.1 x refreshBeforeMs before expiry when the TTL allows it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3_600_000 }), fc.integer({ min: 0, max: 30 * 86_400_000 }), random, (before, extra, r) => {
        const ttl = 2.2 * before + extra + MIN_REFRESH_DELAY_MS * 2;
        const lead = ttl - proactiveRefreshDelay(ttl, before, () => r);
        expect(lead).toBeGreaterThanOrEqual(before - 1e-6);
        expect(lead).toBeLessThanOrEqual(before * 1.1 + 1e-6);
      }),
    );
  });

  it('uses 75-80% of a short TTL: at or before expiry, at least half of it, never below the floor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400_000 }), fc.integer({ min: 0, max: 86_400_000 }), random, (ttl, before, r) => {
        const delay = proactiveRefreshDelay(ttl, before, () => r);
        expect(delay).toBeGreaterThanOrEqual(MIN_REFRESH_DELAY_MS);
        expect(delay).toBeGreaterThanOrEqual(ttl * 0.5 - 1e-6);
        if (ttl >= MIN_REFRESH_DELAY_MS / 0.75) expect(delay).toBeLessThanOrEqual(ttl);
        if (ttl >= MIN_REFRESH_DELAY_MS / 0.75 && before > 0) expect(delay).toBeLessThan(ttl);
        if (ttl <= before && ttl >= MIN_REFRESH_DELAY_MS / 0.75) {
          expect(delay / ttl).toBeGreaterThanOrEqual(0.75 - 1e-9);
          expect(delay / ttl).toBeLessThanOrEqual(0.8 + 1e-9);
        }
      }),
    );
  });

  it('spreads a fleet: different random values give different refresh times', () => {
    expect(proactiveRefreshDelay(86_400_000, 300_000, () => 0)).toBe(86_100_000);
    expect(proactiveRefreshDelay(86_400_000, 300_000, () => 0.5)).toBe(86_085_000);
    expect(proactiveRefreshDelay(60_000, 300_000, () => 0)).toBe(45_000);
  });
});

describe('backgroundRetryDelay', () => {
  it('is half the remaining validity, capped by maxDelayMs, never below the floor', () => {
    expect(backgroundRetryDelay(600_000, 60_000)).toBe(60_000);
    expect(backgroundRetryDelay(30_000, 60_000)).toBe(15_000);
    expect(backgroundRetryDelay(100, 60_000)).toBe(MIN_REFRESH_DELAY_MS);
  });
});
