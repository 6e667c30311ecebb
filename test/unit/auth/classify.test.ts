import { describe, expect, it } from 'vitest';
import { classifyFailure, failureCode, isFatalTokenError, readTokenResult } from '../../../src/auth/classify.js';
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
    expect(classifyFailure(new Error('x'), () => { throw new Error('bug'); })).toBe('fatal');
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
