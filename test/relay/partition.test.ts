import { afterEach, describe, expect, it } from 'vitest';
import { createKisSimulator } from '../../src/testing/index.js';
import type { RelayRoleChange } from '../../src/relay/index.js';
import { createTcpProxy } from '../helpers/tcp-proxy.js';
import { Recorder, TEST_LEADER_TTL_MS, World, eventually, kisUpstream } from './helpers/world.js';

const TOPIC = 'H0STCNT0:005930';

describe('a leader partitioned from NATS', () => {
  let world: World;
  afterEach(async () => world?.dispose());

  it('steps down and closes its upstream session before the standby opens one', async () => {
    world = await World.create();
    const sim = await createKisSimulator({ pingIntervalMs: 0 });
    world.defer(() => sim.close());
    const sessions: { what: 'open' | 'close'; id: number; at: number }[] = [];
    sim.on('session', (e) => sessions.push({ what: 'open', id: e.id, at: performance.now() }));
    sim.on('disconnect', (e) => sessions.push({ what: 'close', id: e.id, at: performance.now() }));
    const proxy = await createTcpProxy({ target: world.nats.port });
    world.defer(() => proxy.close());

    const leader = await world.relay(kisUpstream(sim), { feed: 'part', id: 'leader' }, `nats://127.0.0.1:${proxy.port}`);
    await eventually(() => leader.role === 'leader', 5_000, 'leader');
    const roles: RelayRoleChange[] = [];
    leader.on('role', (e) => roles.push(e));
    const standby = await world.relay(kisUpstream(sim), { feed: 'part', id: 'standby' });
    const consumer = await world.consumer('part', { stale: { afterMs: 300 } });
    const rec = new Recorder();
    consumer.subscribe(TOPIC, rec.onData, rec.hooks);
    await eventually(() => sim.subscriptions().get(TOPIC) === 1, 5_000, 'registered');
    let price = 0;
    const producer = setInterval(() => sim.publish('H0STCNT0', '005930', [{ price: ++price }]), 5);
    world.defer(async () => clearInterval(producer));
    await eventually(() => rec.data.length >= 20, 5_000, 'trades flow');

    const recoveredBefore = rec.recovered;
    proxy.blackhole();
    await eventually(() => standby.role === 'leader' && sim.subscriptions().get(TOPIC) === 1, 10_000, 'the standby took over');
    await eventually(() => rec.recovered === recoveredBefore + 1, 5_000, 'the consumer recovered');
    const before = rec.data.length;
    await eventually(() => rec.data.length >= before + 20, 5_000, 'trades flow again');
    clearInterval(producer);

    expect(roles).toEqual([{ role: 'standby', reason: 'expired' }]);
    expect(leader.role).toBe('standby');
    expect(sessions.map((s) => s.what)).toEqual(['open', 'close', 'open']);
    const [, closed, opened] = sessions;
    // Upstream closed a full lease time (0.45 × leaderTtlMs) before the standby opened.
    expect(opened!.at - closed!.at).toBeGreaterThanOrEqual(TEST_LEADER_TTL_MS * 0.45 - 50);
    expect(sim.counters.maxSessionsPerAppKey).toBe(1);
    expect(sim.counters.inUseRejections).toBe(0);
    const prices = rec.data.map((d) => (d as { price: number }).price);
    expect(new Set(prices).size).toBe(prices.length);
    expect(rec.gaps).toHaveLength(1);

    // Healed, the old leader stays a standby: nothing of its old term reaches anyone.
    proxy.blackhole(false);
    await eventually(() => roles.length === 1 && leader.role === 'standby', 1_000, 'still standby');
  });
});
