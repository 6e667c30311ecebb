import { describe, expect, it, vi } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { Frame, HandshakeIO, Inbound } from '../../../src/protocol/types.js';

const p = jsonProtocol();

function decodeError(frame: string): string {
  try {
    p.decode(frame);
  } catch (err) {
    if (isStreamClientError(err, 'DECODE_ERROR')) return err.message;
    throw err;
  }
  throw new Error(`decoded: ${frame}`);
}

function handshakeIO(token: string | undefined, inbound: Inbound[]) {
  const sent: Frame[] = [];
  const io: HandshakeIO = {
    token,
    signal: new AbortController().signal,
    send: (f) => void sent.push(f),
    next: async () => inbound.shift() ?? new Promise<Inbound>(() => {}),
  };
  return { io, sent };
}

describe('jsonProtocol: what an application sees of each frame', () => {
  it('is named json (or as configured) and resumable', () => {
    // Made inside the test, so a mutation run counts it (a module-level protocol is static coverage).
    const fresh = jsonProtocol();
    expect(fresh.name).toBe('json');
    expect(jsonProtocol({ name: 'feed' }).name).toBe('feed');
    expect(fresh.resumable).toBe(true);
  });

  it('data and acks without a seq carry no seq key at all', () => {
    const fresh = jsonProtocol();
    expect(fresh.decode('{"op":"data","topic":"A","data":1}')).toStrictEqual({ type: 'data', topic: 'A', data: 1 });
    expect(fresh.decode('{"op":"subscribed","topic":"A"}')).toStrictEqual({ type: 'subscribed', topic: 'A' });
  });

  it('decodes refusals exactly: limit vs rejected, defaults for a missing code or message, no kind without a topic', () => {
    expect(p.decode('{"op":"error","topic":"A","code":"limit","message":"too many"}')).toEqual({
      type: 'error',
      topic: 'A',
      code: 'limit',
      message: 'too many',
      kind: 'limit',
    });
    expect(p.decode('{"op":"error","topic":"A","code":"forbidden","message":"no"}')).toEqual({
      type: 'error',
      topic: 'A',
      code: 'forbidden',
      message: 'no',
      kind: 'rejected',
    });
    expect(p.decode('{"op":"error","topic":"A","code":5,"message":7}')).toEqual({ type: 'error', topic: 'A', code: 'error', message: '', kind: 'rejected' });
    expect(p.decode('{"op":"error","code":"overloaded","message":"later"}')).toEqual({ type: 'error', code: 'overloaded', message: 'later' });
    expect(p.decode('{"op":"error","topic":3}')).toEqual({ type: 'error', code: 'error', message: '' });
  });

  it('decodes an auth refusal: expired or invalid, with its message only when it is a string', () => {
    expect(p.decode('{"op":"auth_error","code":"expired","message":"too old"}')).toEqual({ type: 'auth-rejected', reason: 'expired', message: 'too old' });
    expect(p.decode('{"op":"auth_error","code":"bad"}')).toEqual({ type: 'auth-rejected', reason: 'invalid' });
    expect(p.decode('{"op":"auth_error","message":5}')).toEqual({ type: 'auth-rejected', reason: 'invalid' });
  });

  it('an ack, data or unsubscribed frame without a string topic is malformed, naming the op', () => {
    expect(decodeError('{"op":"subscribed"}')).toBe('unknown or malformed frame (op: "subscribed")');
    expect(decodeError('{"op":"unsubscribed","topic":1}')).toBe('unknown or malformed frame (op: "unsubscribed")');
    expect(decodeError('{"op":"data","topic":null,"data":1}')).toBe('unknown or malformed frame (op: "data")');
    expect(decodeError('{"op":"retry","afterMs":"5"}')).toBe('unknown or malformed frame (op: "retry")');
  });

  it('names an unknown op whole up to 32 characters, by length beyond (a secret is never cut), by type otherwise', () => {
    const op32 = 'x'.repeat(32);
    expect(decodeError(`{"op":"${op32}"}`)).toBe(`unknown or malformed frame (op: "${op32}")`);
    expect(decodeError(`{"op":"${'s'.repeat(33)}"}`)).toBe('unknown or malformed frame (op: a 33-character string)');
    expect(decodeError('{"op":7}')).toBe('unknown or malformed frame (op: number)');
    expect(decodeError('{}')).toBe('unknown or malformed frame (op: undefined)');
    expect(decodeError('[1]')).toBe('unknown or malformed frame (op: undefined)');
  });

  it('a frame that is JSON but not an object is a DECODE_ERROR saying so', () => {
    for (const frame of ['null', '5', '"data"', 'true']) expect(decodeError(frame)).toBe('frame is not a JSON object');
  });

  it('an invalid seq is reported with its value and the op', () => {
    expect(decodeError('{"op":"data","topic":"A","seq":-1,"data":1}')).toBe('"data" frame with an invalid seq (-1): expected a safe non-negative integer');
    expect(decodeError('{"op":"subscribed","topic":"A","seq":null}')).toBe(
      '"subscribed" frame with an invalid seq (null): expected a safe non-negative integer',
    );
    expect(decodeError('{"op":"data","topic":"A","seq":"7","data":1}')).toBe('"data" frame with an invalid seq (string): expected a safe non-negative integer');
  });

  it('decodeInto hands data straight to the sink (topic, no key, data, seq, the receive time it was given) and returns other messages as decode does', () => {
    const calls: unknown[][] = [];
    const sink = { data: (...args: unknown[]) => void calls.push(args) };
    expect(p.decodeInto!('{"op":"data","topic":"A","seq":4,"data":{"p":1}}', sink, 1_000)).toBeUndefined();
    expect(p.decodeInto!('{"op":"data","topic":"B","data":2}', sink, 1_005)).toBeUndefined();
    expect(calls).toEqual([
      ['A', undefined, { p: 1 }, 4, 1_000],
      ['B', undefined, 2, undefined, 1_005],
    ]);
    expect(p.decodeInto!('{"op":"subscribed","topic":"A","seq":3}', sink, 1_010)).toEqual({ type: 'subscribed', topic: 'A', seq: 3 });
  });

  it('pings with the current time and answers a ping with its t', () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_234_567);
    try {
      expect(jsonProtocol().ping!()).toBe('{"op":"ping","t":1234567}');
    } finally {
      vi.useRealTimers();
    }
    expect(p.decode('{"op":"ping"}')).toEqual({ type: 'ping', reply: '{"op":"pong"}' });
  });

  it('encodes a resume position of 0 and a params value of null', () => {
    expect(p.subscribe({ key: 'k', topic: 'A', params: null, from: 0 }, { token: undefined })).toBe('{"op":"subscribe","topic":"A","params":null,"from":0}');
  });

  describe('handshake', () => {
    it('without a token sends nothing and succeeds', async () => {
      const { io, sent } = handshakeIO(undefined, []);
      await p.handshake!(io);
      expect(sent).toEqual([]);
    });

    it('sends the token, skips pings and retry hints, succeeds on auth_ok', async () => {
      const { io, sent } = handshakeIO('tk', [{ type: 'ping', reply: 'x' }, { type: 'retry', afterMs: 5 }, { type: 'auth-ok' }]);
      await p.handshake!(io);
      expect(sent).toEqual(['{"op":"auth","token":"tk"}']);
    });

    it('a refusal is AUTH_REJECTED with the reason, and the token is not in the error', async () => {
      const { io } = handshakeIO('tk-secret', [{ type: 'auth-rejected', reason: 'expired' }]);
      const err = await p.reauth!(io).catch((e: unknown) => e);
      expect(isStreamClientError(err, 'AUTH_REJECTED')).toBe(true);
      expect(err).toMatchObject({ message: 'server rejected the token (expired)', details: { reason: 'expired' } });
      expect(JSON.stringify({ ...(err as object), m: (err as Error).message })).not.toContain('tk-secret');
    });
  });
});
