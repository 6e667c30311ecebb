import { afterEach, describe, expect, it } from 'vitest';
import type { DataMeta, StreamClient } from '../../src/index.js';
import { createTestServer, type TestServer } from '../../src/testing/index.js';
import { waitFor } from '../../src/testing/wait-for.js';
import { nextState, testClient } from '../helpers/client.js';
import { EventEmitter } from 'eventemitter3';

let server: TestServer;
const clients: StreamClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.close();
});

const TOPICS = ['A', 'B', 'C'] as const;

/** Records per-topic events on an emitter so tests can wait on them with a bound. */
function watch(client: StreamClient) {
  const bus = new EventEmitter();
  const log: string[] = [];
  const sources: Record<string, DataMeta['source'][]> = { A: [], B: [], C: [] };
  for (const t of TOPICS) {
    client.subscribe(
      t,
      (_d, meta) => {
        sources[t]!.push(meta.source);
        bus.emit('data', { topic: t, source: meta.source });
      },
      {
        onStale: () => (log.push(`stale:${t}`), bus.emit('stale', t)),
        onRecover: () => (log.push(`recover:${t}`), bus.emit('recover', t)),
      },
    );
  }
  return { bus, log, sources };
}

describe('staleness, fallback and recovery against the test server', () => {
  it('one silent topic of three goes stale alone, is served by the fallback, and recovers', async () => {
    server = await createTestServer();
    const polled: string[] = [];
    const client = testClient(server.url, {
      // 1 s, not 150 ms: a loaded machine stalls the event loop past 150 ms and every topic, fed
      // every 20 ms, went stale at once (seen at load 17 on 2 CPUs).
      stale: { afterMs: 1_000 },
      fallback: { fetch: async (topic) => (polled.push(topic), { polled: topic }), intervalMs: 50 },
    });
    clients.push(client);
    const { bus, log, sources } = watch(client);
    await client.start();
    const feed = setInterval(() => TOPICS.forEach((t) => server.publish(t, 1)), 20);
    try {
      await waitFor(bus, 'data', { timeoutMs: 2_000, filter: (e: { topic: string }) => e.topic === 'B' });
      server.pauseTopic('B', true);
      await waitFor(bus, 'stale', { timeoutMs: 5_000 });
      await waitFor(bus, 'data', { timeoutMs: 5_000, filter: (e: { source: string }) => e.source === 'fallback' });
      expect(log).toEqual(['stale:B']);
      expect(new Set(polled)).toEqual(new Set(['B']));
      expect(client.health().topics).toMatchObject({ stale: 1, fallback: 1 });
      server.pauseTopic('B', false);
      await waitFor(bus, 'recover', { timeoutMs: 5_000 });
      expect(log).toEqual(['stale:B', 'recover:B']);
      expect(sources['A']!.every((s) => s === 'stream')).toBe(true);
      expect(client.health().topics).toMatchObject({ active: 3, stale: 0, fallback: 0 });
      const m = client.metrics();
      expect(m.staleEntered).toBe(1);
      expect(m.staleRecovered).toBe(1);
      expect(m.fallbackPolls).toBeGreaterThan(0);
    } finally {
      clearInterval(feed);
    }
  });

  it('a full outage marks every topic stale, the fallback serves all, and all recover after the reconnect', async () => {
    server = await createTestServer();
    const client = testClient(server.url, {
      stale: { afterMs: 150 },
      fallback: { fetch: async (topic) => ({ polled: topic }), intervalMs: 50 },
      reconnect: { initialDelayMs: 50, maxDelayMs: 100 },
    });
    clients.push(client);
    const { bus, log, sources } = watch(client);
    await client.start();
    const feed = setInterval(() => TOPICS.forEach((t) => server.publish(t, 1)), 20);
    try {
      await waitFor(bus, 'data', { timeoutMs: 2_000 });
      server.refuse(Infinity);
      server.dropAll();
      const stale = new Set<string>();
      await waitFor(bus, 'stale', { timeoutMs: 3_000, filter: (t: string) => (stale.add(t), stale.size === 3) });
      for (const t of TOPICS) {
        if (!sources[t]!.includes('fallback')) {
          await waitFor(bus, 'data', { timeoutMs: 2_000, filter: (e: { topic: string; source: string }) => e.topic === t && e.source === 'fallback' });
        }
      }
      expect(client.state).not.toBe('open');
      const open = nextState(client, 'open', { timeoutMs: 3_000 });
      server.accept();
      await open;
      const recovered = new Set<string>();
      await waitFor(bus, 'recover', { timeoutMs: 3_000, filter: (t: string) => (recovered.add(t), recovered.size === 3) });
      expect(log.filter((l) => l.startsWith('stale:')).sort()).toEqual(['stale:A', 'stale:B', 'stale:C']);
      expect(client.health().topics).toMatchObject({ active: 3, stale: 0, fallback: 0 });
    } finally {
      clearInterval(feed);
    }
  });
});
