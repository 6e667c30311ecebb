import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamClient, type StateChange, type StreamClientError } from '../../../src/index.js';
import { createMemoryNetwork } from '../../../src/testing/memory.js';
import { speakJson } from '../../helpers/memory-json.js';
import { httpError } from '../../helpers/auth.js';
import { pendingTimers } from '../../../src/testing/index.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/**
 * A client whose token service answers `outcome(now)`: a token, or an error to throw. The
 * server accepts `token-*` tokens; reconnects wait 100, 200, 400 … ms (no jitter); a refresh
 * cycle gives up after 2 attempts 100 ms apart.
 */
function setup(outcome: (now: number) => Error | undefined | null) {
  const network = createMemoryNetwork({ onConnection: (peer) => speakJson(peer) });
  let n = 0;
  const fetchToken = vi.fn(async () => {
    const e = outcome(Date.now());
    if (e instanceof Error) throw e;
    if (e === null) return null as never; // a fetchToken that forgot its `return`
    return { token: `token-${++n}`, expiresInMs: 3_600_000 };
  });
  const client = new StreamClient({
    url: 'ws://memory.test/',
    WebSocket: network.WebSocket as never,
    random: () => 0.5,
    heartbeat: false,
    reconnect: { initialDelayMs: 100, maxDelayMs: 10_000, factor: 2, jitter: 'none', resetAfterMs: 60_000, quickRetryMs: 0 },
    auth: { fetchToken, retry: { initialDelayMs: 200, maxDelayMs: 200, maxAttempts: 2, jitter: 'full' } },
  });
  const states: StateChange[] = [];
  const errors: StreamClientError[] = [];
  client.on('state', (s) => states.push(s));
  client.on('error', (e) => errors.push(e));
  return { network, client, fetchToken, states, errors };
}

describe('a token service outage during a reconnect', () => {
  it('a 2 s outage overlapping a reconnect keeps the client reconnecting, and it opens by itself when the service returns', async () => {
    const DOWN_FROM = 1_000;
    const UP_AT = 3_000;
    const t = setup((now) => (now >= DOWN_FROM && now < UP_AT ? httpError(503) : undefined));
    await t.client.start();
    await vi.advanceTimersByTimeAsync(DOWN_FROM);
    t.network.last()!.close(4401, 'token revoked'); // forces a fresh token while the service is down
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.client.state).toBe('open');
    expect(t.states.map((s) => s.to)).not.toContain('failed');
    expect(t.errors).toEqual([]);
    // Down 1000–3000: cycles of 2 failed fetches at 1100/1200, 1400/1500, 1900/2000, 2800/2900
    // (reconnects 100, 200, 400, 800 ms apart), then the reconnect at 4500 gets a token.
    const reconnects = t.states.filter((s) => s.to === 'reconnecting');
    expect(reconnects.map((s) => [s.reason, s.delayMs])).toEqual([
      ['close:4401', 100],
      ['token-unavailable', 200],
      ['token-unavailable', 400],
      ['token-unavailable', 800],
      ['token-unavailable', 1_600],
    ]);
    expect(t.states.at(-1)).toMatchObject({ to: 'open' });
    expect(t.client.metrics()).toMatchObject({
      connects: 2,
      authRejections: 1,
      tokenRefreshes: 2,
      tokenRefreshFailures: 8,
      connectAttempts: 6,
      connectFailures: 4,
    });
    expect(t.fetchToken).toHaveBeenCalledTimes(10);
    await t.client.close();
    expect(pendingTimers(t.client)).toEqual([]);
  });

  it('a token service refusing the credentials (401) during a reconnect ends in failed with AUTH_FAILED', async () => {
    const t = setup((now) => (now >= 1_000 ? httpError(401) : undefined));
    await t.client.start();
    await vi.advanceTimersByTimeAsync(1_000);
    t.network.last()!.close(4401, 'token revoked');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.client.state).toBe('failed');
    expect(t.errors.map((e) => [e.code, e.details])).toEqual([['AUTH_FAILED', { attempts: 1, fatal: true }]]);
    expect(t.fetchToken).toHaveBeenCalledTimes(2);
    await t.client.close();
  });

  it('fetchToken resolving null fails at once as malformed: one call, failed, no retry', async () => {
    const t = setup(() => null);
    const started = t.client.start().catch((e: unknown) => e as StreamClientError);
    await vi.advanceTimersByTimeAsync(10_000);
    const err = await started;
    expect(err).toMatchObject({ code: 'AUTH_FAILED', details: { attempts: 1, fatal: true } });
    expect(err?.message).toBe(
      'token service refused: AuthError: fetchToken returned a malformed result: expected an object { token, expiresAt | expiresInMs }',
    );
    expect(t.client.state).toBe('failed');
    expect(t.fetchToken).toHaveBeenCalledTimes(1);
    expect(t.client.metrics().tokenRefreshFailures).toBe(1);
    await t.client.close();
  });

  it('health() before the first token reports no expiry instead of throwing', () => {
    const t = setup(() => undefined);
    expect(t.client.health()).toMatchObject({ state: 'idle', connected: false, tokenExpiresAt: undefined });
  });
});
