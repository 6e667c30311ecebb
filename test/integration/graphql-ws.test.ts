import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamClient, type StreamClientError, type StreamClientOptions } from '../../src/index.js';
import { graphqlWsProtocol } from '../../src/protocol/graphql-ws.js';
import { waitFor } from '../../src/testing/wait-for.js';
import { settleImmediates } from '../helpers/events.js';
import { GraphqlTestServer, TICKS_QUERY } from '../helpers/graphql-server.js';
import { nextState, testClient } from '../helpers/client.js';
import { leakedSince, resourceCounts } from '../helpers/leaks.js';
import { pendingTimers } from '../../src/testing/index.js';

let server: GraphqlTestServer | undefined;
const clients: StreamClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
  server = undefined;
});

const GOOD = 'good-token-0123456789';
const BAD = 'bad-token-9876543210';

interface TickData {
  ticks: { topic: string; seq: number; value: number | null };
}

function gqlClient(url: string, options: Partial<StreamClientOptions> = {}): StreamClient {
  const protocol = graphqlWsProtocol({
    operation: (topic, params) => ({
      query: (params as { bad?: boolean } | undefined)?.bad ? 'subscription { nope }' : TICKS_QUERY,
      variables: { topic },
    }),
  });
  const client = testClient(url, { protocol, ...options });
  clients.push(client);
  return client;
}

/** Collects `onData` calls; `until(n)` resolves once n have arrived (bounded). */
function collector() {
  const got: number[] = [];
  let want: { n: number; resolve(): void } | undefined;
  return {
    got,
    onData: (d: TickData) => {
      got.push(d.ticks.seq);
      if (want && got.length >= want.n) want.resolve();
    },
    until(n: number, timeoutMs = 3_000): Promise<void> {
      if (got.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`got ${got.length} of ${n} ticks within ${timeoutMs} ms`)), timeoutMs);
        want = { n, resolve: () => (clearTimeout(timer), (want = undefined), resolve()) };
      });
    },
  };
}

describe('graphqlWsProtocol against the real graphql-ws server', () => {
  it('connects, subscribes and delivers the next payload data', async () => {
    server = await GraphqlTestServer.start();
    const client = gqlClient(server.url);
    const a = collector();
    let data: unknown;
    const sub = client.subscribe<TickData>('AAPL', (d) => ((data = d), a.onData(d)));
    await client.start();
    await server.waitLive('AAPL', 1);
    expect(sub.state).toBe('pending'); // no subscribe ack in graphql-ws: the first next confirms it
    server.publish('AAPL', { seq: 1, value: 1.5 });
    await a.until(1);
    expect(data).toEqual({ ticks: { topic: 'AAPL', seq: 1, value: 1.5 } });
    expect(sub.state).toBe('active');
    expect(server.tokens).toEqual([undefined]);
  });

  it('two handles on one topic share one server operation, and both receive', async () => {
    server = await GraphqlTestServer.start();
    const client = gqlClient(server.url);
    const a = collector();
    const b = collector();
    client.subscribe<TickData>('MSFT', a.onData);
    await client.start();
    client.subscribe<TickData>('MSFT', b.onData); // joins while open
    await server.waitLive('MSFT', 1);
    server.publish('MSFT', { seq: 1 });
    await Promise.all([a.until(1), b.until(1)]);
    expect(server.subscribes).toBe(1);
    expect(server.liveOperations()).toEqual({ MSFT: 1 });
    expect([a.got, b.got]).toEqual([[1], [1]]);
  });

  it('a refused token (4403) is refreshed once, then the client reconnects and restores the subscription', async () => {
    server = await GraphqlTestServer.start({ validate: (t) => t === GOOD });
    const tokens = [BAD, GOOD];
    const fetchToken = vi.fn(async () => ({ token: tokens.shift() ?? GOOD, expiresInMs: 3_600_000 }));
    const client = gqlClient(server.url, { auth: { fetchToken } });
    const a = collector();
    client.subscribe<TickData>('A', a.onData);
    const reasons: string[] = [];
    client.on('state', (c) => reasons.push(`${c.to}:${c.reason}`));
    await client.start();
    await server.waitLive('A', 1);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(server.tokens).toEqual([BAD, GOOD]);
    expect(server.rejected).toBe(1);
    expect(reasons).toContain('reconnecting:close:4403');
    expect(client.metrics().authRejections).toBe(1);
    server.publish('A', { seq: 7 });
    await a.until(1);
    expect(a.got).toEqual([7]);
    expect(server.subscribes).toBe(1);
  });

  it('a token refused twice is fatal: state failed, an AUTH_ error, no hot loop', async () => {
    server = await GraphqlTestServer.start({ validate: (t) => t === GOOD });
    const fetchToken = vi.fn(async () => ({ token: BAD, expiresInMs: 3_600_000 }));
    const client = gqlClient(server.url, { auth: { fetchToken } });
    const errors: StreamClientError[] = [];
    client.on('error', (e) => errors.push(e));
    client.subscribe('A', () => {});
    await expect(client.start()).rejects.toMatchObject({ code: 'AUTH_REJECTED' });
    expect(client.state).toBe('failed');
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(server.connectionAttempts).toBe(2);
    expect(errors.at(-1)?.code).toBe('AUTH_REJECTED');
    expect(errors.at(-1)?.details).toEqual({ code: 4403 });
    expect(server.subscribes).toBe(0);
  });

  it.each([false, true])('a server restart (abrupt: %s) brings the subscription back exactly once', async (abrupt) => {
    server = await GraphqlTestServer.start();
    const client = gqlClient(server.url);
    const a = collector();
    client.subscribe<TickData>('A', a.onData);
    client.subscribe<TickData>('A', a.onData); // a second handle: still one operation
    await client.start();
    await server.waitLive('A', 1);
    server.publish('A', { seq: 1 });
    await a.until(2);
    const back = nextState(client, 'open', { timeoutMs: 5_000 });
    await server.restart({ abrupt });
    await back;
    await server.waitLive('A', 1);
    expect(server.subscribes).toBe(2); // one per connection
    server.publish('A', { seq: 2 });
    server.publish('A', { seq: 3 });
    await a.until(6);
    await settleImmediates();
    expect(a.got).toEqual([1, 1, 2, 2, 3, 3]); // two handles, each tick once per handle
    expect(server.liveOperations()).toEqual({ A: 1 });
  });

  it('unsubscribing the last handle completes the server operation; the first one sends nothing', async () => {
    server = await GraphqlTestServer.start();
    const client = gqlClient(server.url);
    const a = collector();
    const b = collector();
    const ha = client.subscribe<TickData>('A', a.onData);
    const hb = client.subscribe<TickData>('A', b.onData);
    await client.start();
    await server.waitLive('A', 1);
    ha.unsubscribe();
    ha.unsubscribe(); // idempotent
    server.publish('A', { seq: 1 });
    await b.until(1); // the operation outlived the first handle
    expect(a.got).toEqual([]);
    const completed = waitFor<{ id: string; topic: string }>(server, 'complete', { timeoutMs: 3_000 });
    const gone = server.waitLive('A', 0);
    hb.unsubscribe();
    await gone;
    expect(await completed).toEqual({ id: '1', topic: 'A' });
    expect(server.completes).toBe(1);
    expect(hb.state).toBe('closed');
  });

  it('subscribe, unsubscribe, subscribe on one key in a burst: one server operation, each tick once', async () => {
    server = await GraphqlTestServer.start();
    const client = gqlClient(server.url);
    await client.start();
    const a = collector();
    client.subscribe<TickData>('A', () => {}).unsubscribe(); // before the server even started it
    client.subscribe<TickData>('A', a.onData);
    await server.waitLive('A', 1);
    await settleImmediates(); // a leaked first operation would show up here
    expect(server.liveOperations()).toEqual({ A: 1 });
    server.publish('A', { seq: 1 });
    server.publish('A', { seq: 2 });
    await a.until(2);
    await settleImmediates();
    expect(a.got).toEqual([1, 2]);
  });

  it('a GraphQL error fails only that subscription with SUBSCRIPTION_REJECTED', async () => {
    server = await GraphqlTestServer.start();
    const client = gqlClient(server.url);
    const a = collector();
    client.subscribe<TickData>('A', a.onData);
    await client.start();
    const failed = new Promise<StreamClientError>((resolve) => {
      client.subscribe('B', () => {}, { params: { bad: true }, onError: resolve });
    });
    const err = await failed;
    expect(err.code).toBe('SUBSCRIPTION_REJECTED');
    expect(err.details).toMatchObject({ topic: 'B', serverCode: 'GRAPHQL_ERROR' });
    await server.waitLive('A', 1);
    server.publish('A', { seq: 1 });
    await a.until(1);
    expect(client.state).toBe('open');
  });

  it('a server-side complete is followed by a fresh subscribe (new id) and data flows again', async () => {
    server = await GraphqlTestServer.start();
    const client = gqlClient(server.url);
    const a = collector();
    client.subscribe<TickData>('A', a.onData);
    await client.start();
    await server.waitLive('A', 1);
    const ids: string[] = [];
    server.on('subscribe', (e: { id: string }) => ids.push(e.id));
    server.complete('A');
    await server.waitLive('A', 0);
    await server.waitLive('A', 1, 5_000); // the registry's retry (about a second)
    expect(ids).toEqual(['2']);
    server.publish('A', { seq: 1 });
    await a.until(1);
    expect(client.state).toBe('open');
  });

  it('close() leaves no socket, timer or server operation behind', async () => {
    const before = resourceCounts();
    server = await GraphqlTestServer.start();
    const client = gqlClient(server.url);
    client.subscribe('A', () => {});
    await client.start();
    await server.waitLive('A', 1);
    const gone = server.waitLive('A', 0);
    await client.close();
    await gone;
    expect(pendingTimers(client)).toEqual([]);
    await server.close();
    server = undefined;
    expect(await leakedSince(before)).toEqual({});
  });
});
