import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../../src/core/retry-after.js';

// A fixed wall time: HTTP dates are read against it.
const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('parseRetryAfter (an HTTP Retry-After header, RFC 9110 §10.2.3)', () => {
  it('reads delta seconds as ms, whatever the number of digits, around surrounding spaces', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7_000);
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('  30 ', NOW)).toBe(30_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
  });

  it('reads an HTTP date as the ms from now until it', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:45 GMT', NOW)).toBe(45_000);
  });

  it('reads the two obsolete HTTP date formats too (RFC 850, asctime)', () => {
    expect(parseRetryAfter('Thursday, 01-Jan-26 00:00:20 GMT', NOW)).toBe(20_000);
    expect(parseRetryAfter('Thu Jan  1 00:00:20 2026', NOW + new Date(NOW).getTimezoneOffset() * 60_000)).toBe(20_000);
  });

  it('a number that is not whole seconds (a sign, a fraction) is unreadable, not a date', () => {
    for (const v of ['1.5', '-5', '+5', '5e3', '0x10']) expect(parseRetryAfter(v, NOW)).toBeUndefined();
  });

  it('a date without its day name (or with a one- or two-letter one) is not an HTTP date: unreadable', () => {
    for (const v of ['01 Jan 2026 00:00:30 GMT', 'W 01 Jan 2026 00:00:30 GMT', 'Th 01 Jan 2026 00:00:30 GMT']) expect(parseRetryAfter(v, NOW)).toBeUndefined();
  });

  it('a date in the past asks for no wait, never a negative one', () => {
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', NOW)).toBe(0);
  });

  it(`is bounded by ${MAX_RETRY_AFTER_MS} ms, in seconds or as a date: a server cannot park a client for days`, () => {
    expect(MAX_RETRY_AFTER_MS).toBe(600_000);
    expect(parseRetryAfter(String(30 * 86_400), NOW)).toBe(600_000);
    expect(parseRetryAfter('Sat, 03 Jan 2026 00:00:00 GMT', NOW)).toBe(600_000);
    expect(parseRetryAfter('600', NOW)).toBe(600_000);
    expect(parseRetryAfter('599', NOW)).toBe(599_000);
  });

  it('takes the first of repeated headers (Node gives an array)', () => {
    expect(parseRetryAfter(['5', '60'], NOW)).toBe(5_000);
  });

  it('absent, empty or unreadable is undefined, never NaN or 0', () => {
    for (const v of [undefined, null, '', '   ', [], 'soon', '5 seconds', 'NaN']) {
      expect(parseRetryAfter(v as string | readonly string[] | null | undefined, NOW)).toBeUndefined();
    }
  });
});
