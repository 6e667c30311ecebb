import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamClient, type StateChange } from '../../../src/index.js';
import { createMemoryNetwork } from '../../../src/testing/memory.js';
import { speakJson } from '../../helpers/memory-json.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('a backward wall-clock step (fake timers)', () => {
  it('-1 h at the moment the server goes silent: the probe, the heartbeat timeout and the stale event still come on time', async () => {
    const network = createMemoryNetwork({ onConnection: (peer) => speakJson(peer) });
    const client = new StreamClient({
      url: 'ws://memory.test/',
      WebSocket: network.WebSocket as never,
      random: () => 0.5,
      reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 'none', quickRetryMs: 0 },
      heartbeat: { intervalMs: 1_000, timeoutMs: 500 },
      stale: { afterMs: 2_000 },
    });
    const changes: StateChange[] = [];
    client.on('state', (c) => changes.push(c));
    const stale: number[] = [];
    const t0 = performance.now();
    client.subscribe('A', () => {}, { onStale: () => stale.push(performance.now() - t0) });
    await client.start();
    await vi.advanceTimersByTimeAsync(0);
    const peer = network.last()!;
    peer.send(JSON.stringify({ op: 'data', topic: 'A', seq: 1, data: 1 }));
    await vi.advanceTimersByTimeAsync(0);
    peer.silent = true;
    vi.setSystemTime(Date.now() - 3_600_000); // NTP steps the wall clock back one hour
    await vi.advanceTimersByTimeAsync(999);
    expect(client.metrics().heartbeatProbes).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(client.metrics().heartbeatProbes).toBe(1); // probed after exactly intervalMs of silence
    await vi.advanceTimersByTimeAsync(501); // timeoutMs + one I/O turn
    expect(changes.at(-1)).toMatchObject({ to: 'reconnecting', reason: 'heartbeat-timeout' });
    await vi.advanceTimersByTimeAsync(999);
    expect(stale).toHaveLength(1);
    expect(stale[0]).toBeGreaterThanOrEqual(2_000);
    expect(stale[0]).toBeLessThanOrEqual(2_500);
    expect(client.health().lastMessageAt).toBe(Date.now() - 2_500); // shown in the (new) wall time
    const closed = client.close();
    await vi.advanceTimersByTimeAsync(1_000);
    await closed;
  });
});
