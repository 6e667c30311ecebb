import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamClient, type StreamClientError } from '../../../src/index.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import { createMemoryNetwork } from '../../../src/testing/memory.js';
import { speakJson } from '../../helpers/memory-json.js';
import { trapUncaught } from '../../helpers/raw-ws.js';

// A throw inside a timer callback escapes to the process (uncaught exception): fake timers
// rethrow it from advanceTimersByTimeAsync. User listeners and user protocols reached from the
// client's own timers (deadlines, subscribe retries) must be contained like socket callbacks.

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('throws reached from the client timers', () => {
  for (const which of ['connect', 'handshake'] as const) {
    it(`a state listener that throws on the ${which} timeout's reconnecting is reported, and the reconnect goes on`, async () => {
      const network = createMemoryNetwork({ autoAccept: which === 'handshake' }); // handshake: the server never answers auth
      const client = new StreamClient({
        url: 'ws://memory.test/',
        WebSocket: network.WebSocket as never,
        auth: { fetchToken: async () => ({ token: 'tok-timer-1', expiresAt: Date.now() + 3_600_000 }) },
        connectTimeoutMs: 1_000,
        handshakeTimeoutMs: 1_000,
        reconnect: { initialDelayMs: 100, maxDelayMs: 100 },
      });
      const errors: StreamClientError[] = [];
      client.on('error', (e) => errors.push(e));
      let thrown = 0;
      client.on('state', (c) => {
        if (c.to === 'reconnecting' && thrown++ === 0) throw new Error('listener bug');
      });
      void client.start().catch(() => {});
      await vi.advanceTimersByTimeAsync(1_000);
      expect(client.state).toBe('reconnecting');
      expect(errors.map((e) => e.message)).toEqual(['internal error in the connection: Error: listener bug']);
      await vi.advanceTimersByTimeAsync(100);
      expect(network.peers).toHaveLength(2);
      const closed = client.close();
      await vi.advanceTimersByTimeAsync(1_000);
      await closed;
      expect(vi.getTimerCount()).toBe(0);
    });
  }

  it('a refused in-band re-auth whose reconnecting meets a throwing state listener: reported, no unhandled rejection', async () => {
    const trap = trapUncaught();
    try {
      let n = 0;
      const network = createMemoryNetwork({ onConnection: (peer) => speakJson(peer, { auth: (t) => (t === 'tok-reauth-1' ? 'ok' : 'invalid') }) });
      const client = new StreamClient({
        url: 'ws://memory.test/',
        WebSocket: network.WebSocket as never,
        auth: { fetchToken: async () => ({ token: `tok-reauth-${++n}`, expiresAt: Date.now() + 1_000_000 }), refreshBeforeMs: 300_000 },
        random: () => 0,
      });
      const errors: StreamClientError[] = [];
      client.on('error', (e) => errors.push(e));
      let thrown = 0;
      client.on('state', (c) => {
        if (c.to === 'reconnecting' && thrown++ === 0) throw new Error('listener bug');
      });
      await client.start();
      await vi.advanceTimersByTimeAsync(700_000); // the proactive refresh: re-auth with tok-reauth-2, refused
      expect(n).toBe(2);
      expect(thrown).toBe(1);
      expect(errors.map((e) => e.message)).toEqual(['internal error in the connection: Error: listener bug']);
      const closed = client.close();
      await vi.advanceTimersByTimeAsync(1_000);
      await closed;
      vi.useRealTimers();
      await new Promise((resolve) => setImmediate(resolve)); // one turn: an unhandled rejection is reported by now
      expect(trap.errors).toEqual([]);
    } finally {
      trap.release();
    }
  });

  it('a protocol whose unsubscribe throws: the re-send after an ack timeout fails that subscription (SUBSCRIPTION_REJECTED), nothing escapes', async () => {
    const network = createMemoryNetwork({ onConnection: (peer) => speakJson(peer, { ack: false }) });
    const protocol = {
      ...jsonProtocol(),
      unsubscribe: (): never => {
        throw new RangeError('unsubscribe encoder broken');
      },
    };
    const client = new StreamClient({ url: 'ws://memory.test/', WebSocket: network.WebSocket as never, protocol, subscriptions: { ackTimeoutMs: 1_000 } });
    const errors: StreamClientError[] = [];
    const sub = client.subscribe('A', () => {}, { onError: (e) => errors.push(e) });
    const ready = sub.ready.catch((e: unknown) => e);
    void client.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(1_000); // ack timeout: a retry is scheduled
    await vi.advanceTimersByTimeAsync(2_000); // the retry re-sends: unsubscribe first
    expect(errors.map((e) => `${e.code}: ${e.message}`)).toEqual(['SUBSCRIPTION_REJECTED: protocol refused to encode "A"']);
    expect(await ready).toBe(errors[0]);
    expect(client.metrics().subscribes).toBe(1);
    const closed = client.close();
    await vi.advanceTimersByTimeAsync(1_000);
    await closed;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a protocol whose unsubscribe throws: sub.unsubscribe() does not throw and leaves nothing behind', async () => {
    const network = createMemoryNetwork({ onConnection: (peer) => speakJson(peer) });
    const protocol = {
      ...jsonProtocol(),
      unsubscribe: (): never => {
        throw new RangeError('unsubscribe encoder broken');
      },
    };
    const client = new StreamClient({ url: 'ws://memory.test/', WebSocket: network.WebSocket as never, protocol });
    const sub = client.subscribe('A', () => {});
    void client.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(sub.state).toBe('active');
    expect(() => sub.unsubscribe()).not.toThrow();
    expect(client.health().topics).toMatchObject({ active: 0, pending: 0 });
    const closed = client.close();
    await vi.advanceTimersByTimeAsync(1_000);
    await closed;
    expect(vi.getTimerCount()).toBe(0);
  });
});
