import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamClient, type StateChange } from '../../../src/index.js';
import { kisProtocol } from '../../../src/protocol/kis/index.js';
import { createMemoryNetwork, type MemoryPeer } from '../../../src/testing/memory.js';
import { speakJson } from '../../helpers/memory-json.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** KIS's reply when the app key already has a session: null tr_id, rt_cd "9"; then KIS closes. */
const OPSP8996 = '{"header":{"tr_id":"(null)","tr_key":"","encrypt":"N"},"body":{"rt_cd":"9","msg_cd":"OPSP8996","msg1":"ALREADY IN USE appkey"}}';

function recorder() {
  const records: Record<string, unknown>[] = [];
  const push = (o: object): void => void records.push(o as Record<string, unknown>);
  return { records, logger: { debug: push, info: push, warn: push, error: push } };
}

describe('server retry hints with default options (fake timers)', () => {
  it('a 60 s retry hint is waited in full (jittered, never shorter), although maxDelayMs is 8 s', async () => {
    for (const r of [0, 0.5, 0.999]) {
      let first = true;
      const network = createMemoryNetwork({
        onConnection: (peer) => {
          speakJson(peer);
          if (!first) return;
          first = false;
          queueMicrotask(() => {
            peer.send(JSON.stringify({ op: 'retry', afterMs: 60_000 }));
            peer.close(1013, 'overloaded');
          });
        },
      });
      const changes: StateChange[] = [];
      const client = new StreamClient({ url: 'ws://memory.test/', WebSocket: network.WebSocket as never, random: () => r });
      client.on('state', (c) => changes.push(c));
      void client.start().catch(() => {});
      await vi.advanceTimersByTimeAsync(0);
      const reconnecting = changes.find((c) => c.to === 'reconnecting')!;
      const expected = Math.ceil(60_000 * (1 + 0.2 * r));
      expect(reconnecting).toMatchObject({ reason: 'close:1013', attempt: 1, delayMs: expected, hintMs: 60_000 });
      await vi.advanceTimersByTimeAsync(expected - 1);
      expect(network.peers).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(network.peers).toHaveLength(2);
      expect(client.state).toBe('open');
      const closed = client.close();
      await vi.advanceTimersByTimeAsync(1_000);
      await closed;
    }
  });

  it('KIS OPSP8996 (ALREADY IN USE appkey) with default options: waits the 60 s hint, says so, then resubscribes', async () => {
    let sessions = 0;
    const subscribes: number[] = [];
    const network = createMemoryNetwork({
      onConnection: (peer: MemoryPeer) => {
        const session = ++sessions;
        peer.onFrame = (frame) => {
          const req = JSON.parse(String(frame)) as { header?: { tr_type?: string }; body?: { input?: { tr_id?: string; tr_key?: string } } };
          if (req.header?.tr_type !== '1') return;
          subscribes.push(session);
          if (session === 1) {
            peer.send(OPSP8996);
            peer.close(1000, '');
            return;
          }
          const { tr_id, tr_key } = req.body!.input!;
          peer.send(JSON.stringify({ header: { tr_id, tr_key, encrypt: 'N' }, body: { rt_cd: '0', msg_cd: 'OPSP0000', msg1: 'SUBSCRIBE SUCCESS' } }));
        };
      },
    });
    const { records, logger } = recorder();
    const changes: StateChange[] = [];
    const client = new StreamClient({
      url: 'ws://memory.test/',
      WebSocket: network.WebSocket as never,
      protocol: kisProtocol(),
      auth: { fetchToken: async () => ({ token: 'approval-key-0123456789', expiresAt: Date.now() + 86_400_000 }) },
      logger,
    });
    client.on('state', (c) => changes.push(c));
    client.subscribe('H0STCNT0:005930', () => {});
    await client.start();
    await vi.advanceTimersByTimeAsync(200); // the paced subscribe goes out and is answered with OPSP8996
    const reconnecting = changes.find((c) => c.to === 'reconnecting')!;
    expect(reconnecting.hintMs).toBe(60_000);
    expect(reconnecting.delayMs).toBeGreaterThanOrEqual(60_000);
    expect(reconnecting.delayMs).toBeLessThan(72_000);
    expect(records.find((r) => r['event'] === 'connection.state' && r['to'] === 'reconnecting')).toMatchObject({
      hintMs: 60_000,
      delayMs: reconnecting.delayMs,
    });
    await vi.advanceTimersByTimeAsync(reconnecting.delayMs! - 300);
    expect(sessions).toBe(1); // no reconnect in between
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sessions).toBe(2);
    expect(subscribes).toEqual([1, 2]); // the subscription resumed once
    expect(client.state).toBe('open');
    const closed = client.close();
    await vi.advanceTimersByTimeAsync(1_000);
    await closed;
  });
});
