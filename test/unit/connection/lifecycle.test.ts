import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import type { Protocol } from '../../../src/protocol/types.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import { connectionHarness } from '../../helpers/connection-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function withoutHandshake(): Protocol {
  const { handshake: _, ...rest } = jsonProtocol();
  return rest;
}

describe('Connection lifecycle (fake time, in-memory network)', () => {
  it('counts one life exactly: attempts, connects, failures, disconnects, retries, transitions, frames', async () => {
    let n = 0;
    const h = connectionHarness({ token: 'tok-1-abcdef', network: { onConnection: (p) => void (++n === 2 && p.reject()) } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.counters).toMatchObject({ connectAttempts: 1, connects: 1, stateTransitions: 3, messagesOut: 1, messagesIn: 1 });
    h.network.last()!.drop(); // lost while open: a disconnect
    await vi.advanceTimersByTimeAsync(100); // the retry's socket is refused: a failed attempt
    await vi.advanceTimersByTimeAsync(200); // the next one opens
    expect(h.connection.state).toBe('open');
    expect(h.counters).toMatchObject({
      connectAttempts: 3,
      connects: 2,
      connectFailures: 1,
      disconnects: 1,
      reconnectsScheduled: 2,
      stateTransitions: 3 + 1 + 2 + 3,
      messagesOut: 2,
      messagesIn: 2,
      heartbeatTimeouts: 0,
    });
    expect(h.changes.filter((c) => c.from === 'reconnecting').map((c) => c.reason)).toEqual(['retry', 'retry']);
    await h.connection.close();
  });

  it('online() while reconnecting connects at once on a fresh backoff; in any other state it does nothing', async () => {
    const h = connectionHarness({ reconnect: { initialDelayMs: 5_000, maxDelayMs: 60_000 } });
    h.connection.online(); // idle
    expect(h.changes).toEqual([]);
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    h.network.last()!.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.changes.at(-1)).toMatchObject({ to: 'reconnecting', delayMs: 5_000, attempt: 1 });
    expect(h.connection.attempt).toBe(1);
    h.connection.online();
    expect(h.connection.attempt).toBe(0);
    expect(h.changes.at(-1)).toMatchObject({ from: 'reconnecting', to: 'connecting', reason: 'online', attempt: 0 });
    expect(h.tasks.names()).not.toContain('reconnect.attempt');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('open');
    expect(h.network.peers).toHaveLength(2);
    const transitions = h.changes.length;
    h.connection.online(); // open
    expect(h.changes).toHaveLength(transitions);
    await h.connection.close();
  });

  it('offline() gives the open socket up at once; with no retry left the cause is CONNECTION_FAILED "the network went offline"', async () => {
    const h = connectionHarness({ reconnect: { maxAttempts: 0 } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    h.connection.offline();
    expect(h.changes.at(-1)).toMatchObject({ from: 'open', to: 'failed', reason: 'max-attempts' });
    expect(h.network.live()).toHaveLength(0);
    expect(h.errors.map((e) => [e.code, e.message])).toEqual([['MAX_ATTEMPTS', 'gave up after 0 attempts']]);
    const cause = h.errors[0]?.cause;
    expect(isStreamClientError(cause, 'CONNECTION_FAILED')).toBe(true);
    expect((cause as Error).message).toBe('the network went offline');
    await h.connection.close();
  });

  it('offline() while reconnecting: the state stays, one attempt pending', async () => {
    const h = connectionHarness();
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    h.connection.offline();
    expect(h.changes.at(-1)).toMatchObject({ from: 'open', to: 'reconnecting', reason: 'offline' });
    const transitions = h.changes.length;
    h.connection.offline();
    expect(h.changes).toHaveLength(transitions);
    expect(h.tasks.names()).toEqual(['reconnect.attempt']);
    await h.connection.close();
  });

  it('the credential is accepted after the handshake when the protocol has one', async () => {
    const h = connectionHarness({ token: 'tok-1-abcdef' });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.hooks.accepted).toHaveBeenCalledTimes(1);
    await h.connection.close();
  });

  it('without a handshake, the credential is accepted at the first acknowledged subscribe, once', async () => {
    const h = connectionHarness({ token: 'tok-1-abcdef', connection: { protocol: withoutHandshake() } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('open');
    expect(h.hooks.accepted).not.toHaveBeenCalled();
    const peer = h.network.last()!;
    peer.send(JSON.stringify({ op: 'unsubscribed', topic: 'A' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.hooks.accepted).not.toHaveBeenCalled();
    peer.send(JSON.stringify({ op: 'subscribed', topic: 'A' }));
    peer.send(JSON.stringify({ op: 'subscribed', topic: 'B' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.hooks.accepted).toHaveBeenCalledTimes(1);
    expect(h.messages).toEqual([
      { type: 'unsubscribed', topic: 'A' },
      { type: 'subscribed', topic: 'A' },
      { type: 'subscribed', topic: 'B' },
    ]);
    await h.connection.close();
  });

  it('a hook that throws is an internal error: CONNECTION_FAILED reported and logged, the socket given up and retried', async () => {
    const h = connectionHarness();
    vi.mocked(h.hooks.ready).mockImplementationOnce(() => {
      throw new TypeError('boom');
    });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.changes.at(-1)).toMatchObject({ from: 'authenticating', to: 'reconnecting', reason: 'internal-error' });
    expect(h.errors.map((e) => [e.code, e.message])).toEqual([['CONNECTION_FAILED', 'internal error in the connection: TypeError: boom']]);
    expect(h.errors[0]!.cause).toBeInstanceOf(TypeError);
    const logged = h.records.filter((r) => r['event'] === 'connection.error');
    expect(logged).toEqual([expect.objectContaining({ protocol: 'json', err: expect.objectContaining({ code: 'CONNECTION_FAILED' }) })]);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.connection.state).toBe('open');
    await h.connection.close();
  });

  it('start(): resolves at once when open, joins a connect in progress, rejects CLIENT_CLOSED after close()', async () => {
    const h = connectionHarness({ network: { autoAccept: false } });
    const first = h.connection.start();
    const second = h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.network.peers).toHaveLength(1);
    h.network.last()!.accept();
    await vi.advanceTimersByTimeAsync(0);
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    await expect(h.connection.start()).resolves.toBeUndefined();
    expect(h.network.peers).toHaveLength(1);
    expect(h.changes.filter((c) => c.to === 'connecting')).toHaveLength(1);
    await h.connection.close();
    await expect(h.connection.start()).rejects.toSatisfy((e) => isStreamClientError(e, 'CLIENT_CLOSED') && (e as Error).message === 'client is closed');
  });

  it('stop() when stopped and close() when closed do nothing; stop() during a pending retry cancels it', async () => {
    const h = connectionHarness();
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    h.network.last()!.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.tasks.names()).toEqual(['reconnect.attempt']);
    expect(h.hooks.down).toHaveBeenCalledTimes(1);
    await h.connection.stop();
    expect(h.changes.at(-1)).toMatchObject({ from: 'reconnecting', to: 'stopped', reason: 'stop' });
    expect(h.hooks.down).toHaveBeenCalledTimes(1); // the session ended with the drop, not again
    expect(h.tasks.size).toBe(0);
    const transitions = h.changes.length;
    await h.connection.stop();
    expect(h.changes).toHaveLength(transitions);
    await h.connection.close();
    expect(h.changes.at(-1)).toMatchObject({ from: 'stopped', to: 'closed', reason: 'close' });
    await h.connection.close();
    await h.connection.stop();
    expect(h.changes).toHaveLength(transitions + 1);
  });

  it('since is the wall time of the last transition', async () => {
    const h = connectionHarness({ network: { autoAccept: false } });
    vi.setSystemTime(1_000_000);
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.since).toBe(1_000_000);
    await vi.advanceTimersByTimeAsync(250);
    h.network.last()!.accept();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('open');
    expect(h.connection.since).toBe(1_000_250);
    await h.connection.close();
  });
  it('a start() still waiting is rejected by stop() (CLIENT_STOPPED "client stopped") and by close() (CLIENT_CLOSED "client closed")', async () => {
    for (const [how, code, message] of [
      ['stop', 'CLIENT_STOPPED', 'client stopped'],
      ['close', 'CLIENT_CLOSED', 'client closed'],
    ] as const) {
      const h = connectionHarness({ network: { autoAccept: false } });
      const started = h.connection.start();
      await vi.advanceTimersByTimeAsync(0);
      await h.connection[how]();
      await expect(started).rejects.toSatisfy((e) => isStreamClientError(e, code) && (e as Error).message === message);
      expect(h.changes.at(-1)).toMatchObject({ from: 'connecting', to: how === 'stop' ? 'stopped' : 'closed', reason: how });
      await h.connection.close();
    }
  });
  it('send() is true when written to the open socket, false otherwise (the caller queues)', async () => {
    const h = connectionHarness({ network: { autoAccept: false } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.send('{"op":"early"}')).toBe(false);
    h.network.last()!.accept();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.send('{"op":"now"}')).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.network.last()!.received).toEqual(['{"op":"now"}']);
    await h.connection.close();
  });

  it('a loss whose down() hook throws (from a timer) is reported and still ends in reconnecting', async () => {
    const h = connectionHarness({ token: 'tok-1-abcdef', peer: { auth: () => 'ignore' } });
    vi.mocked(h.hooks.down).mockImplementationOnce(() => {
      throw new TypeError('down bug');
    });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(1_000); // the handshake timeout
    expect(h.connection.state).toBe('reconnecting');
    expect(h.errors.map((e) => [e.code, e.message])).toEqual([['CONNECTION_FAILED', 'internal error in the connection: TypeError: down bug']]);
    await h.connection.close();
  });
});
