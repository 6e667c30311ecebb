/**
 * The two testing examples of README.md ("Testing your code"), run for real: the README test only
 * typechecks them, this one proves what they claim. Keep both in step.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { StreamClient } from '../../src/index.js';
import { createMemoryNetwork, createTestServer, waitFor } from '../../src/testing/index.js';

afterEach(() => {
  vi.useRealTimers();
});

it('greys a quote out when its topic goes quiet, and back when data returns', async () => {
  vi.useFakeTimers();
  const network = createMemoryNetwork({
    // The server side of each socket: acknowledge every subscribe.
    onConnection: (peer) => {
      peer.onFrame = (frame) => {
        const m = JSON.parse(String(frame)) as { op: string; topic?: string };
        if (m.op === 'subscribe') peer.send(JSON.stringify({ op: 'subscribed', topic: m.topic }));
      };
    },
  });
  const client = new StreamClient({ url: 'ws://feed.test/ws', WebSocket: network.WebSocket, stale: { afterMs: 10_000 } });
  const seen: string[] = [];
  await client.start();
  const sub = client.subscribe('AAPL', (quote) => seen.push(JSON.stringify(quote)), {
    onStale: () => seen.push('stale'),
    onRecover: () => seen.push('live'),
  });
  await sub.ready;

  const server = network.last()!;
  server.send(JSON.stringify({ op: 'data', topic: 'AAPL', data: { price: 101 } }));
  await vi.advanceTimersByTimeAsync(15_000); // no data for 15 s
  server.send(JSON.stringify({ op: 'data', topic: 'AAPL', data: { price: 102 } }));
  await vi.advanceTimersByTimeAsync(0);

  expect(seen).toEqual(['{"price":101}', 'stale', 'live', '{"price":102}']);
  await client.close();
  expect(vi.getTimerCount()).toBe(0); // close() left nothing behind
});

it('gets its subscription back after the server drops every connection', async () => {
  await using server = await createTestServer();
  await using client = new StreamClient({ url: server.url, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  const prices: number[] = [];
  let arrived = (): void => {};
  const nextPrice = () => new Promise<void>((resolve) => (arrived = resolve));
  await client.start();
  const sub = client.subscribe<{ price: number }>('AAPL', (quote) => {
    prices.push(quote.price);
    arrived();
  });
  await sub.ready;

  let next = nextPrice();
  server.publish('AAPL', { price: 101 });
  await next;
  const resubscribed = waitFor(server, 'subscribe');
  server.dropAll(); // the client sees 1006, reconnects and subscribes again
  await resubscribed;
  next = nextPrice();
  server.publish('AAPL', { price: 102 });
  await next;

  expect(prices).toEqual([101, 102]);
  expect(server.subscriptions().get('AAPL')).toBe(1);
});
