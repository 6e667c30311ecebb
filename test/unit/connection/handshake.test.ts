import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { HandshakeIO, Protocol } from '../../../src/protocol/types.js';
import { connectionHarness } from '../../helpers/connection-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const TOKEN = 'tok-1-abcdef';

/**
 * jsonProtocol whose first handshake (or re-auth) ignores its abort and settles 2 s later, as
 * `outcome` says; every later one is jsonProtocol's own.
 */
function lateFirst(which: 'handshake' | 'reauth', outcome: 'resolve' | 'throw'): Protocol {
  const json = jsonProtocol();
  let calls = 0;
  const slow = (io: HandshakeIO): Promise<void> => {
    if (++calls > 1) return json.handshake!(io);
    io.send(JSON.stringify({ op: 'auth', token: io.token }));
    return new Promise((resolve, reject) => setTimeout(() => (outcome === 'resolve' ? resolve() : reject(new Error('late'))), 2_000));
  };
  return { ...json, [which]: slow };
}

describe('the handshake and the re-auth (fake time, in-memory network)', () => {
  it('frames that came in with the ack are delivered once open, in order', async () => {
    const h = connectionHarness({ token: TOKEN, peer: { auth: () => 'ignore' } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    peer.send(JSON.stringify({ op: 'auth_ok' }));
    peer.send(JSON.stringify({ op: 'data', topic: 'A', seq: 1, data: 1 }));
    peer.send(JSON.stringify({ op: 'subscribed', topic: 'B' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('open');
    expect(h.messages).toEqual([expect.objectContaining({ type: 'data', topic: 'A', seq: 1 }), { type: 'subscribed', topic: 'B' }]);
    await h.connection.close();
  });

  it('a loss while those frames are delivered stops the rest', async () => {
    const h = connectionHarness({ token: TOKEN, peer: { auth: () => 'ignore' } });
    h.sink.onData = () => h.connection.offline();
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    peer.send(JSON.stringify({ op: 'auth_ok' }));
    peer.send(JSON.stringify({ op: 'data', topic: 'A', seq: 1, data: 1 }));
    peer.send(JSON.stringify({ op: 'data', topic: 'A', seq: 2, data: 2 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.messages).toEqual([expect.objectContaining({ type: 'data', topic: 'A', seq: 1 })]);
    expect(h.changes.at(-1)).toMatchObject({ from: 'open', to: 'reconnecting', reason: 'offline' });
    await h.connection.close();
  });

  for (const outcome of ['resolve', 'throw'] as const) {
    it(`a superseded handshake that settles late (${outcome}) leaves the next session alone`, async () => {
      const h = connectionHarness({ token: TOKEN, connection: { protocol: lateFirst('handshake', outcome) } });
      void h.connection.start();
      await vi.advanceTimersByTimeAsync(1_000); // handshake timeout: the first attempt is given up
      await vi.advanceTimersByTimeAsync(100); // the retry opens
      expect(h.connection.state).toBe('open');
      const transitions = h.changes.length;
      await vi.advanceTimersByTimeAsync(1_000); // the first handshake settles
      expect(h.connection.state).toBe('open');
      expect(h.changes).toHaveLength(transitions);
      expect(h.hooks.ready).toHaveBeenCalledTimes(1);
      expect(h.errors).toEqual([]);
      expect(h.network.live()).toHaveLength(1);
      await h.connection.close();
    });
  }

  it('a re-auth of a lost session that fails late leaves the next session alone', async () => {
    const h = connectionHarness({ token: TOKEN, connection: { protocol: lateFirst('reauth', 'throw') } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    let result: boolean | undefined;
    void h.connection.reauth('tok-2-abcdef').then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(0);
    h.network.last()!.drop();
    await vi.advanceTimersByTimeAsync(100);
    expect(h.connection.state).toBe('open');
    const transitions = h.changes.length;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(result).toBe(false);
    expect(h.connection.state).toBe('open');
    expect(h.changes).toHaveLength(transitions);
    await h.connection.close();
  });

  it('after an accepted re-auth no re-auth timer is left, and the next re-auth runs', async () => {
    const h = connectionHarness({ token: TOKEN });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    await expect(h.connection.reauth('tok-2-abcdef')).resolves.toBe(true);
    expect(h.tasks.names()).toEqual([]);
    await expect(h.connection.reauth('tok-3-abcdef')).resolves.toBe(true);
    const auths = h.network
      .last()!
      .received.map((f) => JSON.parse(String(f)) as { token?: string })
      .map((m) => m.token);
    expect(auths).toEqual([TOKEN, 'tok-2-abcdef', 'tok-3-abcdef']);
    expect(h.counters.reauths).toBe(2);
    await h.connection.close();
  });
});
