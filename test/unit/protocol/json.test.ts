import { describe, expect, it } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import { defaultCloseKind, retryAfterFromReason } from '../../../src/protocol/close-codes.js';

const p = jsonProtocol();

describe('jsonProtocol', () => {
  it('encodes subscribe with params and resume position, and unsubscribe', () => {
    expect(p.subscribe({ key: 'k', topic: 'AAPL', params: { a: 1 }, from: 42 }, { token: undefined })).toBe(
      '{"op":"subscribe","topic":"AAPL","params":{"a":1},"from":42}',
    );
    expect(p.subscribe({ key: 'k', topic: 'AAPL', params: undefined }, { token: undefined })).toBe('{"op":"subscribe","topic":"AAPL"}');
    expect(p.unsubscribe({ key: 'k', topic: 'AAPL', params: undefined }, { token: undefined })).toBe('{"op":"unsubscribe","topic":"AAPL"}');
  });

  it('decodes every server frame of the wire format', () => {
    expect(p.decode('{"op":"data","topic":"A","seq":3,"data":{"p":1}}')).toEqual({ type: 'data', topic: 'A', seq: 3, data: { p: 1 } });
    expect(p.decode('{"op":"data","topic":"A","data":1}')).toEqual({ type: 'data', topic: 'A', data: 1 });
    expect(p.decode('{"op":"subscribed","topic":"A"}')).toEqual({ type: 'subscribed', topic: 'A' });
    expect(p.decode('{"op":"unsubscribed","topic":"A"}')).toEqual({ type: 'unsubscribed', topic: 'A' });
    expect(p.decode('{"op":"error","topic":"A","code":"limit","message":"m"}')).toMatchObject({ type: 'error', kind: 'limit' });
    expect(p.decode('{"op":"ping","t":5}')).toEqual({ type: 'ping', reply: '{"op":"pong","t":5}' });
    expect(p.decode('{"op":"auth_ok"}')).toEqual({ type: 'auth-ok' });
    expect(p.decode('{"op":"auth_error","code":"expired"}')).toEqual({ type: 'auth-rejected', reason: 'expired' });
    expect(p.decode('{"op":"retry","afterMs":5000}')).toEqual({ type: 'retry', afterMs: 5000 });
    expect(p.decode(new TextEncoder().encode('{"op":"pong"}'))).toEqual({ type: 'pong' });
  });

  it('a seq that is not a safe non-negative integer makes data and acks a DECODE_ERROR, on both decode paths', () => {
    const sink = { data: (): void => void calls++ };
    let calls = 0;
    for (const seq of ['1e999', '-1e999', '9007199254740992', '-1', '2.5', '"7"', 'null', 'true', '{}']) {
      for (const frame of [`{"op":"data","topic":"A","seq":${seq},"data":1}`, `{"op":"subscribed","topic":"A","seq":${seq}}`]) {
        for (const decode of [() => p.decode(frame), () => p.decodeInto!(frame, sink, 0)]) {
          let thrown: unknown;
          try {
            decode();
          } catch (err) {
            thrown = err;
          }
          expect(isStreamClientError(thrown) && thrown.code, frame).toBe('DECODE_ERROR');
        }
      }
    }
    expect(calls).toBe(0);
    expect(p.decode('{"op":"data","topic":"A","seq":9007199254740991,"data":1}')).toMatchObject({ seq: 9007199254740991 });
    expect(p.decode('{"op":"subscribed","topic":"A","seq":0}')).toEqual({ type: 'subscribed', topic: 'A', seq: 0 });
  });

  it('throws a typed DECODE_ERROR for malformed or unknown frames', () => {
    for (const bad of ['{"op":"nope"}', '{"op":"data"}', 'null', '{"op":"retry","afterMs":-1}']) {
      let thrown: unknown;
      try {
        p.decode(bad);
      } catch (e) {
        thrown = e;
      }
      expect(isStreamClientError(thrown, 'DECODE_ERROR'), bad).toBe(true);
    }
    expect(() => p.decode('{not json')).toThrow();
  });

  it('a retry hint is a finite number >= 0: 0 means no extra wait; a string, null, negative or 1e999 is a DECODE_ERROR', () => {
    expect(p.decode('{"op":"retry","afterMs":0}')).toEqual({ type: 'retry', afterMs: 0 });
    for (const bad of ['"5000"', 'null', '-1', '1e999', '-1e999', '{}', 'true']) {
      const frame = `{"op":"retry","afterMs":${bad}}`;
      let thrown: unknown;
      try {
        p.decode(frame);
      } catch (e) {
        thrown = e;
      }
      expect(isStreamClientError(thrown, 'DECODE_ERROR'), frame).toBe(true);
    }
  });

  it('classifies close codes and reads retry hints', () => {
    expect(defaultCloseKind(4401, '')).toBe('auth');
    expect(defaultCloseKind(4403, '')).toBe('auth');
    expect(defaultCloseKind(1008, '')).toBe('fatal');
    expect(defaultCloseKind(1006, '')).toBe('retry');
    expect(defaultCloseKind(1013, '')).toBe('retry');
    expect(retryAfterFromReason(1013, 'retry-after=2500')).toBe(2500);
    expect(retryAfterFromReason(1000, 'retry-after=2500')).toBeUndefined();
  });
});
