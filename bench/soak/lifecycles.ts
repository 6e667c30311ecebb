/**
 * Phase "lifecycles": a fresh client per unit, taken through new -> subscribe x3 -> view ->
 * start -> one message delivered -> unsubscribe one -> close. After each close the client
 * must hold no timer and no listener; the heap slope shows whether closed clients are let go.
 */
import { createTestServer, pendingTimers } from '../../src/testing/index.js';
import { Latch, message, serverHolds, serverIdle, serverListeners, soakClient, topicsOf } from './harness.js';
import { Phase, type PhaseContext, type PhaseResult, type Probe } from './phase.js';

interface Quote {
  p: number;
}

export async function runLifecycles(planned: number, ctx: PhaseContext): Promise<PhaseResult> {
  const phase = new Phase('fresh-client lifecycles', 'client', planned, ctx);
  if (planned === 0) return phase.finish();
  const server = await createTestServer({ maxReceived: 1 });
  const topics = topicsOf('L', 3);
  let leftTimers = 0;
  let leftListeners = 0;
  let errors = 0;
  const probe: Probe = {
    serverConnections: () => server.connections,
    serverListeners: () => serverListeners(server),
    note: () => `closed with timers ${leftTimers}, with listeners ${leftListeners}, errors ${errors}`,
  };
  const delivered = new Latch();
  try {
    await phase.run(async (i) => {
      const client = soakClient(server.url, 1000 + i);
      try {
        client.on('error', () => errors++);
        const subs = topics.map((t) => client.subscribe<Quote>(t, () => delivered.open()));
        client.view<Quote, { price: number }, string>('tile', {
          topic: topics[0]!,
          select: (d) => ({ price: d.p }),
          precision: { price: 2 },
          render: (s) => s.price.toFixed(2),
          onRender: () => {},
        });
        await client.start();
        await serverHolds(server, topics);
        const got = delivered.wait(`client ${i}: first message`);
        server.publish(topics[1]!, { p: 100 + i / 100 });
        await got;
        subs[2]!.unsubscribe();
        await client.close();
        if (pendingTimers(client).length !== 0) {
          leftTimers++;
          phase.problem(`client ${i}: ${pendingTimers(client).length} timers after close (${pendingTimers(client).join(', ')})`);
        }
        const listeners = client.listenerCount('state') + client.listenerCount('error') + client.listenerCount('token');
        if (listeners !== 0) {
          leftListeners++;
          phase.problem(`client ${i}: ${listeners} listeners after close`);
        }
        await serverIdle(server);
      } catch (err) {
        phase.problem(`client ${i}: ${message(err)}`);
        await client.close();
      }
      return 1;
    }, probe);
    await phase.afterClose('after last close', probe);
  } finally {
    await server.close();
  }
  return phase.finish();
}
