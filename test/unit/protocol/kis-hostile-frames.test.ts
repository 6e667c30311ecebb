import { describe, expect, it } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { kisProtocol, type KisTrade } from '../../../src/protocol/kis/index.js';
import type { Inbound } from '../../../src/protocol/types.js';
import { dataFrame, recordText, replyFrame } from '../../../src/testing/kis/wire.js';

const KEY = 'a'.repeat(36);
const req = (topic: string) => ({ key: topic, topic, params: undefined });
const list = (r: ReturnType<ReturnType<typeof kisProtocol>['decode']>): Inbound[] =>
  r === undefined ? [] : 'type' in r ? [r as Inbound] : [...(r as readonly Inbound[])];
const trade = (price: number) => recordText('H0STCNT0', '005930', { price });

/** The error `f` throws, which must be a DECODE_ERROR. */
function decodeError(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    expect(isStreamClientError(e, 'DECODE_ERROR')).toBe(true);
    return e as Error;
  }
  throw new Error('expected a DECODE_ERROR, nothing was thrown');
}

describe('kisProtocol under hostile frames', () => {
  it('refuses a record count that is not 1-3 digits (0, 1000, non-digits, blanks, exponents)', () => {
    const p = kisProtocol();
    for (const nnn of ['000', '0', '1000', 'abc', ' 1', '1e0', '0x1', '-1', '1.0', '']) {
      decodeError(() => p.decode(`0|H0STCNT0|${nnn}|${trade(1)}`));
    }
    expect(list(p.decode(`0|H0STCNT0|1|${trade(1)}`))).toHaveLength(1);
  });

  it('refuses a count smaller or larger than the records present, instead of dropping or inventing records', () => {
    const p = kisProtocol();
    const two = `${trade(1)}^${trade(2)}`;
    expect(decodeError(() => p.decode(`0|H0STCNT0|001|${two}`)).message).toBe('KIS H0STCNT0 frame: 92 fields, expected 46 × 1');
    decodeError(() => p.decode(`0|H0STCNT0|003|${two}`));
    decodeError(() => p.decode(`0|H0STCNT0|999|${two}`));
    expect(list(p.decode(`0|H0STCNT0|002|${two}`)).map((m) => (m as { data: KisTrade }).data.price)).toEqual([1, 2]);
    // A server that appended fields to a layout still decodes (47 fields, count 1).
    expect(list(p.decode(`0|H0STCNT0|001|${trade(3)}^extra`))).toHaveLength(1);
  });

  it('keeps AES keys only from replies to its own subscribes: unrequested acks cannot evict them', () => {
    const p = kisProtocol();
    const mine = { key: 'M'.repeat(32), iv: 'm'.repeat(16) };
    p.subscribe(req('H0STCNT0:005930'), { token: KEY });
    p.decode(replyFrame('H0STCNT0', '005930', '0', 'OPSP0000', 'ok', mine));
    for (let i = 0; i < 1_000; i++) {
      p.decode(replyFrame('H0STCNT0', String(i).padStart(6, '0'), '0', 'OPSP0000', 'ok', { key: 'X'.repeat(32), iv: 'x'.repeat(16) }));
    }
    const frame = dataFrame('H0STCNT0', trade(7), 1, mine);
    expect(list(p.decode(frame))[0]).toMatchObject({ topic: 'H0STCNT0:005930', data: { price: 7 } });
  });

  it('treats a body-less reply as malformed, not as a refusal of the subscription it names', () => {
    const p = kisProtocol();
    p.subscribe(req('H0STCNT0:005930'), { token: KEY });
    expect(decodeError(() => p.decode(JSON.stringify({ header: { tr_id: 'H0STCNT0', tr_key: '005930' } }))).message).toBe('KIS reply without rt_cd or msg_cd');
    decodeError(() => p.decode(JSON.stringify({ header: { tr_id: '(null)', tr_key: '' }, body: {} })));
    // The ledger was not consumed: a later "(null)" refusal still answers the subscribe.
    expect(list(p.decode(replyFrame('(null)', '', '1', 'OPSP8992', 'invalid tr_key')))).toEqual([
      { type: 'error', topic: 'H0STCNT0:005930', code: 'OPSP8992', message: 'invalid tr_key', kind: 'rejected' },
    ]);
  });

  it('reads numeric fields as plain decimals: empty, "-", blanks, hex, exponents and Infinity are NaN', () => {
    const p = kisProtocol();
    const fields = trade(1).split('^');
    const cases: [string, number][] = [
      ['', NaN],
      ['-', NaN],
      [' ', NaN],
      ['0x10', NaN],
      ['1e3', NaN],
      ['Infinity', NaN],
      ['abc', NaN],
      ['1.2.3', NaN],
      ['71000', 71_000],
      ['-500', -500],
      ['+1.25', 1.25],
      ['99999999999999999999', 1e20],
    ];
    for (const [text, expected] of cases) {
      fields[2] = text;
      const rec = (list(p.decode(`0|H0STCNT0|001|${fields.join('^')}`))[0] as { data: KisTrade }).data;
      expect([text, rec.price]).toEqual([text, expected]);
      expect(rec.fields[2]).toBe(text);
    }
  });
});
