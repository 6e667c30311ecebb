import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamClient } from '../../../src/index.js';
import { createMemoryNetwork } from '../../../src/testing/memory.js';
import { pendingTimers } from '../../../src/testing/index.js';
import { speakJson } from '../../helpers/memory-json.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('pendingTimers (steadystream/testing)', () => {
  it("names a client's pending timers, oldest first, and is empty once close() has finished", async () => {
    const network = createMemoryNetwork({ onConnection: (peer) => speakJson(peer) });
    const client = new StreamClient({
      url: 'ws://memory.test/',
      WebSocket: network.WebSocket as never,
      heartbeat: { intervalMs: 1_000, timeoutMs: 500 },
      stale: { afterMs: 2_000 },
    });
    expect(pendingTimers(client)).toEqual([]);
    client.subscribe('A', () => {});
    await client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(pendingTimers(client)).toEqual(['stale.sweep', 'heartbeat.check']);
    expect(pendingTimers(client)).toHaveLength(vi.getTimerCount());
    await client.close();
    expect(pendingTimers(client)).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is not part of the client: the public type has no timer members, and anything else is refused', () => {
    const client = new StreamClient({ url: 'ws://memory.test/', WebSocket: createMemoryNetwork().WebSocket as never });
    expect('pendingTimers' in client).toBe(false);
    expect('pendingTimerNames' in client).toBe(false);
    expect(() => pendingTimers({})).toThrow(new TypeError('pendingTimers() takes a StreamClient'));
    void client.close();
  });
});
