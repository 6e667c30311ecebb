import { afterEach, describe, expect, it } from 'vitest';
import { createKisSimulator } from '../../src/testing/index.js';
import { RelayProcess } from './helpers/child.js';
import { Recorder, TEST_LEADER_TTL_MS, World, eventually, kisUpstream } from './helpers/world.js';

const TOPIC = 'H0STCNT0:005930';

describe('relay over the KIS simulator', () => {
  let world: World;
  afterEach(async () => world?.dispose());

  it('two relays hold one session at any time; a killed leader shows consumers staleness and one gap, nothing twice', async () => {
    world = await World.create();
    const sim = await createKisSimulator({ pingIntervalMs: 0 });
    world.defer(() => sim.close());
    const child = await RelayProcess.start({
      nats: world.nats.url,
      feed: 'kis',
      leaderTtlMs: TEST_LEADER_TTL_MS,
      interestTtlMs: 1_500,
      upstream: { kind: 'kis', wsUrl: sim.wsUrl, httpUrl: sim.httpUrl, appKey: 'APP-1' },
    });
    world.defer(() => child.kill());
    await eventually(() => child.leading, 5_000, 'the child leads');
    const standby = await world.relay(kisUpstream(sim), { feed: 'kis', id: 'standby' });

    const consumer = await world.consumer('kis', { stale: { afterMs: 300 } });
    const rec = new Recorder();
    consumer.subscribe(TOPIC, rec.onData, rec.hooks);
    await eventually(() => sim.subscriptions().get(TOPIC) === 1, 5_000, 'the leader registered the topic');

    let price = 0;
    const producer = setInterval(() => sim.publish('H0STCNT0', '005930', [{ price: ++price }]), 5);
    world.defer(async () => clearInterval(producer));
    await eventually(() => rec.data.length >= 50, 5_000, '50 trades before the kill');
    // Flowing now (a loaded machine may have made it stale once before the first trade).
    const [staleBefore, recoveredBefore] = [rec.stale, rec.recovered];
    expect(rec.gaps).toEqual([]);
    expect(child.leading).toBe(true);
    await child.kill();
    await eventually(() => standby.role === 'leader' && sim.subscriptions().get(TOPIC) === 1, 5_000, 'the standby registered the topic');
    const atTakeover = rec.data.length;
    await eventually(() => rec.data.length >= atTakeover + 50, 5_000, '50 trades after the takeover');
    clearInterval(producer);

    const c = sim.counters;
    expect(c.maxSessionsPerAppKey).toBe(1);
    expect(c.inUseRejections).toBe(0);
    expect(c.sessionsOpened).toBe(2);
    const prices = rec.data.map((d) => (d as { price: number }).price);
    expect(new Set(prices).size).toBe(prices.length); // nothing twice
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(rec.stale - staleBefore).toBe(1);
    expect(rec.recovered - recoveredBefore).toBe(1);
    expect(rec.gaps).toHaveLength(1);
    const g = rec.gaps[0]!;
    expect(g.received).toBe(g.expected + 1);
    expect(rec.seqs).toEqual(Array.from({ length: rec.seqs.length }, (_, i) => (i < g.expected - 1 ? i + 1 : i + 2)));
  });
});
