import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../../../src/connection/connection.js';
import { isStreamClientError } from '../../../src/core/errors.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { HandshakeIO, Protocol } from '../../../src/protocol/types.js';
import { connectionHarness } from '../../helpers/connection-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const TOKEN = 'tok-1-abcdef';
/** The first token is accepted; any later one goes unanswered. */
const peer = { auth: (t: string) => (t === TOKEN ? ('ok' as const) : ('ignore' as const)) };

function withoutReauth(): Protocol {
  const { reauth: _, ...rest } = jsonProtocol();
  return rest;
}

function auths(frames: readonly unknown[]): unknown[] {
  return frames.map((f) => JSON.parse(String(f)) as { op: string; token?: string }).filter((m) => m.op === 'auth');
}

describe('in-band re-auth (fake time)', () => {
  it('unanswered: the socket is given up exactly handshakeTimeoutMs later; with no retry left, the cause is HANDSHAKE_TIMEOUT', async () => {
    const h = connectionHarness({ token: TOKEN, peer, reconnect: { maxAttempts: 0 } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    let result: boolean | undefined;
    void h.connection.reauth('tok-2-abcdef').then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(999);
    expect(h.connection.state).toBe('open');
    expect(h.tasks.names()).toEqual(['connection.reauth-timeout']);
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toBe(false);
    expect(h.connection.state).toBe('failed');
    expect(h.changes.at(-1)).toMatchObject({ from: 'open', to: 'failed', reason: 'max-attempts' });
    expect(h.errors.map((e) => e.code)).toEqual(['MAX_ATTEMPTS']);
    const cause = h.errors[0]!.cause;
    expect(isStreamClientError(cause, 'HANDSHAKE_TIMEOUT')).toBe(true);
    expect((cause as Error).message).toBe('no answer to re-auth');
    expect(h.tasks.size).toBe(0);
  });

  it('a second re-auth while one is in flight sends nothing and resolves false; the first still completes', async () => {
    const h = connectionHarness({ token: TOKEN, peer });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = h.connection.reauth('tok-2-abcdef');
    await vi.advanceTimersByTimeAsync(0);
    await expect(h.connection.reauth('tok-3-abcdef')).resolves.toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(auths(h.network.last()!.received)).toEqual([
      { op: 'auth', token: TOKEN },
      { op: 'auth', token: 'tok-2-abcdef' },
    ]);
    h.network.last()!.send(JSON.stringify({ op: 'auth_ok' }));
    await vi.advanceTimersByTimeAsync(0);
    await expect(first).resolves.toBe(true);
    expect(h.counters.reauths).toBe(1);
    expect((h.hooks.ready as ReturnType<typeof vi.fn>).mock.calls[0]![0].token).toBe('tok-2-abcdef');
    await h.connection.close();
  });

  it('not open: resolves false and sends nothing', async () => {
    const h = connectionHarness({ token: TOKEN, peer, network: { autoAccept: false } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('connecting');
    await expect(h.connection.reauth('tok-2-abcdef')).resolves.toBe(false);
    expect(h.tasks.names()).not.toContain('connection.reauth-timeout');
    await h.connection.close();
  });

  it('a protocol without in-band re-auth: nothing is sent, false, and the session carries the new token from now on', async () => {
    const h = connectionHarness({ token: TOKEN, peer, connection: { protocol: withoutReauth() } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const session = (h.hooks.ready as ReturnType<typeof vi.fn>).mock.calls[0]![0] as Session;
    expect(session.token).toBe(TOKEN);
    await expect(h.connection.reauth('tok-2-abcdef')).resolves.toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(auths(h.network.last()!.received)).toEqual([{ op: 'auth', token: TOKEN }]);
    expect(session.token).toBe('tok-2-abcdef');
    expect(h.counters.reauths).toBe(0);
    await h.connection.close();
  });

  it('a re-auth that completes after its session was lost changes nothing: false, not counted', async () => {
    // A protocol whose re-auth ignores the abort and resolves 100 ms later, whatever happened.
    const reauth = (io: HandshakeIO): Promise<void> => {
      io.send(JSON.stringify({ op: 'auth', token: io.token }));
      return new Promise((resolve) => setTimeout(resolve, 100));
    };
    const h = connectionHarness({ token: TOKEN, peer, connection: { protocol: { ...jsonProtocol(), reauth } } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    let result: boolean | undefined;
    void h.connection.reauth('tok-2-abcdef').then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(0);
    h.network.last()!.drop();
    await vi.advanceTimersByTimeAsync(100);
    expect(result).toBe(false);
    expect(h.counters.reauths).toBe(0);
    expect(h.records.filter((r) => r['event'] === 'auth.reauth')).toEqual([]);
    await h.connection.close();
  });
});
