import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { connectionHarness } from '../../helpers/connection-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('Connection state machine', () => {
  it('goes idle -> connecting -> authenticating -> open, with one log record per transition', async () => {
    const h = connectionHarness({ token: 'tok-123456' });
    const started = h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    await expect(started).resolves.toBeUndefined();
    expect(h.states()).toEqual(['connecting', 'authenticating', 'open']);
    expect(h.changes[0]).toMatchObject({ from: 'idle', to: 'connecting', reason: 'start' });
    expect(h.records.filter((r) => r['event'] === 'connection.state')).toHaveLength(3);
    expect(h.hooks.ready).toHaveBeenCalledTimes(1);
    expect(h.network.last()?.received).toEqual([JSON.stringify({ op: 'auth', token: 'tok-123456' })]);
    await h.connection.close();
  });

  it('reconnects after a drop with exactly the scheduled delay', async () => {
    const h = connectionHarness();
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    h.network.last()!.drop();
    await vi.advanceTimersByTimeAsync(0);
    const rec = h.changes.at(-1)!;
    expect(rec).toMatchObject({ to: 'reconnecting', reason: 'close:1006', attempt: 1, delayMs: 100 });
    await vi.advanceTimersByTimeAsync(99);
    expect(h.network.peers).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.network.peers).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('open');
    await h.connection.close();
  });

  it('a close storm (close + error + drop at once) gives one transition and one pending attempt', async () => {
    const h = connectionHarness();
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    peer.close(1011, 'boom');
    peer.drop();
    peer.reject();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.states().filter((s) => s === 'reconnecting')).toHaveLength(1);
    expect(h.tasks.names().filter((n) => n === 'reconnect.attempt')).toHaveLength(1);
    await h.connection.close();
  });

  it('gives up after maxAttempts with state failed and a MAX_ATTEMPTS error; start() works again', async () => {
    const h = connectionHarness({ reconnect: { maxAttempts: 3 }, network: { autoAccept: false, onConnection: (p) => p.reject() } });
    const started = h.connection.start();
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(started).rejects.toSatisfy((e) => isStreamClientError(e, 'MAX_ATTEMPTS'));
    expect(h.connection.state).toBe('failed');
    expect(h.network.peers).toHaveLength(4); // the first connect + 3 retries
    expect(h.errors.map((e) => e.code)).toEqual(['MAX_ATTEMPTS']);
    expect(h.tasks.size).toBe(0);
    // start() again begins a fresh cycle
    void h.connection.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(h.network.peers).toHaveLength(5);
    await h.connection.close();
  });

  it('times out a socket that never opens and retries', async () => {
    const h = connectionHarness({ network: { autoAccept: false } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(h.connection.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    expect(h.changes.at(-1)).toMatchObject({ to: 'reconnecting', reason: 'connect-timeout' });
    await h.connection.close();
  });

  it('times out a handshake the server never answers', async () => {
    const h = connectionHarness({ token: 'secret-token', peer: { auth: () => 'ignore' } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.changes.at(-1)).toMatchObject({ to: 'reconnecting', reason: 'handshake-timeout' });
    await h.connection.close();
  });

  it('detects a half-open socket within interval + timeout and reconnects', async () => {
    const h = connectionHarness({ connection: { heartbeat: { intervalMs: 1_000, timeoutMs: 500 } } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    // A quiet but healthy feed answers the protocol ping and stays up.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.connection.state).toBe('open');
    h.network.last()!.silent = true;
    // interval + timeout, plus one I/O turn (1 ms) so an answer already in the socket is read first.
    await vi.advanceTimersByTimeAsync(1_500);
    expect(h.connection.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(h.changes.at(-1)).toMatchObject({ to: 'reconnecting', reason: 'heartbeat-timeout' });
    expect(h.counters.heartbeatTimeouts).toBe(1);
    await h.connection.close();
  });

  it('honours a server retry hint within the cap', async () => {
    const h = connectionHarness({ reconnect: { maxDelayMs: 10_000 } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const peer = h.network.last()!;
    peer.send(JSON.stringify({ op: 'retry', afterMs: 3_000 }));
    peer.close(1013, 'overloaded');
    await vi.advanceTimersByTimeAsync(0);
    const delay = h.changes.at(-1)!.delayMs!;
    expect(delay).toBeGreaterThanOrEqual(3_000);
    expect(delay).toBeLessThanOrEqual(3_600);
    await h.connection.close();
  });

  it('treats a policy close (1008) as fatal', async () => {
    const h = connectionHarness();
    void h.connection.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    h.network.last()!.close(1008, 'policy');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('failed');
    expect(h.errors[0]?.code).toBe('FATAL_CLOSE');
    await h.connection.close();
  });

  it('counts a malformed frame, reports it, and keeps the connection', async () => {
    const h = connectionHarness();
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    h.network.last()!.send('{not json');
    h.network.last()!.send(JSON.stringify({ op: 'bogus' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.counters.decodeErrors).toBe(2);
    expect(h.errors.map((e) => e.code)).toEqual(['DECODE_ERROR', 'DECODE_ERROR']);
    expect(h.connection.state).toBe('open');
    await h.connection.close();
  });

  it('under fake timers every frame gets the fake time it arrived at, even within one synchronous advance', async () => {
    const h = connectionHarness({ network: { latencyMs: 100 } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(1_000);
    const peer = h.network.last()!;
    const t0 = Date.now();
    peer.send(JSON.stringify({ op: 'data', topic: 'A', seq: 1, data: 1 })); // arrives at t0 + 100
    vi.advanceTimersByTime(400);
    peer.send(JSON.stringify({ op: 'data', topic: 'A', seq: 2, data: 2 })); // arrives at t0 + 500
    vi.advanceTimersByTime(400); // both deliveries fire inside these synchronous advances
    expect(h.messages.map((m) => (m as { receivedAt: number }).receivedAt)).toEqual([t0 + 100, t0 + 500]);
    expect(h.connection.lastMessageAt).toBe(t0 + 500);
    const closed = h.connection.close(); // the closing handshake crosses the 100 ms link too
    await vi.advanceTimersByTimeAsync(1_000);
    await closed;
  });

  it('in real time, frames of one job share the clock read of the first; the next job reads again', async () => {
    vi.useRealTimers();
    const h = connectionHarness();
    await h.connection.start(); // bounded by the connect and handshake timeouts (1 s each)
    const peer = h.network.last()!;
    let first = true;
    h.sink.onData = () => {
      if (!first) return;
      first = false;
      // The first callback runs 2 ms of the monotonic clock durations are read on (Date.now's
      // whole milliseconds could end the wait after ~1 ms): a per-frame read would see it.
      const t = performance.now();
      while (performance.now() < t + 2);
    };
    for (const seq of [1, 2, 3]) peer.send(JSON.stringify({ op: 'data', topic: 'A', seq, data: seq }));
    await new Promise<void>((resolve) => setImmediate(resolve)); // the microtask deliveries are done
    const times = h.messages.map((m) => (m as { receivedAt: number }).receivedAt);
    expect(times).toHaveLength(3);
    expect(new Set(times).size).toBe(1);
    peer.send(JSON.stringify({ op: 'data', topic: 'A', seq: 4, data: 4 }));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(h.messages.at(-1)).toMatchObject({ seq: 4 });
    expect((h.messages.at(-1) as { receivedAt: number }).receivedAt).toBeGreaterThanOrEqual(times[0]! + 2);
    await h.connection.close();
  });

  it("data that arrives before the handshake completes is the handshake's, not the subscriptions'", async () => {
    const h = connectionHarness({ token: 'tok-123456', peer: { auth: () => 'ignore' } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('authenticating');
    const peer = h.network.last()!;
    peer.send(JSON.stringify({ op: 'data', topic: 'A', seq: 1, data: 1 }));
    peer.send(JSON.stringify({ op: 'auth_ok' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('open');
    peer.send(JSON.stringify({ op: 'data', topic: 'A', seq: 2, data: 2 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.messages).toEqual([expect.objectContaining({ type: 'data', topic: 'A', seq: 2 })]);
    await h.connection.close();
  });

  it('an auth rejection asks the auth part, and a fatal verdict fails', async () => {
    const h = connectionHarness({ token: 'stale-token', peer: { auth: () => 'expired' }, authRejected: () => 'fatal' });
    void h.connection.start().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('failed');
    await h.connection.close();
  });

  it('stop() goes offline with a clean close and start() reconnects', async () => {
    const h = connectionHarness();
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const stopping = h.connection.stop();
    await vi.advanceTimersByTimeAsync(0);
    await stopping;
    expect(h.connection.state).toBe('stopped');
    expect(h.network.live()).toHaveLength(0);
    expect(h.tasks.size).toBe(0);
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('open');
    await h.connection.close();
  });

  it('a re-auth in flight when the socket is lost ends with it: false at once, no re-auth timer left', async () => {
    const h = connectionHarness({ token: 'tok-1-abcdef', peer: { auth: (t) => (t === 'tok-1-abcdef' ? 'ok' : 'ignore') } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('open');
    let result: boolean | undefined;
    void h.connection.reauth('tok-2-abcdef').then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.tasks.names()).toContain('connection.reauth-timeout');
    h.network.last()!.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection.state).toBe('reconnecting');
    expect(result).toBe(false);
    expect(h.tasks.names()).not.toContain('connection.reauth-timeout');
    expect(h.changes.map((c) => c.reason)).toEqual(['start', 'socket-open', 'handshake-complete', 'close:1006']);
    await h.connection.close();
  });

  it('close() leaves no timer behind and is idempotent', async () => {
    const h = connectionHarness({ connection: { heartbeat: { intervalMs: 1_000, timeoutMs: 500 } } });
    void h.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    h.network.last()!.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.tasks.size).toBeGreaterThan(0);
    const a = h.connection.close();
    const b = h.connection.close();
    await vi.advanceTimersByTimeAsync(200);
    await Promise.all([a, b]);
    expect(h.tasks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await expect(h.connection.start()).rejects.toSatisfy((e) => isStreamClientError(e, 'CLIENT_CLOSED'));
  });

  it('never has two live sockets or two pending attempts under any interleaving of triggers (property)', async () => {
    type Op = { kind: 'drop' | 'close' | 'reject' | 'silent' | 'stop' | 'start' | 'advance'; ms: number };
    const op = fc.record({
      kind: fc.constantFrom<Op['kind']>('drop', 'close', 'reject', 'silent', 'stop', 'start', 'advance', 'advance'),
      ms: fc.integer({ min: 0, max: 1_500 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const h = connectionHarness({ connection: { heartbeat: { intervalMs: 300, timeoutMs: 200 } } });
        void h.connection.start().catch(() => {});
        for (const o of ops) {
          const peer = h.network.last();
          if (o.kind === 'drop') peer?.drop();
          else if (o.kind === 'close') peer?.close(1011, 'x');
          else if (o.kind === 'reject') peer?.reject();
          else if (o.kind === 'silent' && peer) peer.silent = true;
          else if (o.kind === 'stop') void h.connection.stop();
          else if (o.kind === 'start') void h.connection.start().catch(() => {});
          await vi.advanceTimersByTimeAsync(o.kind === 'advance' ? o.ms : 0);
          expect(h.network.live().length).toBeLessThanOrEqual(1);
          expect(h.tasks.names().filter((n) => n === 'reconnect.attempt').length).toBeLessThanOrEqual(1);
          if (h.connection.state === 'open') expect(h.network.live()).toHaveLength(1);
        }
        await h.connection.close();
        await vi.advanceTimersByTimeAsync(200);
        expect(h.tasks.size).toBe(0);
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});
