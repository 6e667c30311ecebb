import { describe, expect, it } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { KIS_IN_USE_RETRY_MS, KIS_LIMITS, kisProtocol } from '../../../src/protocol/kis/index.js';
import type { KisQuote, KisRawRecord, KisTrade } from '../../../src/protocol/kis/index.js';
import type { Inbound } from '../../../src/protocol/types.js';
import { dataFrame, pingFrame, recordText, replyFrame } from '../../../src/testing/kis/wire.js';

const KEY = 'a'.repeat(36);
const req = (topic: string) => ({ key: topic, topic, params: undefined });
const list = (r: ReturnType<ReturnType<typeof kisProtocol>['decode']>): Inbound[] =>
  r === undefined ? [] : 'type' in r ? [r as Inbound] : [...(r as readonly Inbound[])];

function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('kisProtocol: requests', () => {
  it('encodes subscribe and unsubscribe with the approval key, custtype and tr_id/tr_key', () => {
    const p = kisProtocol();
    expect(JSON.parse(p.subscribe(req('H0STCNT0:005930'), { token: KEY }) as string)).toEqual({
      header: { approval_key: KEY, custtype: 'P', tr_type: '1', 'content-type': 'utf-8' },
      body: { input: { tr_id: 'H0STCNT0', tr_key: '005930' } },
    });
    const unsub = JSON.parse(kisProtocol({ custtype: 'B' }).unsubscribe(req('H0STASP0:000660'), { token: KEY }) as string);
    expect(unsub.header).toMatchObject({ tr_type: '2', custtype: 'B', approval_key: KEY });
    expect(unsub.body.input).toEqual({ tr_id: 'H0STASP0', tr_key: '000660' });
  });

  it('declares the KIS limits, no resume, and refuses topics that are not tr_id:tr_key', () => {
    const p = kisProtocol();
    expect(p.limits).toEqual({ maxSubscriptions: 41, subscribeIntervalMs: 100, ackTimeoutMs: 5_000 });
    expect(KIS_LIMITS.maxSubscriptions).toBe(41);
    expect(p.resumable).toBe(false);
    for (const bad of ['005930', ':005930', 'H0STCNT0:']) expect(() => p.subscribe(req(bad), { token: KEY })).toThrow(TypeError);
    expect(
      isStreamClientError(
        thrownBy(() => p.subscribe(req('H0STCNT0:005930'), { token: undefined })),
        'PROTOCOL_ERROR',
      ),
    ).toBe(true);
    expect(p.unsubscribe(req('H0STCNT0:005930'), { token: undefined })).toBeUndefined();
    expect(() => kisProtocol({ custtype: 'X' as never })).toThrow(/custtype/);
  });
});

describe('kisProtocol: control replies', () => {
  const p = kisProtocol();
  const reply = (code: string, rt: '0' | '1' = '0') => list(p.decode(replyFrame('H0STCNT0', '005930', rt, code, 'msg')));

  it('maps subscribe success and ALREADY IN SUBSCRIBE to subscribed', () => {
    expect(reply('OPSP0000')).toEqual([{ type: 'subscribed', topic: 'H0STCNT0:005930' }]);
    expect(reply('OPSP0002', '1')).toEqual([{ type: 'subscribed', topic: 'H0STCNT0:005930' }]);
  });

  it('maps unsubscribe success and unsubscribe of an unknown key to unsubscribed', () => {
    expect(reply('OPSP0001')).toEqual([{ type: 'unsubscribed', topic: 'H0STCNT0:005930' }]);
    expect(reply('OPSP0003', '1')).toEqual([{ type: 'unsubscribed', topic: 'H0STCNT0:005930' }]);
  });

  it('maps MAX SUBSCRIBE OVER to a limit error on the topic', () => {
    expect(reply('OPSP0008', '1')).toEqual([{ type: 'error', topic: 'H0STCNT0:005930', code: 'OPSP0008', message: 'msg', kind: 'limit' }]);
  });

  it('maps an invalid approval key to auth-rejected first, then the topic error of kind auth', () => {
    const out = reply('OPSP0011', '1');
    expect(out[0]).toEqual({ type: 'auth-rejected', reason: 'invalid', message: 'msg' });
    expect(out[1]).toMatchObject({ type: 'error', topic: 'H0STCNT0:005930', kind: 'auth', code: 'OPSP0011' });
  });

  it('a long msg1 is cut at a word boundary: an approval key echoed across the 200-character bound is dropped whole, not cut', () => {
    const key = '3f2b9c1e-7a4d-4e8b-9c2f-1a2b3c4d5e6f';
    const words = 'x '.repeat(95); // 190 characters, then the key crosses the bound
    const out = list(p.decode(replyFrame('H0STCNT0', '005930', '1', 'OPSP0099', `${words}${key} invalid`)));
    expect(out).toEqual([{ type: 'error', topic: 'H0STCNT0:005930', code: 'OPSP0099', message: `${words.trimEnd()}…`, kind: 'rejected' }]);
  });

  it('maps ALREADY IN USE appkey to a long retry hint', () => {
    expect(reply('OPSP8996', '1')).toEqual([{ type: 'retry', afterMs: KIS_IN_USE_RETRY_MS }]);
    expect(KIS_IN_USE_RETRY_MS).toBe(60_000);
  });

  it('ignores unknown successes and rejects unknown failures', () => {
    expect(reply('OPSP0099', '0')).toEqual([{ type: 'ignore' }]);
    expect(reply('OPSP0099', '1')).toEqual([{ type: 'error', topic: 'H0STCNT0:005930', code: 'OPSP0099', message: 'msg', kind: 'rejected' }]);
  });

  it('echoes PINGPONG verbatim, as text or bytes', () => {
    const ping = pingFrame(new Date(Date.UTC(2025, 0, 2, 3, 4, 5)));
    expect(ping).toBe('{"header":{"tr_id":"PINGPONG","datetime":"20250102030405"}}');
    expect(p.decode(ping)).toEqual({ type: 'ping', reply: ping });
    expect(p.decode(new TextEncoder().encode(ping))).toEqual({ type: 'ping', reply: ping });
  });

  it('throws DECODE_ERROR for frames that are neither data nor a JSON control', () => {
    for (const bad of ['hello', '{not json', '{"body":{}}', '2|H0STCNT0|001|x', '0|H0STCNT0']) {
      expect(
        isStreamClientError(
          thrownBy(() => p.decode(bad)),
          'DECODE_ERROR',
        ),
        bad,
      ).toBe(true);
    }
  });
});

describe('kisProtocol: data frames', () => {
  it('decodes a multi-record H0STCNT0 frame into one typed data message per record, routed by symbol', () => {
    const p = kisProtocol();
    const body = [
      recordText('H0STCNT0', '005930', { price: 71_000, change: 500, changeRate: 0.71, volume: 10, tradeVolume: 3, time: '090001' }),
      recordText('H0STCNT0', '005930', { price: 70_900, change: 400, changeRate: 0.57, volume: 11 }),
      recordText('H0STCNT0', '000660', { price: 120_000, change: -1_000, changeRate: -0.83 }),
    ].join('^');
    const out = list(p.decode(dataFrame('H0STCNT0', body, 3)));
    expect(out.map((m) => m.type === 'data' && m.topic)).toEqual(['H0STCNT0:005930', 'H0STCNT0:005930', 'H0STCNT0:000660']);
    const first = (out[0] as { data: KisTrade }).data;
    expect(first).toMatchObject({
      trId: 'H0STCNT0',
      symbol: '005930',
      time: '090001',
      price: 71_000,
      change: 500,
      changeRate: 0.71,
      changeSign: '2',
      tradeVolume: 3,
      volume: 10,
    });
    expect(first.fields).toHaveLength(46);
    expect((out[2] as { data: KisTrade }).data).toMatchObject({ symbol: '000660', change: -1_000, changeSign: '5' });
  });

  it('decodes H0STASP0 quotes with 10 levels a side', () => {
    const out = list(kisProtocol().decode(dataFrame('H0STASP0', recordText('H0STASP0', '005930', { price: 70_000, volume: 9 }), 1)));
    const q = out[0] as { topic: string; data: KisQuote };
    expect(q.topic).toBe('H0STASP0:005930');
    expect(q.data.asks).toHaveLength(10);
    expect(q.data.asks[0]).toBe(70_100);
    expect(q.data.bids[0]).toBe(70_000);
    expect(q.data).toMatchObject({ totalAskSize: 550, totalBidSize: 1100, volume: 9 });
    expect(q.data.fields).toHaveLength(59);
  });

  it('decodes tr_ids without a layout into raw records, and uses layouts given in trIds', () => {
    const raw = list(kisProtocol().decode('0|H0STCNI0|002|A^1^2^B^3^4'));
    expect(raw.map((m) => (m as { data: KisRawRecord }).data)).toEqual([
      { trId: 'H0STCNI0', symbol: 'A', fields: ['A', '1', '2'] },
      { trId: 'H0STCNI0', symbol: 'B', fields: ['B', '3', '4'] },
    ]);
    const custom = kisProtocol({ trIds: { H0STCNI0: { fieldCount: 3, parse: (f) => ({ n: Number(f[1]) + Number(f[2]) }) } } });
    expect(list(custom.decode('0|H0STCNI0|001|A^1^2'))).toEqual([{ type: 'data', topic: 'H0STCNI0:A', data: { n: 3 } }]);
    const keyed = kisProtocol({ trIds: { H0STCNI0: { fieldCount: 3, parse: (f) => f[2], trKey: (f) => f[1] ?? '' } } });
    expect(list(keyed.decode('0|H0STCNI0|001|A^htsid^x'))).toEqual([{ type: 'data', topic: 'H0STCNI0:htsid', data: 'x' }]);
    expect(() => kisProtocol({ trIds: { X: { fieldCount: 0, parse: (f) => f } } })).toThrow(/fieldCount/);
  });

  it('refuses a body whose field count does not fit the record count', () => {
    const p = kisProtocol();
    const short = recordText('H0STCNT0', '005930', {}).split('^').slice(0, 40).join('^');
    expect(
      isStreamClientError(
        thrownBy(() => p.decode(dataFrame('H0STCNT0', short, 1))),
        'DECODE_ERROR',
      ),
    ).toBe(true);
    expect(
      isStreamClientError(
        thrownBy(() => p.decode('0|H0STCNI0|002|a^b^c')),
        'DECODE_ERROR',
      ),
    ).toBe(true);
    expect(
      isStreamClientError(
        thrownBy(() => p.decode('0|H0STCNI0|000|a')),
        'DECODE_ERROR',
      ),
    ).toBe(true);
  });

  it('accepts a layout widened by the server (fields appended to every record)', () => {
    const wide = `${recordText('H0STASP0', '005930', {})}^1^2^3^4`;
    const out = list(kisProtocol().decode(dataFrame('H0STASP0', `${wide}^${wide}`, 2)));
    expect(out).toHaveLength(2);
    expect((out[1] as { data: KisQuote }).data.fields).toHaveLength(63);
  });

  it('decrypts encrypted frames with the key/iv of the subscribe reply, and forgets them on reset', () => {
    const p = kisProtocol();
    const aes = { key: 'k'.repeat(32), iv: 'i'.repeat(16) };
    p.subscribe(req('H0STCNT0:005930'), { token: KEY });
    p.decode(replyFrame('H0STCNT0', '005930', '0', 'OPSP0000', 'SUBSCRIBE SUCCESS', aes));
    const frame = dataFrame('H0STCNT0', recordText('H0STCNT0', '005930', { price: 123 }), 1, aes);
    expect(frame.startsWith('1|H0STCNT0|001|')).toBe(true);
    expect(list(p.decode(frame))[0]).toMatchObject({ type: 'data', topic: 'H0STCNT0:005930', data: { price: 123 } });
    p.reset?.();
    expect(
      isStreamClientError(
        thrownBy(() => p.decode(frame)),
        'DECODE_ERROR',
      ),
    ).toBe(true);
  });

  it('tries every key of the tr_id when several symbols got different keys', () => {
    const p = kisProtocol();
    const a = { key: 'A'.repeat(32), iv: 'a'.repeat(16) };
    const b = { key: 'B'.repeat(32), iv: 'b'.repeat(16) };
    p.subscribe(req('H0STCNT0:005930'), { token: KEY });
    p.subscribe(req('H0STCNT0:000660'), { token: KEY });
    p.decode(replyFrame('H0STCNT0', '005930', '0', 'OPSP0000', 'ok', a));
    p.decode(replyFrame('H0STCNT0', '000660', '0', 'OPSP0000', 'ok', b));
    const older = dataFrame('H0STCNT0', recordText('H0STCNT0', '005930', { price: 1 }), 1, a);
    expect(list(p.decode(older))[0]).toMatchObject({ topic: 'H0STCNT0:005930', data: { price: 1 } });
  });
});
