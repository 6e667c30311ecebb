import { describe, expect, it } from 'vitest';
import { AUTH_DEFAULTS, normalizeAuthOptions, type AuthOptions } from '../../../src/auth/index.js';
import { isStreamClientError } from '../../../src/core/errors.js';

const fetchToken: AuthOptions['fetchToken'] = async () => ({ token: 'token-x', expiresInMs: 1 });

function messageOf(input: unknown): string {
  try {
    normalizeAuthOptions(input as AuthOptions);
  } catch (err) {
    expect(isStreamClientError(err, 'INVALID_OPTIONS')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected INVALID_OPTIONS');
}

describe('normalizeAuthOptions', () => {
  it('fills every default', () => {
    const o = normalizeAuthOptions({ fetchToken });
    expect(o).toMatchObject({
      refreshBeforeMs: 300_000,
      timeoutMs: 10_000,
      clockSkewMs: 5_000,
      retry: { initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2, maxAttempts: 8, jitter: 'full' },
    });
    expect(o.isFatal({ status: 401 })).toBe(true);
    expect(AUTH_DEFAULTS.retry.jitter).toBe('full');
  });

  it('treats undefined fields as defaults and keeps given ones', () => {
    const o = normalizeAuthOptions({ fetchToken, timeoutMs: undefined, retry: { maxAttempts: Infinity, jitter: 'decorrelated' } } as unknown as AuthOptions);
    expect(o.timeoutMs).toBe(10_000);
    expect(o.retry).toMatchObject({ maxAttempts: Infinity, jitter: 'decorrelated', initialDelayMs: 1_000 });
  });

  it('calls fetchToken and isFatal with the options object as this', async () => {
    const auth = {
      secretSource: 'token-from-this',
      async fetchToken(this: { secretSource: string }) {
        return { token: this.secretSource, expiresInMs: 1_000 };
      },
    };
    const o = normalizeAuthOptions(auth);
    await expect(o.fetchToken(new AbortController().signal)).resolves.toMatchObject({ token: 'token-from-this' });
  });

  it.each([
    [undefined, 'auth must be an object with a fetchToken function'],
    [{}, 'auth.fetchToken must be a function'],
    [{ fetchToken, timeoutMs: 0 }, 'auth.timeoutMs must be a positive number'],
    [{ fetchToken, timeoutMs: Number.NaN }, 'auth.timeoutMs must be a positive number'],
    [{ fetchToken, timeoutMs: 3e9 }, 'auth.timeoutMs must be at most 2147483647 ms'],
    [{ fetchToken, refreshBeforeMs: -1 }, 'auth.refreshBeforeMs must be a non-negative number'],
    [{ fetchToken, clockSkewMs: '5s' }, 'auth.clockSkewMs must be a non-negative number'],
    [{ fetchToken, retry: 3 }, 'auth.retry must be an object'],
    [{ fetchToken, retry: { initialDelayMs: 0 } }, 'auth.retry.initialDelayMs must be a positive number'],
    [{ fetchToken, retry: { initialDelayMs: 5_000, maxDelayMs: 1_000 } }, 'auth.retry.maxDelayMs must be >= retry.initialDelayMs'],
    [{ fetchToken, retry: { maxAttempts: 0 } }, 'auth.retry.maxAttempts must be an integer >= 1 or Infinity'],
    [{ fetchToken, retry: { maxAttempts: 2.5 } }, 'auth.retry.maxAttempts must be an integer >= 1 or Infinity'],
    [{ fetchToken, retry: { factor: 0.5 } }, 'auth.retry.factor must be a finite number >= 1'],
    [{ fetchToken, retry: { jitter: 'random' } }, 'auth.retry.jitter must be one of none, full, equal, decorrelated'],
    [{ fetchToken, isFatal: true }, 'auth.isFatal must be a function'],
  ])('rejects %j with a message naming the option', (input, message) => {
    expect(messageOf(input)).toBe(message);
  });
});
