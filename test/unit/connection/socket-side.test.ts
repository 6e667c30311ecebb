import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../../../src/connection/connection.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { HandshakeIO, Protocol } from '../../../src/protocol/types.js';
import { connectionHarness } from '../../helpers/connection-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function sent(frames: readonly unknown[]): unknown[] {
  return frames.map((f) => JSON.parse(String(f)) as unknown);
}

describe("the connection's side of its socket (fake time, in-memory network)", () => {
  it('a token rejection on the open socket, with no re-auth running: the auth part judges the session token', async () => {
    const authRejected = vi.fn(() => 'fatal' as const);
    const h = connectionHarness({ token: 'tok-1-abcdef', authRejected });
    void h.connection.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    peer.send(JSON.stringify({ op: 'auth_ok' })); // unsolicited: nothing to answer, ignored
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('open');
    peer.send(JSON.stringify({ op: 'auth_error', code: 'expired' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(authRejected).toHaveBeenCalledTimes(1);
    expect(authRejected).toHaveBeenCalledWith('tok-1-abcdef');
    expect(h.changes.at(-1)).toMatchObject({ from: 'open', to: 'failed', reason: 'auth-rejected' });
    expect(h.errors.map((e) => [e.code, e.message])).toEqual([['AUTH_REJECTED', 'server rejected the token (expired)']]);
    expect(h.messages).toEqual([]);
    await h.connection.close();
  });

  it("a server ping is answered with the protocol's reply and counted; pongs and retry hints never reach the hooks", async () => {
    const h = connectionHarness();
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    const out = h.counters.messagesOut;
    peer.send(JSON.stringify({ op: 'ping', t: 5 }));
    peer.send(JSON.stringify({ op: 'pong', t: 6 }));
    peer.send(JSON.stringify({ op: 'retry', afterMs: 10 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent(peer.received)).toEqual([{ op: 'pong', t: 5 }]);
    expect(h.counters.messagesOut).toBe(out + 1);
    expect(h.counters.messagesIn).toBe(3);
    expect(h.messages).toEqual([]);
    expect(h.connection.state).toBe('open');
    await h.connection.close();
  });

  it('a handshake that does not read: the 65th control frame is a PROTOCOL_ERROR, reported, logged, and the socket given up', async () => {
    const stuck: Protocol = { ...jsonProtocol(), handshake: (_io: HandshakeIO) => new Promise<void>(() => {}) };
    const h = connectionHarness({ connection: { protocol: stuck } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('authenticating');
    const peer = h.network.last()!;
    for (let i = 0; i < 64; i++) peer.send(JSON.stringify({ op: 'unsubscribed', topic: `T${i}` }));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('authenticating');
    expect(h.errors).toEqual([]);
    peer.send(JSON.stringify({ op: 'unsubscribed', topic: 'T64' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.changes.at(-1)).toMatchObject({ from: 'authenticating', to: 'reconnecting', reason: 'protocol-error' });
    expect(h.errors.map((e) => [e.code, e.message])).toEqual([['PROTOCOL_ERROR', 'more than 64 control frames before the handshake completed']]);
    expect(h.records.filter((r) => r['event'] === 'connection.error')).toEqual([
      expect.objectContaining({ protocol: 'json', err: expect.objectContaining({ code: 'PROTOCOL_ERROR' }) }),
    ]);
    await h.connection.close();
  });

  it("the heartbeat probes with the protocol's ping when the socket has none, counted and logged", async () => {
    const h = connectionHarness({ connection: { heartbeat: { intervalMs: 1_000, timeoutMs: 500 } } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    peer.silent = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.counters.heartbeatProbes).toBe(1);
    expect(sent(peer.received)).toEqual([{ op: 'ping', t: Date.now() }]);
    expect(h.records.filter((r) => r['event'] === 'connection.heartbeat')).toEqual([expect.objectContaining({ probe: 1 })]);
    await h.connection.close();
  });

  it('a passive protocol is never probed: silence for interval + timeout alone is death (HEARTBEAT_TIMEOUT)', async () => {
    const passive: Protocol = { ...jsonProtocol(), liveness: 'passive' };
    const h = connectionHarness({ connection: { protocol: passive, heartbeat: { intervalMs: 1_000, timeoutMs: 500 } }, reconnect: { maxAttempts: 0 } });
    void h.connection.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    await vi.advanceTimersByTimeAsync(1_501);
    expect(h.counters.heartbeatProbes).toBe(0);
    expect(peer.received).toEqual([]);
    expect(h.counters.heartbeatTimeouts).toBe(1);
    expect(h.changes.at(-1)).toMatchObject({ from: 'open', to: 'failed' });
    expect(h.errors[0]?.cause).toMatchObject({ code: 'HEARTBEAT_TIMEOUT', message: 'no frame within the heartbeat timeout' });
  });

  it('a session outlives its socket harmlessly: sends are dropped uncounted, nothing buffered, the new session writes to the new socket', async () => {
    const h = connectionHarness({ token: 'tok-1-abcdef' });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = vi.mocked(h.hooks.ready).mock.calls[0]![0] as Session & { readonly bufferedAmount: number };
    expect(first.token).toBe('tok-1-abcdef');
    first.send('{"op":"hello"}');
    expect(h.counters.messagesOut).toBe(2);
    await vi.advanceTimersByTimeAsync(0);
    h.network.last()!.drop();
    await vi.advanceTimersByTimeAsync(0);
    first.send('{"op":"late"}');
    expect(h.counters.messagesOut).toBe(2);
    expect(first.bufferedAmount).toBe(0);
    expect(first.token).toBeUndefined();
    await vi.advanceTimersByTimeAsync(100);
    const second = vi.mocked(h.hooks.ready).mock.calls[1]![0] as Session;
    second.send('{"op":"again"}');
    first.send('{"op":"late"}');
    await vi.advanceTimersByTimeAsync(0);
    expect(sent(h.network.peers[0]!.received)).toEqual([{ op: 'auth', token: 'tok-1-abcdef' }, { op: 'hello' }]);
    expect(sent(h.network.peers[1]!.received)).toEqual([{ op: 'auth', token: 'tok-1-abcdef' }, { op: 'again' }]);
    await h.connection.close();
  });
  it('a frame that cannot be decoded: DECODE_ERROR naming only the parser error type, logged with its size; the socket stays', async () => {
    const h = connectionHarness();
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    h.network.last()!.send('{"op": tok-abcdefg');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.errors.map((e) => [e.code, e.message])).toEqual([['DECODE_ERROR', 'cannot decode frame: SyntaxError']]);
    expect(h.records.filter((r) => r['event'] === 'decode.error')).toEqual([
      expect.objectContaining({ protocol: 'json', bytes: 18, err: expect.objectContaining({ code: 'DECODE_ERROR' }) }),
    ]);
    expect(h.counters.decodeErrors).toBe(1);
    expect(h.connection.state).toBe('open');
    await h.connection.close();
  });

  it('a binary frame over maxFrameBytes is measured in bytes: FRAME_TOO_LARGE with the bound in details and the log', async () => {
    const h = connectionHarness({ connection: { maxFrameBytes: 8 } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    peer.send(new TextEncoder().encode('{"op":1}')); // 8 bytes: at the bound, decoded (and refused by the protocol)
    await vi.advanceTimersByTimeAsync(0);
    expect(h.errors.map((e) => e.code)).toEqual(['DECODE_ERROR']);
    peer.send(new Uint8Array(9));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.errors.map((e) => [e.code, e.message, e.details])).toEqual([
      ['DECODE_ERROR', expect.any(String), undefined],
      ['FRAME_TOO_LARGE', 'inbound frame larger than maxFrameBytes (8)', { maxFrameBytes: 8 }],
    ]);
    expect(h.records.filter((r) => r['event'] === 'connection.error')).toEqual([expect.objectContaining({ reason: 'frame-too-large', maxFrameBytes: 8 })]);
    expect(h.changes.at(-1)).toMatchObject({ from: 'open', to: 'reconnecting', reason: 'frame-too-large' });
    await h.connection.close();
  });

  it('a protocol that decodes one frame into several messages: each is routed, in order; an ignore and a ping without reply go nowhere', async () => {
    const { decodeInto: _, ...json } = jsonProtocol();
    const several: Protocol = {
      ...json,
      decode: (frame) =>
        String(frame) === 'two'
          ? [{ type: 'subscribed', topic: 'A' }, { type: 'data', topic: 'A', data: 1, seq: 1 }, { type: 'ignore' }, { type: 'ping' }]
          : json.decode(frame),
    };
    const h = connectionHarness({ connection: { protocol: several } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const out = h.counters.messagesOut;
    h.network.last()!.send('two');
    await vi.advanceTimersByTimeAsync(0);
    // Data goes to the sink (with its receive time); an 'ignore' and a ping with no reply go nowhere.
    expect(h.messages).toEqual([
      { type: 'subscribed', topic: 'A' },
      { type: 'data', topic: 'A', key: undefined, data: 1, seq: 1, receivedAt: Date.now() },
    ]);
    expect(h.counters.messagesOut).toBe(out);
    expect(h.network.last()!.received).toHaveLength(0);
    await h.connection.close();
  });

  it('a hook that throws while a frame is handled is an internal error of the current socket: given up and retried', async () => {
    const h = connectionHarness();
    h.hooks.message = () => {
      throw new TypeError('listener bug');
    };
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    h.network.last()!.send(JSON.stringify({ op: 'unsubscribed', topic: 'A' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.changes.at(-1)).toMatchObject({ from: 'open', to: 'reconnecting', reason: 'internal-error' });
    expect(h.errors.map((e) => [e.code, e.message])).toEqual([['CONNECTION_FAILED', 'internal error in the connection: TypeError: listener bug']]);
    await h.connection.close();
  });
  it('a protocol with no ping: a probe sends nothing, and the silence is still death', async () => {
    const { ping: _, ...noPing } = jsonProtocol();
    const h = connectionHarness({ connection: { protocol: noPing, heartbeat: { intervalMs: 1_000, timeoutMs: 500 } } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.counters.heartbeatProbes).toBe(1);
    expect(peer.received).toEqual([]);
    expect(h.errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(501);
    expect(h.changes.find((c) => c.to === 'reconnecting')).toMatchObject({ from: 'open', reason: 'heartbeat-timeout' });
    await h.connection.close();
  });

  it('a state listener that throws as the socket opens: an internal error, and the socket is given up at once', async () => {
    const h = connectionHarness();
    const transition = h.hooks.transition;
    h.hooks.transition = (c) => {
      transition(c);
      if (c.to === 'authenticating') throw new TypeError('listener bug');
    };
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.changes.find((c) => c.to === 'reconnecting')).toMatchObject({ from: 'authenticating', reason: 'internal-error' });
    expect(h.errors.map((e) => [e.code, e.message])).toEqual([['CONNECTION_FAILED', 'internal error in the connection: TypeError: listener bug']]);
    await h.connection.close();
  });

  for (const end of ['close', 'reject'] as const) {
    it(`a state listener that throws on the loss a socket ${end} causes: reported, and the loss stands`, async () => {
      const h = connectionHarness({ network: { autoAccept: false } });
      const transition = h.hooks.transition;
      h.hooks.transition = (c) => {
        transition(c);
        if (c.to === 'reconnecting') throw new TypeError('listener bug');
      };
      void h.connection.start();
      await vi.advanceTimersByTimeAsync(0);
      if (end === 'close') h.network.last()!.close(1011, 'busy');
      else h.network.last()!.reject();
      await vi.advanceTimersByTimeAsync(0);
      expect(h.connection.state).toBe('reconnecting');
      expect(h.changes.filter((c) => c.to === 'reconnecting')).toHaveLength(1);
      expect(h.errors.map((e) => [e.code, e.message])).toEqual([['CONNECTION_FAILED', 'internal error in the connection: TypeError: listener bug']]);
      await h.connection.close();
    });
  }
});
