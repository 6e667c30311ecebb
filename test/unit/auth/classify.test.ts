import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  cycleFailure,
  failureCode,
  isFatalTokenError,
  isFatalTokenFailure,
  readTokenResult,
  retryAfterOf,
} from '../../../src/auth/classify.js';
import { AuthError, isStreamClientError } from '../../../src/core/errors.js';

describe('isFatalTokenError', () => {
  it.each([
    [{ status: 400 }, true],
    [{ status: 401 }, true],
    [{ status: 403 }, true],
    [{ statusCode: 401 }, true],
    [{ response: { status: 403 } }, true],
    [Object.assign(new Error('revoked'), { fatal: true }), true],
    [{ status: 429 }, false],
    [{ status: 500 }, false],
    [{ status: 503 }, false],
    [new TypeError('fetch failed'), false],
    ['boom', false],
    [null, false],
  ])('%j -> fatal %s', (err, fatal) => {
    expect(isFatalTokenError(err)).toBe(fatal);
  });
});

describe('classifyFailure', () => {
  it('keeps timeouts transient whatever isFatal says, and a throwing isFatal counts as fatal', () => {
    expect(classifyFailure(new AuthError('TOKEN_TIMEOUT', 't'), () => true)).toBe('transient');
    expect(
      classifyFailure(new Error('x'), () => {
        throw new Error('bug');
      }),
    ).toBe('fatal');
    expect(classifyFailure({ status: 503 }, isFatalTokenError)).toBe('transient');
  });

  it('names the failure for log records', () => {
    expect(failureCode(new AuthError('TOKEN_TIMEOUT', 't'))).toBe('TOKEN_TIMEOUT');
    expect(failureCode({ status: 503 })).toBe('HTTP_503');
    expect(failureCode(new Error('network'))).toBe('FETCH_FAILED');
  });
});

describe('readTokenResult', () => {
  const now = 1_000_000;

  it('accepts expiresAt or expiresInMs, and the earlier of both', () => {
    expect(readTokenResult({ token: 'abc', expiresAt: now + 5 }, now)).toEqual({ token: 'abc', expiresAt: now + 5 });
    expect(readTokenResult({ token: 'abc', expiresInMs: 10 }, now)).toEqual({ token: 'abc', expiresAt: now + 10 });
    expect(readTokenResult({ token: 'abc', expiresAt: now + 50, expiresInMs: 10 }, now).expiresAt).toBe(now + 10);
  });

  it.each([
    [null, 'expected an object'],
    [{ token: '', expiresInMs: 1 }, 'token must be a non-empty string'],
    [{ token: 42, expiresInMs: 1 }, 'token must be a non-empty string'],
    [{ token: 'secret-value-1' }, 'one of expiresAt or expiresInMs is required'],
    [{ token: 'secret-value-1', expiresInMs: -1 }, 'expiresInMs must be a non-negative finite number'],
    [{ token: 'secret-value-1', expiresAt: Infinity }, 'expiresAt must be a finite number'],
  ])('rejects %j as AUTH_FAILED without echoing the token', (input, message) => {
    let caught: unknown;
    try {
      readTokenResult(input, now);
    } catch (err) {
      caught = err;
    }
    expect(isStreamClientError(caught, 'AUTH_FAILED')).toBe(true);
    expect((caught as Error).message).toContain(message);
    expect((caught as Error).message).not.toContain('secret-value-1');
  });
});

describe('classification edges a user relies on', () => {
  it('reads the status from status, statusCode or response.status, and survives a null response', () => {
    expect(isFatalTokenError({ response: null })).toBe(false);
    expect(isFatalTokenError(undefined)).toBe(false); // a fetchToken that rejects with nothing
    expect(classifyFailure(undefined, isFatalTokenError)).toBe('transient');
    expect(isFatalTokenError({ status: '401' })).toBe(false); // a string status is not an HTTP status
    expect(isFatalTokenError({ fatal: 'yes' })).toBe(false); // only fatal: true marks an error fatal
    expect(isFatalTokenError({ status: undefined, statusCode: 403 })).toBe(true);
    expect(failureCode({ statusCode: 502 })).toBe('HTTP_502');
    expect(failureCode({ response: { status: 429 } })).toBe('HTTP_429');
    expect(failureCode({ response: null })).toBe('FETCH_FAILED');
    expect(failureCode('boom')).toBe('FETCH_FAILED');
    expect(failureCode(null)).toBe('FETCH_FAILED');
  });

  it('a malformed result is fatal whatever isFatal says; other AUTH_FAILED errors follow isFatal', () => {
    const malformed = new AuthError('AUTH_FAILED', 'm', { details: { reason: 'malformed' } });
    expect(classifyFailure(malformed, () => false)).toBe('fatal');
    expect(classifyFailure(new AuthError('AUTH_FAILED', 'x', { details: { reason: 'other' } }), () => false)).toBe('transient');
    expect(classifyFailure(new AuthError('AUTH_FAILED', 'x'), () => false)).toBe('transient');
    expect(classifyFailure({ status: 401 }, isFatalTokenError)).toBe('fatal');
  });

  it('ends a connect in failed only on a fatal or malformed cycle failure', () => {
    expect(isFatalTokenFailure(new AuthError('AUTH_FAILED', 'x', { details: { fatal: true } }))).toBe(true);
    expect(isFatalTokenFailure(new AuthError('AUTH_FAILED', 'x', { details: { reason: 'malformed' } }))).toBe(true);
    expect(isFatalTokenFailure(new AuthError('AUTH_FAILED', 'x', { details: { fatal: false, attempts: 3 } }))).toBe(false);
    expect(isFatalTokenFailure(new AuthError('AUTH_FAILED', 'x'))).toBe(false);
    expect(isFatalTokenFailure(new AuthError('TOKEN_TIMEOUT', 'x', { details: { fatal: true } }))).toBe(false);
    expect(isFatalTokenFailure(Object.assign(new Error('x'), { details: { fatal: true } }))).toBe(false);
  });

  it('says how a cycle ended, with attempts counted and the cause scrubbed', () => {
    const scrub = (t: string) => t.replaceAll('tok-1', '[redacted]');
    const cause = new Error('service said tok-1');
    const once = cycleFailure(cause, 1, false, scrub);
    expect(once.message).toBe('token service failed 1 time: Error: service said [redacted]');
    expect(once.details).toEqual({ attempts: 1, fatal: false });
    expect(once.cause).toBe(cause);
    expect(cycleFailure(cause, 3, false, scrub).message).toBe('token service failed 3 times: Error: service said [redacted]');
    const refused = cycleFailure(cause, 2, true, scrub);
    expect(refused.message).toBe('token service refused: Error: service said [redacted]');
    expect(refused.details).toEqual({ attempts: 2, fatal: true });
  });
});

describe('readTokenResult edges', () => {
  const now = 1_000_000;

  it("accepts expiresInMs of 0 (already expired is the caller's business) and expiresAt alone", () => {
    expect(readTokenResult({ token: 't', expiresInMs: 0 }, now)).toEqual({ token: 't', expiresAt: now });
    expect(readTokenResult({ token: 't', expiresAt: now - 5 }, now)).toEqual({ token: 't', expiresAt: now - 5 });
    expect(readTokenResult({ token: 't', expiresAt: now + 5, expiresInMs: 50 }, now).expiresAt).toBe(now + 5);
  });

  it.each([
    [undefined, 'expected an object'],
    ['tok', 'expected an object'],
    [{ token: 't', expiresAt: '123' }, 'expiresAt must be a finite number'],
    [{ token: 't', expiresAt: Number.NaN }, 'expiresAt must be a finite number'],
    [{ token: 't', expiresInMs: '5' }, 'expiresInMs must be a non-negative finite number'],
    [{ token: 't', expiresInMs: Number.NaN }, 'expiresInMs must be a non-negative finite number'],
    [{ token: 't', expiresAt: now + 5, expiresInMs: -1 }, 'expiresInMs must be a non-negative finite number'],
  ])('rejects %j as malformed with reason "malformed"', (input, message) => {
    let caught: unknown;
    try {
      readTokenResult(input, now);
    } catch (err) {
      caught = err;
    }
    expect(isStreamClientError(caught, 'AUTH_FAILED')).toBe(true);
    expect((caught as Error).message).toBe(`fetchToken returned a malformed result: ${expectedRule(message)}`);
    expect((caught as AuthError).details).toEqual({ reason: 'malformed' });
  });
});

function expectedRule(start: string): string {
  const rules = [
    'expected an object { token, expiresAt | expiresInMs }',
    'token must be a non-empty string',
    'expiresAt must be a finite number (epoch ms)',
    'expiresInMs must be a non-negative finite number',
    'one of expiresAt or expiresInMs is required',
  ];
  return rules.find((r) => r.startsWith(start)) ?? start;
}

describe('retryAfterOf: the wait a failed token request asked for', () => {
  it.each([
    [{ retryAfterMs: 30_000 }, 30_000],
    [{ details: { retryAfterMs: 5_000 } }, 5_000],
    [{ retryAfterMs: 7_000, details: { retryAfterMs: 5_000 } }, 7_000],
    [{ details: null }, undefined],
    [{ retryAfterMs: 0 }, undefined],
    [{ retryAfterMs: -5 }, undefined],
    [{ retryAfterMs: '30000' }, undefined],
    [{}, undefined],
    [null, undefined],
    [undefined, undefined],
    ['retry later', undefined],
  ])('%j -> %s', (err, ms) => {
    expect(retryAfterOf(err)).toBe(ms);
  });
});
