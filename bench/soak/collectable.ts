/**
 * Check "collectable": a client that was started, subscribed, given a view, fed a message and
 * closed must be garbage: hold only WeakRefs to it, its view and its subscription handle,
 * collect a few times with event-loop turns between, and expect every deref() to be undefined.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestServer, type TestServer } from '../../src/testing/index.js';
import { Latch, serverHolds, serverIdle, soakClient } from './harness.js';
import { requireGc } from './measure.js';

export interface CollectableResult {
  readonly ok: boolean;
  /** gc rounds it took (or the bound, when still alive). */
  readonly rounds: number;
  /** Which of client / view / subscription were still reachable. */
  readonly alive: string[];
  readonly error: string | undefined;
}

/** GC rounds before giving up: a closed client is normally gone after the first or second. */
const MAX_ROUNDS = 20;

interface Quote {
  p: number;
}

/** Everything strong stays inside this function; only WeakRefs leave it. */
async function closedClient(server: TestServer): Promise<Record<string, WeakRef<object>>> {
  const client = soakClient(server.url, 5);
  const delivered = new Latch();
  const rendered = new Latch();
  const sub = client.subscribe<Quote>('G1', () => delivered.open());
  const view = client.view<Quote, { price: number }, string>('tile', {
    topic: 'G1',
    select: (d) => ({ price: d.p }),
    precision: { price: 2 },
    render: (s) => s.price.toFixed(2),
    onRender: () => rendered.open(),
    minIntervalMs: 0,
  });
  client.on('error', () => {});
  client.on('state', () => {});
  await client.start();
  await serverHolds(server, ['G1']);
  const both = Promise.all([delivered.wait('collectable: message'), rendered.wait('collectable: render')]);
  server.publish('G1', { p: 101.234 });
  await both;
  await client.close();
  await serverIdle(server);
  return { client: new WeakRef(client), view: new WeakRef(view), subscription: new WeakRef(sub) };
}

export async function runCollectable(): Promise<CollectableResult> {
  const gc = requireGc();
  const server = await createTestServer({ maxReceived: 1 });
  try {
    const refs = await closedClient(server);
    let alive: string[] = Object.keys(refs);
    let rounds = 0;
    while (alive.length > 0 && rounds < MAX_ROUNDS) {
      rounds++;
      // WeakRef targets are kept until the end of the job that created or deref'd them.
      await sleep(rounds < 5 ? 0 : 20);
      gc();
      alive = Object.entries(refs)
        .filter(([, ref]) => ref.deref() !== undefined)
        .map(([name]) => name);
    }
    return { ok: alive.length === 0, rounds, alive, error: undefined };
  } catch (err) {
    return { ok: false, rounds: 0, alive: [], error: err instanceof Error ? err.message : String(err) };
  } finally {
    await server.close();
  }
}
