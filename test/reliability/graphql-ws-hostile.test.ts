import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamClient, StreamClientError } from '../../src/index.js';
import { graphqlWsProtocol } from '../../src/protocol/graphql-ws.js';
import { testClient } from '../helpers/client.js';
import { frames, rawWsServer, trapUncaught, type RawPeer, type RawWsServer } from '../helpers/raw-ws.js';
import { until } from '../helpers/until.js';
import { pendingTimers } from '../../src/testing/index.js';

// A graphql-transport-ws server that answers subscribes the way no polite server would:
// malformed `error` payloads, `next` then `complete` on every operation, frames for operations
// that are over. What must hold: the user hears of a failed subscription, nothing loops
// forever, nothing throws.

let server: RawWsServer | undefined;
let client: StreamClient | undefined;
let trap: ReturnType<typeof trapUncaught> | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  trap?.release();
  client = server = trap = undefined;
});

/** A raw graphql-ws server: acks connection_init, hands each subscribe (and its id) to `onSubscribe`. */
async function hostile(onSubscribe: (peer: RawPeer, id: string, n: number) => void) {
  const bus = new EventEmitter();
  let subscribes = 0;
  const s = (server = await rawWsServer(
    {
      onText: (peer, text) => {
        const m = JSON.parse(text) as { type: string; id?: string };
        if (m.type === 'connection_init') peer.write(frames(['{"type":"connection_ack"}']));
        if (m.type === 'subscribe') onSubscribe(peer, m.id!, ++subscribes);
        bus.emit('text');
      },
    },
    'graphql-transport-ws',
  ));
  return { s, bus, subscribes: () => subscribes };
}

function gqlClient(url: string): StreamClient {
  return (client = testClient(url, {
    protocol: graphqlWsProtocol({ operation: (topic) => ({ query: `subscription { t(topic: "${topic}") }` }) }),
    random: () => 0, // subscribe retries (1 s initial, ×2, 4 attempts): 0.5 s, 1 s, 2 s
  }));
}

function watch(c: StreamClient, topic: string) {
  const data: unknown[] = [];
  const failures: StreamClientError[] = [];
  const bus = new EventEmitter();
  const sub = c.subscribe(topic, (d) => (data.push(d), bus.emit('x')), { onError: (e) => (failures.push(e), bus.emit('x')) });
  return { data, failures, sub, bus };
}

const deep = (n: number): unknown => (n === 0 ? { message: 'bottom' } : { message: { nested: deep(n - 1) } });

describe('graphql-ws: malformed error payloads end the operation and fail the subscription', () => {
  const payloads: [string, unknown][] = [
    ['not an array', { message: 'boom' }],
    ['null', null],
    ['an empty array', []],
    ['an entry without a message', [{ path: ['t'] }]],
    ['a message that is not a string', [{ message: 42 }]],
    ['nested 1,000 deep', [deep(1_000)]],
  ];
  it.each(payloads)('payload %s: SUBSCRIPTION_REJECTED once, no resubscribe, no decode error', async (_name, payload) => {
    trap = trapUncaught();
    const h = await hostile((peer, id) => peer.write(frames([JSON.stringify({ id, type: 'error', payload })])));
    const c = gqlClient(h.s.url);
    const clientErrors: StreamClientError[] = [];
    c.on('error', (e) => clientErrors.push(e));
    const w = watch(c, 'A');
    await c.start();
    await until(() => w.failures.length === 1, [[w.bus, ['x']]], 3_000, 'the subscription failed');
    expect(w.failures[0]!.code).toBe('SUBSCRIPTION_REJECTED');
    expect(w.failures[0]!.message).toBe('server refused subscription to "A" (GRAPHQL_ERROR)');
    expect(w.sub.state).toBe('error');
    expect(clientErrors.map((e) => e.code)).toEqual(['SUBSCRIPTION_REJECTED']);
    expect(c.metrics().decodeErrors).toBe(0);
    expect(h.subscribes()).toBe(1);
    expect(trap.errors).toEqual([]);
  });

  it('a huge error payload (100,000 entries) is reported with a bounded message', async () => {
    trap = trapUncaught();
    const payload = Array.from({ length: 100_000 }, (_, i) => ({ message: `e${i}` }));
    const h = await hostile((peer, id) => peer.write(frames([JSON.stringify({ id, type: 'error', payload })])));
    const c = gqlClient(h.s.url);
    const w = watch(c, 'A');
    await c.start();
    await until(() => w.failures.length === 1, [[w.bus, ['x']]], 3_000, 'the subscription failed');
    const reason = (w.failures[0]!.details as { reason: string }).reason;
    // Cut at the last whole word within 500 characters (an echoed token is never cut in two).
    expect(reason.length).toBe(496);
    expect(reason.startsWith('e0; e1; e2')).toBe(true);
    expect(reason.endsWith('; e99; e100;…')).toBe(true);
    expect(h.subscribes()).toBe(1);
    expect(trap.errors).toEqual([]);
  });
});

describe('graphql-ws: next-then-complete loops', () => {
  it('a server that answers every subscribe with one next and a complete is retried maxAttempts times, then the subscription fails', async () => {
    trap = trapUncaught();
    const h = await hostile((peer, id, n) =>
      peer.write(frames([JSON.stringify({ id, type: 'next', payload: { data: { n } } }), JSON.stringify({ id, type: 'complete' })])),
    );
    const c = gqlClient(h.s.url);
    const w = watch(c, 'A');
    await c.start();
    await until(() => w.failures.length === 1, [[w.bus, ['x']]], 6_000, 'the subscription failed after 3 retries (3.5 s)');
    expect(w.failures[0]!.code).toBe('SUBSCRIPTION_REJECTED');
    expect(w.failures[0]!.message).toBe('subscribe to "A" failed 4 times (last: complete)');
    expect(w.data).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(h.subscribes()).toBe(4);
    expect(pendingTimers(c).filter((n) => n.startsWith('subscribe.'))).toEqual([]); // no retry left armed
    expect(trap.errors).toEqual([]);
  });

  it('next after complete, complete for unknown ids and a re-sent next for a completed id are dropped, never delivered or resubscribed twice', async () => {
    trap = trapUncaught();
    const h = await hostile((peer, id, n) => {
      if (n > 1) return void peer.write(frames([JSON.stringify({ id, type: 'next', payload: { data: { n } } })]));
      peer.write(
        frames([
          JSON.stringify({ id, type: 'next', payload: { data: { n } } }),
          JSON.stringify({ id, type: 'complete' }),
          JSON.stringify({ id, type: 'next', payload: { data: { late: 1 } } }),
          JSON.stringify({ id, type: 'complete' }),
          JSON.stringify({ id: '99', type: 'complete' }),
          JSON.stringify({ id: '99', type: 'next', payload: { data: { stray: 1 } } }),
        ]),
      );
    });
    const c = gqlClient(h.s.url);
    const w = watch(c, 'A');
    await c.start();
    await until(() => w.data.length === 2, [[w.bus, ['x']]], 3_000, 'the resubscribed operation delivered');
    expect(w.data).toEqual([{ n: 1 }, { n: 2 }]);
    expect(h.subscribes()).toBe(2);
    expect(w.failures).toEqual([]);
    expect(w.sub.state).toBe('active');
    expect(trap.errors).toEqual([]);
  });
});
