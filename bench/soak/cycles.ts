/**
 * Phase "cycles": one long-lived client (10 subscriptions, 2 views) taken through start ->
 * every subscription restored on the server -> stop, N times. Stop keeps subscriptions and
 * views, so whatever a start/stop pair leaves behind accumulates here.
 */
import { createTestServer, pendingTimers } from '../../src/testing/index.js';
import { clientListeners, message, serverHolds, serverIdle, serverListeners, soakClient, topicsOf } from './harness.js';
import { Phase, type PhaseContext, type PhaseResult, type Probe } from './phase.js';

interface Quote {
  p: number;
}

export async function runCycles(planned: number, ctx: PhaseContext): Promise<PhaseResult> {
  const phase = new Phase('start/stop cycles', 'cycle', planned, ctx);
  if (planned === 0) return phase.finish();
  const server = await createTestServer({ maxReceived: 1 });
  const client = soakClient(server.url, 1);
  const topics = topicsOf('C', 10);
  let errors = 0;
  let transitions = 0;
  let stoppedTimers: number | undefined;
  client.on('error', () => errors++);
  client.on('state', () => transitions++);
  for (const t of topics) client.subscribe<Quote>(t, () => {});
  for (const id of ['v0', 'v1']) {
    client.view<Quote, { price: number }, string>(id, {
      topic: topics[id === 'v0' ? 0 : 1]!,
      select: (d) => ({ price: d.p }),
      precision: { price: 2 },
      render: (s) => s.price.toFixed(2),
      onRender: () => {},
    });
  }
  const probe: Probe = {
    pendingTimers: () => pendingTimers(client).length,
    listeners: () => clientListeners(client),
    serverConnections: () => server.connections,
    serverListeners: () => serverListeners(server),
    note: () => `state ${client.state}, transitions ${transitions}, errors ${errors}, attempts ${server.connectionAttempts}`,
  };
  try {
    await phase.run(async (i) => {
      try {
        await client.start();
        await serverHolds(server, topics);
        await client.stop();
        await serverIdle(server);
        // stop() keeps subscriptions, and with them the stale sweep: a few timers may stay armed
        // while stopped (the sweep re-arms or not), but their number must not grow.
        const pending = pendingTimers(client).length;
        stoppedTimers ??= pending;
        if (pending > stoppedTimers)
          phase.problem(`cycle ${i}: ${pending} timers pending after stop, ${stoppedTimers} after the first (${pendingTimers(client).join(', ')})`);
      } catch (err) {
        phase.problem(`cycle ${i}: ${message(err)}`);
      }
      return 1;
    }, probe);
    await client.close();
    await serverIdle(server);
    await phase.afterClose('after close', probe);
  } finally {
    await client.close();
    await server.close();
  }
  if (errors > 0) phase.problem(`${errors} client errors emitted`);
  return phase.finish();
}
