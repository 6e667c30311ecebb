import { EventEmitter } from 'eventemitter3';
import { afterEach, describe, expect, it } from 'vitest';
import { isStreamClientError, type StreamClient, type StreamClientError } from '../../src/index.js';
import { createTestServer, type TestServer } from '../../src/testing/index.js';
import { waitFor } from '../../src/testing/wait-for.js';
import { barrier } from '../helpers/barrier.js';
import { nextState, testClient } from '../helpers/client.js';

let server: TestServer;
const clients: StreamClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.close();
});

const settled = (s: TestServer, topic: string, n: number) =>
  (s.subscriptions().get(topic) ?? 0) === n
    ? Promise.resolve()
    : waitFor(s, n === 0 ? 'unsubscribe' : 'subscribe', { timeoutMs: 3_000, filter: () => (s.subscriptions().get(topic) ?? 0) === n });

describe('subscriptions against the test server', () => {
  it('two handles share one server subscription; the server sees unsubscribe only when the last leaves', async () => {
    server = await createTestServer();
    const client = testClient(server.url);
    clients.push(client);
    const sync = barrier(client, server);
    await client.start();
    await sync.ready();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const h1 = client.subscribe('X', (d) => a.push(d));
    const h2 = client.subscribe('X', (d) => b.push(d));
    await settled(server, 'X', 1);
    server.publish('X', 1);
    await sync.flush();
    expect([a, b]).toEqual([[1], [1]]);
    h1.unsubscribe();
    h1.unsubscribe();
    expect(server.subscriptions().get('X')).toBe(1);
    h2.unsubscribe();
    await settled(server, 'X', 0);
    server.publish('X', 2);
    await sync.flush();
    expect([a, b]).toEqual([[1], [1]]);
    expect(h2.state).toBe('closed');
  });

  it('resumes from the last seq after a drop: no duplicate, no gap', async () => {
    server = await createTestServer({ history: 100 });
    const client = testClient(server.url);
    clients.push(client);
    const seqs: number[] = [];
    client.subscribe('S', (_d, meta) => seqs.push(meta.seq!));
    const sync = barrier(client, server);
    await client.start();
    await settled(server, 'S', 1);
    await sync.ready();
    for (let i = 0; i < 5; i++) server.publish('S', i);
    await sync.flush();
    const reopened = nextState(client, 'open');
    server.dropAll();
    for (let i = 5; i < 10; i++) server.publish('S', i); // published while the client is away
    await reopened;
    await settled(server, 'S', 1);
    await sync.ready();
    server.publish('S', 10);
    await sync.flush();
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(client.metrics().gaps).toBe(0);
  });

  it('a server rejection errors that subscription only; the limit surfaces as SUBSCRIPTION_LIMIT', async () => {
    server = await createTestServer({ rejectTopics: (t) => (t === 'BAD' ? 'forbidden' : undefined) });
    const client = testClient(server.url, { subscriptions: { maxSubscriptions: 2 } });
    clients.push(client);
    await client.start();
    const errors: StreamClientError[] = [];
    const bus = new EventEmitter();
    const onError = (e: StreamClientError) => (errors.push(e), bus.emit('error', e));
    const both = waitFor(bus, 'error', { timeoutMs: 3_000, filter: () => errors.length === 2 });
    const bad = client.subscribe('BAD', () => {}, { onError });
    const ok = client.subscribe('OK', () => {});
    const over = client.subscribe('OVER', () => {}, { onError });
    await settled(server, 'OK', 1);
    await both;
    expect(bad.state).toBe('error');
    expect(ok.state).toBe('active');
    expect(over.state).toBe('error');
    expect(errors.some((e) => isStreamClientError(e, 'SUBSCRIPTION_REJECTED'))).toBe(true);
    expect(errors.some((e) => isStreamClientError(e, 'SUBSCRIPTION_LIMIT'))).toBe(true);
    expect(server.subscriptions().has('OVER')).toBe(false);
  });
});

describe('resume for a topic that has not delivered yet', () => {
  it('frames published during an outage are replayed even before the first delivery', async () => {
    server = await createTestServer({ history: 100 });
    const client = testClient(server.url);
    clients.push(client);
    const seqs: number[] = [];
    client.subscribe('Q', (_d, meta) => seqs.push(meta.seq!));
    const sync = barrier(client, server);
    await client.start();
    await settled(server, 'Q', 1);
    const reopened = nextState(client, 'open');
    server.dropAll();
    server.publish('Q', 'during the outage'); // seq 1: the client has seen nothing on Q yet
    await reopened;
    await settled(server, 'Q', 1);
    await sync.ready();
    server.publish('Q', 'after');
    await sync.flush();
    expect(seqs).toEqual([1, 2]);
    expect(client.metrics().gaps).toBe(0);
  });
});
