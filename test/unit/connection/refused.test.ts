import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MemoryPeer } from '../../../src/testing/memory.js';
import { connectionHarness } from '../../helpers/connection-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

// A refusal (the socket fails before opening, with no answer, within 50 ms of being made: nothing
// listens) is retried under downMaxDelayMs; anything else keeps the full backoff. With jitter
// 'none' and downMaxDelayMs 200, a refused first retry waits 200 / 4 = 50 ms, any other 1,000 ms.
const RECONNECT = { initialDelayMs: 1_000, maxDelayMs: 8_000, downMaxDelayMs: 200, jitter: 'none' } as const;

/** Start a connection whose first socket `fail`s `afterMs` after it was made; the delay of the retry. */
async function firstRetryDelay(fail: (peer: MemoryPeer) => void, afterMs: number): Promise<number | undefined> {
  const h = connectionHarness({ reconnect: RECONNECT, network: { autoAccept: false } });
  void h.connection.start().catch(() => {});
  await vi.advanceTimersByTimeAsync(0);
  await vi.advanceTimersByTimeAsync(afterMs);
  fail(h.network.last()!);
  await vi.advanceTimersByTimeAsync(0);
  const retry = h.changes.find((c) => c.to === 'reconnecting');
  await h.connection.close();
  return retry?.delayMs;
}

describe('refused vs answered (in-memory network, fake time)', () => {
  it('a socket that errors at once (connection refused) is retried on the short down cap', async () => {
    expect(await firstRetryDelay((p) => p.reject(), 0)).toBe(50);
  });

  it('a socket dropped (1006, no error) at once is a refusal too', async () => {
    expect(await firstRetryDelay((p) => p.drop(), 0)).toBe(50);
  });

  it('49 ms is still a refusal; from 50 ms on, a failure keeps the full backoff', async () => {
    expect(await firstRetryDelay((p) => p.reject(), 49)).toBe(50);
    expect(await firstRetryDelay((p) => p.reject(), 50)).toBe(1_000);
  });

  it('a close with a code (an answer from the server) keeps the full backoff, however soon', async () => {
    expect(await firstRetryDelay((p) => p.close(1011, 'busy'), 0)).toBe(1_000);
  });
});
