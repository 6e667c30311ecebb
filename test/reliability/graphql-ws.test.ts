import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamClient, type StateChange } from '../../src/index.js';
import { graphqlWsProtocol } from '../../src/protocol/graphql-ws.js';
import { nextState } from '../helpers/client.js';
import { GraphqlTestServer, TICKS_QUERY } from '../helpers/graphql-server.js';
import { leakedSince, resourceCounts } from '../helpers/leaks.js';
import { createTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';
import { pendingTimers } from '../../src/testing/index.js';

// The real graphql-ws server behind the proxy. graphql-transport-ws has no resume position, so
// ticks sent during an outage are gone by design; what must hold is: one operation per topic
// afterwards, each tick after recovery delivered once, retries on schedule, nothing left.

const RECONNECT = { initialDelayMs: 10, maxDelayMs: 100, factor: 2, jitter: 'none', resetAfterMs: 60_000, quickRetryMs: 0 } as const;
const TOPICS = ['A', 'B'] as const;

function scheduled(n: number): number {
  return Math.min(RECONNECT.maxDelayMs, RECONNECT.initialDelayMs * RECONNECT.factor ** (n - 1));
}

interface TickData {
  ticks: { topic: string; seq: number };
}

let server: GraphqlTestServer | undefined;
let proxy: TcpProxy | undefined;
let client: StreamClient | undefined;
afterEach(async () => {
  await client?.close();
  await proxy?.close();
  await server?.close();
  client = proxy = server = undefined;
});

async function setup() {
  const before = resourceCounts();
  const srv = (server = await GraphqlTestServer.start());
  const px = (proxy = await createTcpProxy({ target: srv.port }));
  const c = (client = new StreamClient({
    url: px.url('/graphql'),
    protocol: graphqlWsProtocol({ operation: (topic) => ({ query: TICKS_QUERY, variables: { topic } }) }),
    random: () => 0.5,
    reconnect: RECONNECT,
    heartbeat: false,
    closeTimeoutMs: 500,
  }));
  const states: StateChange[] = [];
  c.on('state', (e) => states.push(e));
  const got = new Map<string, number[]>(TOPICS.map((t) => [t, []]));
  const data = new EventEmitter();
  for (const topic of TOPICS) {
    c.subscribe<TickData>(topic, (d) => {
      got.get(topic)!.push(d.ticks.seq);
      data.emit('data');
    });
  }
  let seq = 0;
  return {
    before,
    srv,
    px,
    c,
    got,
    plans: () => states.filter((s) => s.to === 'reconnecting'),
    /** Publishes the next seq on every topic. */
    publish: () => {
      seq += 1;
      for (const t of TOPICS) srv.publish(t, { seq });
      return seq;
    },
    delivered: (last: number) => until(() => TOPICS.every((t) => got.get(t)!.at(-1) === last), [[data, ['data']]], 5_000, `tick ${last} on every topic`),
    /** `connections` sockets have sent connection_init so far; one live operation per topic, each subscribed once per connection. */
    settled: (connections: number) =>
      until(
        () => srv.subscribes === connections * TOPICS.length && srv.completes === (connections - 1) * TOPICS.length && TOPICS.every((t) => srv.live(t) === 1),
        [[srv, ['live', 'subscribe', 'complete']]],
        5_000,
        `one operation per topic after ${connections} connections (${JSON.stringify(srv.liveOperations())}, subscribes ${srv.subscribes}, completes ${srv.completes})`,
      ),
  };
}

describe('fault injection in front of the real graphql-ws server (graphqlWsProtocol)', () => {
  it('RST of every connection, 3 times: one operation per topic afterwards, ticks once, retries on schedule', async () => {
    const t = await setup();
    await t.c.start();
    await t.settled(1);
    await t.delivered(t.publish());
    for (let round = 1; round <= 3; round++) {
      const plan = nextState(t.c, 'reconnecting');
      const open = nextState(t.c, 'open');
      expect(t.px.resetAll()).toBe(1);
      expect(await plan).toMatchObject({ from: 'open', attempt: round, delayMs: scheduled(round) });
      await open;
      await t.settled(round + 1);
      await t.delivered(t.publish());
    }
    // Seqs strictly increase with no repeats; none sent during an outage (none was).
    for (const topic of TOPICS) expect(t.got.get(topic)).toEqual([1, 2, 3, 4]);
    expect(t.srv.liveOperations()).toEqual({ A: 1, B: 1 });
    expect(t.plans().map((p) => p.delayMs)).toEqual([10, 20, 40]);
    expect(t.c.metrics()).toMatchObject({ connectAttempts: 4, connects: 4, disconnects: 3 });
    await finish(t);
  });

  it('refusal (server down) for 4 failed retries, then back: attempts on schedule, one operation per topic', async () => {
    const t = await setup();
    await t.c.start();
    await t.settled(1);
    await t.delivered(t.publish());
    await t.px.refuse(true);
    const fifth = nextState(t.c, 'reconnecting', { filter: (c) => c.attempt === 5 });
    t.px.resetAll();
    await fifth;
    const open = nextState(t.c, 'open');
    await t.px.refuse(false);
    await open;
    await t.settled(2);
    await t.delivered(t.publish());
    for (const topic of TOPICS) expect(t.got.get(topic)).toEqual([1, 2]);
    expect(t.srv.liveOperations()).toEqual({ A: 1, B: 1 });
    const plans = t.plans();
    expect(plans.map((p) => p.attempt)).toEqual(plans.map((_, i) => i + 1));
    expect(plans.map((p) => p.delayMs)).toEqual(plans.map((_, i) => scheduled(i + 1)));
    expect(plans.length).toBeGreaterThanOrEqual(5);
    expect(plans.length).toBeLessThanOrEqual(6); // one more only if re-listening took > 100 ms
    expect(t.c.metrics()).toMatchObject({ connectAttempts: 1 + plans.length, connects: 2, connectFailures: plans.length - 1 });
    expect(t.srv.connectionAttempts).toBe(2); // connection_init: refused connects never reached it
    await finish(t);
  });
});

async function finish(t: Awaited<ReturnType<typeof setup>>): Promise<void> {
  await t.c.close();
  expect(pendingTimers(t.c)).toEqual([]);
  expect(t.c.eventNames()).toEqual([]);
  await t.px.close();
  await t.srv.close();
  client = proxy = server = undefined;
  expect(await leakedSince(t.before)).toEqual({});
}
