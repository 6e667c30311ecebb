/**
 * Phase "reconnects": one client (20 subscriptions, 4 views) kept open, connected through a
 * loopback TCP proxy (test/helpers/tcp-proxy.ts) to the test server, while one fault per
 * cycle is injected, in rotation: server-side terminate (the client sees 1006), close 1012
 * (service restart), terminate + the next 2 upgrades refused with 503, terminate + the next 2
 * upgrades reset; proxy-side RST of the connection, server down (listener closed, connects get
 * ECONNREFUSED until two attempts have failed), and a close storm (the connection and the next
 * 3 reset on arrival). Each cycle waits for `open`, for every subscription to be held exactly
 * once by the server, and for a message to come through.
 */
import type { StreamClient } from '../../src/index.js';
import type { TestServer } from '../../src/testing/index.js';
import { createTestServer, waitFor, pendingTimers } from '../../src/testing/index.js';
import { createTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.js';
import { clientListeners, Latch, message, nextState, serverHolds, serverListeners, soakClient, topicsOf, WAIT_MS } from './harness.js';
import { Phase, type PhaseContext, type PhaseResult, type Probe } from './phase.js';

interface Quote {
  p: number;
}

interface FaultEnv {
  readonly server: TestServer;
  readonly proxy: TcpProxy;
  readonly client: StreamClient;
}

/** One fault per cycle, in this order. */
export const FAULTS: readonly { readonly name: string; inject(env: FaultEnv): void | Promise<void> }[] = [
  { name: 'server terminate (1006)', inject: ({ server }) => void server.dropAll() },
  { name: 'server close 1012', inject: ({ server }) => void server.dropAll(1012) },
  {
    name: 'terminate + refuse 2 (503)',
    inject: ({ server }) => {
      server.refuse(2);
      server.dropAll();
    },
  },
  {
    name: 'terminate + refuse 2 (reset)',
    inject: ({ server }) => {
      server.refuse(2, { mode: 'reset' });
      server.dropAll();
    },
  },
  { name: 'proxy RST', inject: ({ proxy }) => void proxy.resetAll() },
  {
    name: 'proxy down (ECONNREFUSED x2)',
    inject: async ({ proxy, client }) => {
      await proxy.refuse(true, 'unlisten');
      // Two refused connects: the third retry is scheduled.
      const refusedTwice = waitFor<{ to: string; attempt?: number }>(client as never, 'state', {
        timeoutMs: WAIT_MS,
        filter: (c) => c.to === 'reconnecting' && (c.attempt ?? 0) >= 3,
      });
      try {
        proxy.resetAll();
        await refusedTwice;
      } finally {
        await proxy.refuse(false);
      }
    },
  },
  { name: 'proxy close storm (4 RST)', inject: async ({ proxy }) => void (await proxy.closeStorm(4, WAIT_MS)) },
];

export async function runReconnects(planned: number, ctx: PhaseContext): Promise<PhaseResult> {
  const phase = new Phase('reconnects under faults', 'reconnect', planned, ctx);
  if (planned === 0) return phase.finish();
  const server = await createTestServer({ maxReceived: 1 });
  const proxy = await createTcpProxy({ target: server.port });
  const client = soakClient(proxy.url(), 2);
  const env: FaultEnv = { server, proxy, client };
  const topics = topicsOf('R', 20);
  let errors = 0;
  let opens = 0;
  let received = 0;
  let seqProblems = 0;
  const delivered = new Latch();
  client.on('error', () => errors++);
  client.on('state', (c) => {
    if (c.to === 'open') opens++;
  });
  topics.forEach((t) => {
    let last = 0;
    client.subscribe<Quote>(t, (_d, meta) => {
      received++;
      // The test server keeps no history, so a gap across a reconnect is expected; a repeat is not.
      if (meta.seq !== undefined && meta.seq <= last) seqProblems++;
      last = meta.seq ?? last;
      delivered.open();
    });
  });
  for (let v = 0; v < 4; v++) {
    client.view<Quote, { price: number }, string>(`v${v}`, {
      topic: topics[v * 5]!,
      select: (d) => ({ price: d.p }),
      precision: { price: 2 },
      render: (s) => `${s.price.toFixed(2)}${s.stale ? ' (stale)' : ''}`,
      onRender: () => {},
      minIntervalMs: v % 2 === 0 ? 0 : 20,
    });
  }
  const probe: Probe = {
    pendingTimers: () => pendingTimers(client).length,
    listeners: () => clientListeners(client),
    serverConnections: () => server.connections,
    serverListeners: () => serverListeners(server),
    note: () =>
      `opens ${opens}, attempts ${server.connectionAttempts}, proxy resets ${proxy.resets}, proxy conns ${proxy.connections}, msgs ${received}, repeats ${seqProblems}, errors ${errors}`,
  };
  try {
    await client.start();
    await serverHolds(server, topics);
    await phase.run(async (i) => {
      const fault = FAULTS[i % FAULTS.length]!;
      try {
        const opened = nextState(client, 'open');
        opened.catch(() => {}); // awaited below; marked handled in case inject throws first
        await fault.inject(env);
        await opened;
        await serverHolds(server, topics);
        if (server.connections !== 1) phase.problem(`cycle ${i} (${fault.name}): ${server.connections} server connections`);
        const got = delivered.wait(`cycle ${i} (${fault.name}): message after restore`);
        server.publish(topics[i % topics.length]!, { p: 100 + (i % 1000) / 100 });
        await got;
      } catch (err) {
        phase.problem(`cycle ${i} (${fault.name}): ${message(err)}`);
      }
      return 1;
    }, probe);
    if (seqProblems > 0) phase.problem(`${seqProblems} messages delivered twice or out of order`);
    await client.close();
    await phase.afterClose('after close', probe);
  } finally {
    await client.close();
    await proxy.close();
    await server.close();
  }
  if (errors > 0) phase.problem(`${errors} client errors emitted`);
  return phase.finish();
}
