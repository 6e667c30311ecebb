import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectionHarness } from '../../helpers/connection-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('maxFrameBytes on a WebSocket without maxPayload (checked on receipt)', () => {
  it('a frame over the bound: FRAME_TOO_LARGE, never decoded, reconnect; one at the bound passes', async () => {
    const h = connectionHarness({ connection: { maxFrameBytes: 100, heartbeat: false } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    const atBound = JSON.stringify({ op: 'data', topic: 'A', data: '' }).length;
    peer.send(JSON.stringify({ op: 'data', topic: 'A', data: 'x'.repeat(100 - atBound) })); // exactly 100
    peer.send(JSON.stringify({ op: 'data', topic: 'A', data: 'x'.repeat(101 - atBound) })); // 101
    await vi.advanceTimersByTimeAsync(0);
    expect(h.messages).toHaveLength(1);
    expect(h.errors.map((e) => e.code)).toEqual(['FRAME_TOO_LARGE']);
    expect(h.changes.at(-1)).toMatchObject({ to: 'reconnecting', reason: 'frame-too-large' });
    expect(h.counters.decodeErrors).toBe(0);
    await h.connection.close();
  });
});
