import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthError, isStreamClientError } from '../../../src/core/errors.js';
import { connectionHarness } from '../../helpers/connection-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('an attempt: credential, then socket (fake time, in-memory network)', () => {
  it('a credential request that throws a plain error is a transient AUTH_FAILED: reconnect (token-unavailable)', async () => {
    const down = new Error('token service down');
    const h = connectionHarness({ token: () => Promise.reject(down) });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.changes.at(-1)).toMatchObject({ from: 'connecting', to: 'reconnecting', reason: 'token-unavailable' });
    expect(h.network.peers).toHaveLength(0);
    await h.connection.close();
  });

  it('with no retry left, that failure is the cause: AUTH_FAILED "token unavailable: …" keeping the original', async () => {
    const down = new Error('token service down');
    const h = connectionHarness({ token: () => Promise.reject(down), reconnect: { maxAttempts: 0 } });
    void h.connection.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    const cause = h.errors[0]?.cause as AuthError;
    expect(isStreamClientError(cause, 'AUTH_FAILED')).toBe(true);
    expect(cause.message).toBe('token unavailable: Error: token service down');
    expect(cause.cause).toBe(down);
    await h.connection.close();
  });

  it('a token error no retry can fix ends the connection: failed (auth-failed), with that error', async () => {
    const fatal = new AuthError('AUTH_FAILED', 'bad credentials', { details: { fatal: true } });
    const h = connectionHarness({ token: () => Promise.reject(fatal) });
    const started = h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    await expect(started).rejects.toBe(fatal);
    expect(h.changes.at(-1)).toMatchObject({ from: 'connecting', to: 'failed', reason: 'auth-failed' });
    expect(h.errors).toEqual([fatal]);
    await h.connection.close();
  });

  it('a socket that never opens: one connection.connect-timeout pending; with no retry left the cause is CONNECT_TIMEOUT', async () => {
    const h = connectionHarness({ network: { autoAccept: false }, reconnect: { maxAttempts: 0 } });
    void h.connection.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(h.tasks.names()).toEqual(['connection.connect-timeout']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.connection.state).toBe('failed');
    const cause = h.errors[0]?.cause as Error;
    expect(isStreamClientError(cause, 'CONNECT_TIMEOUT')).toBe(true);
    expect(cause.message).toBe('no open within 1000 ms');
    await h.connection.close();
  });

  it('a handshake that never completes: with no retry left the cause is HANDSHAKE_TIMEOUT "no handshake within 1000 ms"', async () => {
    const h = connectionHarness({ token: 'tok-1-abcdef', peer: { auth: () => 'ignore' }, reconnect: { maxAttempts: 0 } });
    void h.connection.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.connection.state).toBe('failed');
    const cause = h.errors[0]?.cause as Error;
    expect(isStreamClientError(cause, 'HANDSHAKE_TIMEOUT')).toBe(true);
    expect(cause.message).toBe('no handshake within 1000 ms');
    await h.connection.close();
  });

  it("a url function is called with the attempt's token, or with {} when there is none", async () => {
    const seen: object[] = [];
    const url = (ctx: { token?: string }): string => {
      seen.push(ctx);
      return `ws://memory.test/ws?n=${seen.length}`;
    };
    const withToken = connectionHarness({ token: 'tok-1-abcdef', connection: { url } });
    void withToken.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(withToken.network.last()!.url).toBe('ws://memory.test/ws?n=1');
    await withToken.connection.close();
    const without = connectionHarness({ connection: { url } });
    void without.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(without.network.last()!.url).toBe('ws://memory.test/ws?n=2');
    expect(seen).toStrictEqual([{ token: 'tok-1-abcdef' }, {}]); // strict: no `token` key at all without one
    await without.connection.close();
  });

  it('socket options built asynchronously: the socket opens once they are ready', async () => {
    const socketInit = vi.fn(async () => ({ headers: { 'x-client': 'test' } }));
    const h = connectionHarness({ token: 'tok-1-abcdef', connection: { socketInit } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(socketInit).toHaveBeenCalledTimes(1);
    expect(h.connection.state).toBe('open');
    expect(h.network.peers).toHaveLength(1);
    await h.connection.close();
  });

  it('socket options that throw: fatal (bad-url) with CONNECTION_FAILED "cannot open socket: …"', async () => {
    const nope = new Error('nope');
    const h = connectionHarness({
      connection: {
        socketInit: () => {
          throw nope;
        },
      },
    });
    void h.connection.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(h.changes.at(-1)).toMatchObject({ from: 'connecting', to: 'failed', reason: 'bad-url' });
    expect(h.errors.map((e) => [e.code, e.message])).toEqual([['CONNECTION_FAILED', 'cannot open socket: Error: nope']]);
    expect(h.errors[0]!.cause).toBe(nope);
    expect(h.network.peers).toHaveLength(0);
    await h.connection.close();
  });
});
