import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConnectionError, StreamClientError, isStreamClientError, type StreamErrorCode } from '../../../src/index.js';

// The type assertions are checked by `tsc --noEmit` (part of `npm test`); the runtime ones by vitest.
describe('isStreamClientError', () => {
  it('narrows err.code to the literal it was asked about', () => {
    const err: unknown = new ConnectionError('MAX_ATTEMPTS', 'gave up after 3 attempts');
    if (!isStreamClientError(err, 'MAX_ATTEMPTS')) throw new Error('expected a MAX_ATTEMPTS error');
    expectTypeOf(err.code).toEqualTypeOf<'MAX_ATTEMPTS'>();
    expectTypeOf(err).toMatchTypeOf<StreamClientError>();
    const code: 'MAX_ATTEMPTS' = err.code;
    expect(code).toBe('MAX_ATTEMPTS');
  });

  it('keeps the whole code union without a code, or with a code only known at run time', () => {
    const err: unknown = new StreamClientError('DECODE_ERROR', 'bad frame');
    if (isStreamClientError(err)) expectTypeOf(err.code).toEqualTypeOf<StreamErrorCode>();
    const wanted = 'DECODE_ERROR' as StreamErrorCode | undefined;
    if (isStreamClientError(err, wanted)) expectTypeOf(err.code).toEqualTypeOf<StreamErrorCode>();
    expect(isStreamClientError(err, wanted)).toBe(true);
  });

  it('answers false for another code, a lookalike without the brand, and non-objects', () => {
    const err = new StreamClientError('DECODE_ERROR', 'bad frame');
    expect(isStreamClientError(err, 'MAX_ATTEMPTS')).toBe(false);
    expect(isStreamClientError({ code: 'MAX_ATTEMPTS', message: 'x' }, 'MAX_ATTEMPTS')).toBe(false);
    expect(isStreamClientError(null)).toBe(false);
    expect(isStreamClientError('MAX_ATTEMPTS', 'MAX_ATTEMPTS')).toBe(false);
  });

  it('recognises an error from another copy of the package by its brand', () => {
    const foreign = Object.assign(new Error('x'), { code: 'MAX_ATTEMPTS', [Symbol.for('steadystream.StreamClientError')]: true });
    expect(isStreamClientError(foreign, 'MAX_ATTEMPTS')).toBe(true);
  });
});
