import { afterEach, describe, expect, it } from 'vitest';
import { StreamClient } from '../../src/client/client.js';
import { createTestServer } from '../../src/testing/index.js';
import { RelayProcess } from './helpers/child.js';
import { Recorder, TEST_LEADER_TTL_MS, World, eventually } from './helpers/world.js';

/** Loopback connect + handshake of the standby's upstream client, with margin for a loaded machine. */
const ONE_RECONNECT_MS = 500;

describe('failover: the leader process is killed (SIGKILL)', () => {
  let world: World;
  afterEach(async () => world?.dispose());

  it('jsonProtocol: the standby resumes upstream from the last seq in JetStream; consumers get every frame exactly once', async () => {
    world = await World.create();
    const server = await createTestServer({ history: 10_000 });
    world.defer(() => server.close());
    let maxLive = 0;
    server.on('connection', () => (maxLive = Math.max(maxLive, server.connections)));

    const child = await RelayProcess.start({
      nats: world.nats.url,
      feed: 'fo',
      leaderTtlMs: TEST_LEADER_TTL_MS,
      interestTtlMs: 1_500,
      upstream: { kind: 'json', url: server.url },
    });
    world.defer(() => child.kill());
    await eventually(() => child.leading, 5_000, 'the child leads');
    const standbyClient = new StreamClient({ url: server.url, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    let standbyOpenAt = 0;
    standbyClient.on('state', (e) => {
      if (e.to === 'open' && standbyOpenAt === 0) standbyOpenAt = Date.now();
    });
    const standby = await world.relay(standbyClient, { feed: 'fo', id: 'standby' });
    expect(standby.role).toBe('standby');

    const consumers = [await world.consumer('fo'), await world.consumer('fo')];
    const recs = consumers.map((c) => {
      const r = new Recorder();
      c.subscribe('T1', r.onData, r.hooks);
      return r;
    });
    await eventually(() => server.subscriptions().get('T1') === 1, 5_000, 'the leader subscribed T1 upstream');

    let published = 0;
    const producer = setInterval(() => {
      server.publish('T1', { n: server.lastSeq('T1') + 1 });
      published = server.lastSeq('T1');
    }, 2);
    world.defer(async () => clearInterval(producer));
    await eventually(() => recs.every((r) => r.seqs.length >= 100), 5_000, '100 frames before the kill');
    expect(child.leading).toBe(true);
    await child.kill();
    const killedAt = Date.now();
    const killedSeq = published;
    await eventually(() => standby.role === 'leader' && standbyOpenAt > 0, 5_000, 'the standby leads');
    await eventually(() => recs.every((r) => r.seqs.length >= killedSeq + 100), 10_000, '100 more frames after the takeover');
    clearInterval(producer);
    const total = published;
    await eventually(() => recs.every((r) => r.seqs.length === total), 5_000, 'every frame');

    const failoverMs = standbyOpenAt - killedAt;
    console.log(`failover (kill -> standby upstream open): ${failoverMs} ms`);
    expect(failoverMs).toBeLessThanOrEqual(TEST_LEADER_TTL_MS + ONE_RECONNECT_MS);
    const all = Array.from({ length: total }, (_, i) => i + 1);
    for (const r of recs) {
      expect(r.seqs).toEqual(all);
      expect(r.data).toEqual(all.map((n) => ({ n })));
      expect(r.gaps).toEqual([]);
    }
    expect(maxLive).toBe(1);
  });
});
