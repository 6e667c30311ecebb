import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectionHarness } from '../../helpers/connection-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('pong replies', () => {
  it('each pong the client writes is counted in messagesOut', async () => {
    const h = connectionHarness({ connection: { heartbeat: false } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    const before = h.counters.messagesOut;
    const sentBefore = peer.received.length;
    for (let t = 1; t <= 3; t++) peer.send(JSON.stringify({ op: 'ping', t }));
    await vi.advanceTimersByTimeAsync(0);
    expect(peer.received.slice(sentBefore).map(String)).toEqual(['{"op":"pong","t":1}', '{"op":"pong","t":2}', '{"op":"pong","t":3}']);
    expect(h.counters.messagesOut - before).toBe(3);
    await h.connection.close();
  });
});
