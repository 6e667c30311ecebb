import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamClient } from '../../../src/index.js';
import { createMemoryNetwork } from '../../../src/testing/memory.js';
import { speakJson } from '../../helpers/memory-json.js';

afterEach(() => vi.useRealTimers());

// A user's fake timers that leave `performance` alone (jest/vitest `toFake` lists without it, as
// many older suites have): durations must follow the faked clock the timers run on, or every
// silence check sees ~0 ms pass and nothing ever goes stale or times out.
describe('fake timers that fake Date but not performance', () => {
  for (const when of ['before', 'after'] as const)
    it(`the heartbeat probes and the stale event come on fake time (fakes installed ${when} the client is made)`, async () => {
      const fake = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      if (when === 'before') fake();
      const network = createMemoryNetwork({ onConnection: (peer) => speakJson(peer) });
      const client = new StreamClient({
        url: 'ws://memory.test/',
        WebSocket: network.WebSocket as never,
        reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 'none' },
        heartbeat: { intervalMs: 1_000, timeoutMs: 500 },
        stale: { afterMs: 2_000 },
      });
      if (when === 'after') fake(); // steady time stays continuous across the switch: no jump to epoch ms
      const stale: number[] = [];
      const t0 = Date.now();
      client.subscribe('A', () => {}, { onStale: () => stale.push(Date.now() - t0) });
      const started = client.start();
      await vi.advanceTimersByTimeAsync(0);
      await started;
      network.last()!.silent = true;
      await vi.advanceTimersByTimeAsync(1_000);
      expect(client.metrics().heartbeatProbes).toBe(1);
      await vi.advanceTimersByTimeAsync(1_500);
      expect(stale).toEqual([2_000]);
      expect(client.metrics().heartbeatTimeouts).toBe(1);
      const closed = client.close();
      await vi.advanceTimersByTimeAsync(1_000);
      await closed;
    });
});
