import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStreamClientError, type StreamClient, type StreamClientError } from '../../src/index.js';
import { createTestServer, type TestServer, pendingTimers } from '../../src/testing/index.js';
import { waitFor } from '../../src/testing/wait-for.js';
import { barrier } from '../helpers/barrier.js';
import { captureLogger, nextState, testClient } from '../helpers/client.js';
import { leakedSince, resourceCounts } from '../helpers/leaks.js';

let server: TestServer;
const clients: StreamClient[] = [];
const track = (c: StreamClient) => (clients.push(c), c);

beforeEach(async () => {
  server = await createTestServer();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.close();
});

/** Resolves once the server holds exactly `topics` subscribed (each at least once). */
async function serverHas(topics: string[], timeoutMs = 3_000): Promise<Map<string, number>> {
  const ready = () => topics.every((t) => (server.subscriptions().get(t) ?? 0) > 0);
  if (!ready()) await waitFor(server, 'subscribe', { timeoutMs, filter: () => ready() });
  return server.subscriptions();
}

describe('StreamClient against the real test server', () => {
  it('reconnects after a drop with the scheduled delay', async () => {
    const client = track(testClient(server.url));
    await client.start();
    let whenScheduled: { timers: string[]; attempts: number } | undefined;
    client.on('state', (e) => {
      if (e.to === 'reconnecting') whenScheduled = { timers: pendingTimers(client), attempts: server.connectionAttempts };
    });
    const reconnecting = nextState(client, 'reconnecting');
    server.dropAll();
    const plan = await reconnecting;
    // equal jitter, random 0.5, initial 20 ms: 10 + 0.5 * 10
    expect(plan).toMatchObject({ from: 'open', reason: 'close:1006', attempt: 1, delayMs: 15 });
    // The retry waits on its timer (the exact delay is checked under fake timers in the unit tests).
    expect(whenScheduled).toEqual({ timers: ['reconnect.attempt'], attempts: 1 });
    await nextState(client, 'open');
    expect(server.connectionAttempts).toBe(2);
  });

  it('20 drops in a burst bring every subscription back exactly once', async () => {
    const client = track(testClient(server.url, { reconnect: { initialDelayMs: 5, maxDelayMs: 20 } }));
    const got = { A: 0, B: 0, C: 0 };
    client.subscribe<number>('A', () => got.A++);
    client.subscribe<number>('A', () => got.A++); // a second handle on A: one server subscription
    client.subscribe<number>('B', () => got.B++);
    client.subscribe<number>('C', () => got.C++);
    const sync = barrier(client, server);
    await client.start();
    await serverHas(['A', 'B', 'C']);
    for (let i = 0; i < 20; i++) {
      const connected = waitFor(server, 'connection', { timeoutMs: 3_000 });
      server.dropAll();
      await connected;
    }
    const subs = await serverHas(['A', 'B', 'C', '__barrier__']);
    expect(Object.fromEntries(subs)).toEqual({ A: 1, B: 1, C: 1, __barrier__: 1 });
    expect(server.connections).toBe(1);
    for (const t of ['A', 'B', 'C']) server.publish(t, 1);
    await sync.flush();
    expect(got).toEqual({ A: 2, B: 1, C: 1 });
  });

  it('gives up with state failed when maxAttempts is hit, and start() works again', async () => {
    server.refuse(Infinity);
    const client = track(testClient(server.url, { reconnect: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 10 } }));
    const errors: StreamClientError[] = [];
    client.on('error', (e) => errors.push(e));
    await expect(client.start()).rejects.toSatisfy((e) => isStreamClientError(e, 'MAX_ATTEMPTS'));
    expect(client.state).toBe('failed');
    expect(server.connectionAttempts).toBe(4); // the first + 3 retries
    expect(errors.map((e) => e.code)).toEqual(['MAX_ATTEMPTS']);
    expect(pendingTimers(client)).toEqual([]);
    server.accept();
    await client.start();
    expect(client.state).toBe('open');
  });

  it('detects a half-open socket within interval + timeout and recovers', async () => {
    const client = track(testClient(server.url, { heartbeat: { intervalMs: 100, timeoutMs: 100 } }));
    client.subscribe('A', () => {});
    await client.start();
    await serverHas(['A']);
    const dead = nextState(client, 'reconnecting', { timeoutMs: 2_000 });
    const t0 = performance.now();
    server.silence();
    const change = await dead;
    expect(change.reason).toBe('heartbeat-timeout');
    // Never declared dead before a full interval of quiet plus the probe timeout.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
    server.silence(false);
    await nextState(client, 'open', { timeoutMs: 2_000 });
    expect(Object.fromEntries(await serverHas(['A']))).toEqual({ A: 1 });
    expect(client.metrics().heartbeatTimeouts).toBe(1);
  });

  it('keeps a quiet but healthy connection open (pongs count as liveness)', async () => {
    const { logger, bus } = captureLogger();
    const client = track(testClient(server.url, { logger, heartbeat: { intervalMs: 30, timeoutMs: 60 } }));
    await client.start();
    // Ten probes into an application-silent feed; the server answers each ws ping.
    await waitFor(bus, 'connection.heartbeat', { timeoutMs: 3_000, filter: (r: { probe: number }) => r.probe === 10 });
    expect(client.state).toBe('open');
    expect(client.metrics().heartbeatTimeouts).toBe(0);
    expect(server.connectionAttempts).toBe(1);
  });

  it('survives malformed frames: counted, reported, connection kept', async () => {
    const client = track(testClient(server.url));
    const errors: StreamClientError[] = [];
    client.on('error', (e) => errors.push(e));
    const data: unknown[] = [];
    client.subscribe('A', (d) => data.push(d));
    const sync = barrier(client, server);
    await client.start();
    await serverHas(['A', '__barrier__']);
    server.sendRaw('{not json');
    server.sendRaw('{"op":"weird"}');
    server.sendRaw('[1,2,3]');
    server.publish('A', { p: 1 });
    await sync.flush();
    expect(errors.map((e) => e.code)).toEqual(['DECODE_ERROR', 'DECODE_ERROR', 'DECODE_ERROR']);
    expect(client.metrics().decodeErrors).toBe(3);
    expect(data).toEqual([{ p: 1 }]);
    expect(client.state).toBe('open');
  });

  it('close() leaves no timer, socket or listener behind', async () => {
    const before = resourceCounts();
    const client = testClient(server.url, { heartbeat: { intervalMs: 1_000, timeoutMs: 1_000 } });
    client.on('state', () => {});
    client.subscribe('A', () => {});
    await client.start();
    await serverHas(['A']);
    server.dropAll(); // leave a pending reconnect behind on purpose
    await nextState(client, 'reconnecting');
    await client.close();
    await client.close(); // idempotent
    expect(pendingTimers(client)).toEqual([]);
    expect(client.listenerCount('state')).toBe(0);
    expect(await leakedSince(before)).toEqual({});
    await expect(client.start()).rejects.toSatisfy((e) => isStreamClientError(e, 'CLIENT_CLOSED'));
  });
});
