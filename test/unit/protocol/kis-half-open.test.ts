import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamClient, type StateChange } from '../../../src/index.js';
import { kisProtocol } from '../../../src/protocol/kis/index.js';
import { createMemoryNetwork, type MemoryPeer } from '../../../src/testing/memory.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const KEY = 'a1b2c3d4-e5f6-7a8b-9c0d-e1f2a3b4c5d6';
const OPSP8996 = '{"header":{"tr_id":"(null)","tr_key":"","encrypt":"N"},"body":{"rt_cd":"9","msg_cd":"OPSP8996","msg1":"ALREADY IN USE appkey"}}';
const HOLD_MS = 30_000;

describe('KIS half-open drop with default options (fake timers, memory network)', () => {
  it('reconnects, meets OPSP8996 while the server holds the old session 30 s, waits >= 60 s without reconnecting, then resumes every subscription once', async () => {
    let holder: MemoryPeer | undefined;
    let heldUntil = 0;
    const acks: { peer: number; topic: string }[] = [];
    let inUseAt: number | undefined;
    let lastSentAt = 0;
    const network = createMemoryNetwork({
      onConnection: (peer) => {
        const id = network.peers.length;
        peer.onFrame = (frame) => {
          if (peer.silent) return; // half-open: nothing reaches the server
          const m = JSON.parse(String(frame)) as { header: { tr_type: string; tr_id?: string }; body?: { input: { tr_id: string; tr_key: string } } };
          if (m.header.tr_id === 'PINGPONG' || !m.body) return;
          if (holder !== undefined && holder !== peer && Date.now() < heldUntil) {
            inUseAt ??= Date.now();
            peer.send(OPSP8996);
            return peer.close(1000, 'ALREADY IN USE appkey');
          }
          holder = peer;
          const { tr_id, tr_key } = m.body.input;
          if (m.header.tr_type === '1') acks.push({ peer: id, topic: `${tr_id}:${tr_key}` });
          lastSentAt = Date.now();
          peer.send(
            JSON.stringify({
              header: { tr_id, tr_key, encrypt: 'N' },
              body: { rt_cd: '0', msg_cd: m.header.tr_type === '1' ? 'OPSP0000' : 'OPSP0001', msg1: 'OK' },
            }),
          );
        };
      },
    });
    const client = new StreamClient({
      url: 'ws://memory.test/',
      WebSocket: network.WebSocket as never,
      protocol: kisProtocol(),
      auth: { fetchToken: async () => ({ token: KEY, expiresInMs: 86_400_000 }) },
    });
    const changes: (StateChange & { at: number })[] = [];
    client.on('state', (c) => changes.push({ ...c, at: Date.now() }));
    const topics = ['H0STCNT0:005930', 'H0STCNT0:000660', 'H0STASP0:005930'];
    for (const t of topics) client.subscribe(t, () => {});
    void client.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(acks).toHaveLength(3);

    const t0 = Date.now();
    holder!.silent = true; // the path dies; the server keeps the session
    heldUntil = t0 + HOLD_MS;
    // A keep-alive every 10 s would have arrived; none does now.
    await vi.advanceTimersByTimeAsync(HOLD_MS);
    expect(inUseAt).toBeDefined();
    const dead = changes.find((c) => c.reason === 'heartbeat-timeout')!;
    expect(dead.at - lastSentAt).toBe(25_001); // 15 s + 10 s of silence (no probe on KIS), decided one I/O turn (1 ms of fake time) later
    const backoff = changes.filter((c) => c.to === 'reconnecting' && c.at >= inUseAt!);
    expect(backoff).toHaveLength(1);
    expect(backoff[0]!.delayMs).toBeGreaterThanOrEqual(60_000);
    expect(backoff[0]!.delayMs).toBeLessThan(72_000);
    const peersAfterKick = network.peers.length;
    await vi.advanceTimersByTimeAsync(inUseAt! + backoff[0]!.delayMs! - 1 - Date.now());
    expect(network.peers).toHaveLength(peersAfterKick); // nothing in between
    await vi.advanceTimersByTimeAsync(2_000);
    expect(network.peers).toHaveLength(peersAfterKick + 1);
    const resumed = acks.slice(3);
    expect(resumed.map((a) => a.topic).sort()).toEqual([...topics].sort());
    expect(new Set(resumed.map((a) => a.peer))).toEqual(new Set([peersAfterKick + 1]));
    const closed = client.close();
    await vi.advanceTimersByTimeAsync(1_000);
    await closed;
  });
});
