import { describe, expect, it } from 'vitest';
import type { AuthOptions } from '../../../src/auth/index.js';
import { DEFAULTS } from '../../../src/client/defaults.js';
import { resolveOptions } from '../../../src/client/resolve.js';
import { isStreamClientError } from '../../../src/core/errors.js';

const fetchToken: AuthOptions['fetchToken'] = async () => ({ token: 'token-x', expiresInMs: 1 });
const resolveAuth = (auth: unknown) => resolveOptions({ url: 'ws://127.0.0.1:1', auth: auth as AuthOptions }).auth!;

function messageOf(input: unknown): string {
  try {
    resolveAuth(input);
  } catch (err) {
    expect(isStreamClientError(err, 'INVALID_OPTIONS')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected INVALID_OPTIONS');
}

describe('the auth options, resolved by the client', () => {
  it('fills every default from DEFAULTS.auth, and freezes the result', () => {
    const o = resolveAuth({ fetchToken });
    expect(o).toMatchObject({
      refreshBeforeMs: 300_000,
      timeoutMs: 10_000,
      clockSkewMs: 5_000,
      retry: { initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2, maxAttempts: 8, jitter: 'full' },
    });
    expect(o.retry).toEqual(DEFAULTS.auth.retry);
    expect(o.isFatal({ status: 401 })).toBe(true);
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.retry)).toBe(true);
  });

  it('treats undefined fields as defaults and keeps given ones', () => {
    const o = resolveAuth({ fetchToken, timeoutMs: undefined, retry: { maxAttempts: Infinity, jitter: 'decorrelated' } });
    expect(o.timeoutMs).toBe(10_000);
    expect(o.retry).toMatchObject({ maxAttempts: Infinity, jitter: 'decorrelated', initialDelayMs: 1_000 });
  });

  it('raises the default retry.maxDelayMs to a larger given retry.initialDelayMs; a given maxDelayMs below it is refused', () => {
    expect(resolveAuth({ fetchToken, retry: { initialDelayMs: 100_000 } }).retry).toMatchObject({ initialDelayMs: 100_000, maxDelayMs: 100_000 });
    expect(messageOf({ fetchToken, retry: { initialDelayMs: 100_000, maxDelayMs: 60_000 } })).toBe(
      'auth.retry.maxDelayMs must be >= auth.retry.initialDelayMs',
    );
  });

  it('calls fetchToken and isFatal with the options object as this', async () => {
    const auth = {
      secretSource: 'token-from-this',
      async fetchToken(this: { secretSource: string }) {
        return { token: this.secretSource, expiresInMs: 1_000 };
      },
    };
    const o = resolveAuth(auth);
    await expect(o.fetchToken(new AbortController().signal)).resolves.toMatchObject({ token: 'token-from-this' });
  });

  it.each([
    [null, 'auth must be an object (got null)'],
    ['token', 'auth must be an object (got string)'],
    [{}, 'auth.fetchToken must be a function'],
    [{ fetchToken, timeoutMs: 0 }, 'auth.timeoutMs must be >= 1 (got 0)'],
    // Durations are whole timer ms in every part: 0.5 was accepted here and refused elsewhere.
    [{ fetchToken, timeoutMs: 0.5 }, 'auth.timeoutMs must be >= 1 (got 0.5)'],
    [{ fetchToken, timeoutMs: Number.NaN }, 'auth.timeoutMs must be a number (got NaN)'],
    [{ fetchToken, timeoutMs: 3e9 }, 'auth.timeoutMs must be at most 2147483647 ms (2^31 - 1) (got 3000000000)'],
    [{ fetchToken, refreshBeforeMs: -1 }, 'auth.refreshBeforeMs must be >= 0 (got -1)'],
    [{ fetchToken, clockSkewMs: '5s' }, 'auth.clockSkewMs must be a number (got string)'],
    [{ fetchToken, retry: 3 }, 'auth.retry must be an object (got 3)'],
    [{ fetchToken, retry: { initialDelayMs: 0 } }, 'auth.retry.initialDelayMs must be >= 1 (got 0)'],
    [{ fetchToken, retry: { initialDelayMs: 0.5 } }, 'auth.retry.initialDelayMs must be >= 1 (got 0.5)'],
    [{ fetchToken, retry: { initialDelayMs: 5_000, maxDelayMs: 1_000 } }, 'auth.retry.maxDelayMs must be >= auth.retry.initialDelayMs'],
    [{ fetchToken, retry: { maxAttempts: 0 } }, 'auth.retry.maxAttempts must be >= 1 (got 0)'],
    [{ fetchToken, retry: { maxAttempts: 2.5 } }, 'auth.retry.maxAttempts must be an integer (got 2.5)'],
    [{ fetchToken, retry: { factor: 0.5 } }, 'auth.retry.factor must be >= 1 (got 0.5)'],
    [{ fetchToken, retry: { jitter: 'random' } }, 'auth.retry.jitter must be one of none, full, equal, decorrelated'],
    [{ fetchToken, retry: { jitter: () => 1 } }, 'auth.retry.jitter must be one of none, full, equal, decorrelated'],
    [{ fetchToken, isFatal: true }, 'auth.isFatal must be a function (got true)'],
  ])('rejects %j with a message naming the option', (input, message) => {
    expect(messageOf(input)).toBe(message);
  });
});
