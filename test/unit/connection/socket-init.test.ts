import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SocketInitOptions } from '../../../src/connection/network.js';
import type { WebSocketConstructor } from '../../../src/connection/transport.js';
import { isStreamClientError } from '../../../src/core/errors.js';
import { connectionHarness } from '../../helpers/connection-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('socket options built before each connect', () => {
  it('the constructor gets them as its third argument, built from the current token', async () => {
    const args: unknown[][] = [];
    let Inner!: WebSocketConstructor;
    const Recording = function (this: unknown, ...a: ConstructorParameters<WebSocketConstructor>) {
      args.push(a);
      return new Inner(...a);
    } as unknown as WebSocketConstructor;
    const h = connectionHarness({
      token: 'tok-abcdef',
      connection: { WebSocket: Recording, socketInit: (_url, token) => ({ headers: { Authorization: `Bearer ${token}` } }) },
    });
    Inner = h.network.WebSocket as unknown as WebSocketConstructor;
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('open');
    expect(args).toEqual([['ws://memory.test/ws', [], { headers: { Authorization: 'Bearer tok-abcdef' }, maxPayload: 16 * 1024 * 1024 }]]);
    await h.connection.close();
  });

  it('options that never arrive count against connectTimeoutMs: CONNECT_TIMEOUT at exactly 1000 ms, then a retry', async () => {
    let calls = 0;
    const h = connectionHarness({
      connection: { socketInit: () => (++calls === 1 ? new Promise<SocketInitOptions | undefined>(() => {}) : undefined) },
    });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(h.states()).toEqual(['connecting']);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.changes.at(-1)).toMatchObject({ to: 'reconnecting', reason: 'connect-timeout', attempt: 1, delayMs: 100 });
    expect(h.errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.connection.state).toBe('open');
    expect(calls).toBe(2);
    expect(h.network.peers).toHaveLength(1);
    await h.connection.close();
  });

  it('close() while the options load opens no socket and leaves no timer', async () => {
    let release!: (v: SocketInitOptions) => void;
    const h = connectionHarness({ connection: { socketInit: () => new Promise<SocketInitOptions>((r) => (release = r)) } });
    void h.connection.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(10);
    await h.connection.close();
    release({ headers: { 'X-Late': 'late-value' } });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.network.peers).toHaveLength(0);
    expect(h.states()).toEqual(['connecting', 'closed']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a socketInit that throws a typed error fails the connect with that error, once', async () => {
    const h = connectionHarness({
      connection: {
        socketInit: () => {
          throw Object.assign(new Error('x'), { code: 'X' });
        },
      },
    });
    const err = await h.connection.start().catch((e: unknown) => e);
    expect(isStreamClientError(err, 'CONNECTION_FAILED')).toBe(true);
    expect(h.states()).toEqual(['connecting', 'failed']);
    expect(h.network.peers).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    await h.connection.close();
  });
});
