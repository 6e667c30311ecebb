import { afterEach, describe, expect, it } from 'vitest';
import type { StreamClient } from '../../src/client/client.js';
import type { Subscription } from '../../src/subscriptions/index.js';
import { createKisSimulator } from '../../src/testing/index.js';
import { Recorder, World, eventually, kisUpstream } from './helpers/world.js';

const SYMBOLS = ['005930', '000660', '035420', '051910', '006400'];
const topicOf = (s: string): string => `H0STCNT0:${s}`;

describe('consumers’ interest, ref-counted across clients', () => {
  let world: World;
  afterEach(async () => world?.dispose());

  it('50 consumers on 5 topics make 5 upstream registrations; the last consumer leaving releases its topic', async () => {
    world = await World.create();
    const sim = await createKisSimulator({ pingIntervalMs: 0 });
    world.defer(() => sim.close());
    const relay = await world.relay(kisUpstream(sim), { feed: 'fan' });
    await eventually(() => relay.role === 'leader', 5_000, 'leader');

    const nc = await world.connect();
    const consumers: StreamClient[] = [];
    const subs: Subscription[] = [];
    const recs: Recorder[] = [];
    for (let i = 0; i < 50; i++) {
      const c = await world.consumer('fan', {}, nc);
      const r = new Recorder();
      consumers.push(c);
      recs.push(r);
      subs.push(c.subscribe(topicOf(SYMBOLS[i % 5]!), r.onData, r.hooks));
    }
    await eventually(
      () => SYMBOLS.every((s) => sim.subscriptions().get(topicOf(s)) === 1) && SYMBOLS.every((s) => relay.consumers(topicOf(s)) === 10),
      10_000,
      '5 registrations, 10 consumers each',
    );
    for (const [i, s] of SYMBOLS.entries()) sim.publish('H0STCNT0', s, [{ price: 100 + i }]);
    await eventually(() => recs.every((r) => r.data.length === 1), 5_000, 'every consumer got its trade');
    recs.forEach((r, i) => expect((r.data[0] as { price: number }).price).toBe(100 + (i % 5)));
    for (const s of SYMBOLS) expect(sim.counters.subscribeFrames.get(topicOf(s))).toBe(1);

    // Nine of the ten consumers of the first topic leave: it stays registered.
    for (let i = 0; i < 45; i += 5) subs[i]!.unsubscribe();
    await eventually(() => relay.consumers(topicOf(SYMBOLS[0]!)) === 1, 5_000, 'nine left');
    expect(sim.counters.unsubscribeFrames.get(topicOf(SYMBOLS[0]!)) ?? 0).toBe(0);
    // The last one leaves by closing its client: released upstream, the other four stay.
    await consumers[45]!.close();
    await eventually(() => sim.subscriptions().get(topicOf(SYMBOLS[0]!)) === undefined, 5_000, 'released upstream');
    expect(sim.counters.unsubscribeFrames.get(topicOf(SYMBOLS[0]!))).toBe(1);
    expect(relay.upstreamTopics().sort()).toEqual(SYMBOLS.slice(1).map(topicOf).sort());
    for (const s of SYMBOLS.slice(1)) expect(sim.subscriptions().get(topicOf(s))).toBe(1);
  });

  it('a consumer whose process died stops counting once its heartbeat lapses', async () => {
    world = await World.create();
    const sim = await createKisSimulator({ pingIntervalMs: 0 });
    world.defer(() => sim.close());
    const relay = await world.relay(kisUpstream(sim), { feed: 'hb', interestTtlMs: 1_000 });
    await eventually(() => relay.role === 'leader', 5_000, 'leader');
    const nc = await world.connect();
    const c = await world.consumer('hb', {}, nc);
    c.subscribe(topicOf(SYMBOLS[0]!), () => {});
    await eventually(() => sim.subscriptions().get(topicOf(SYMBOLS[0]!)) === 1, 5_000, 'registered');
    // Its NATS link dies without a goodbye: no delete, no more heartbeats.
    await nc.close();
    await eventually(() => sim.subscriptions().get(topicOf(SYMBOLS[0]!)) === undefined, 5_000, 'released after the heartbeat lapsed');
    expect(sim.counters.unsubscribeFrames.get(topicOf(SYMBOLS[0]!))).toBe(1);
  });

  it('the topic over the upstream limit gets SUBSCRIPTION_LIMIT at the consumer that asked', async () => {
    world = await World.create();
    const sim = await createKisSimulator({ pingIntervalMs: 0 });
    world.defer(() => sim.close());
    const upstream = kisUpstream(sim);
    const relay = await world.relay(upstream, { feed: 'lim' });
    await eventually(() => relay.role === 'leader', 5_000, 'leader');
    const c = await world.consumer('lim');
    // KIS allows 41 registrations per session: ask for 42 topics through the relay.
    const symbols = Array.from({ length: 42 }, (_, i) => String(100000 + i));
    const all = symbols.map(() => new Recorder());
    symbols.forEach((s, i) => c.subscribe(topicOf(s), all[i]!.onData, all[i]!.hooks));
    await eventually(() => all.filter((r) => r.errors.length > 0).length === 1 && sim.subscriptions().size === 41, 10_000, '41 registered, one refused');
    const refused = all.findIndex((r) => r.errors.length > 0);
    expect(all[refused]!.errors).toEqual(['SUBSCRIPTION_LIMIT']);
    expect(sim.subscriptions().size).toBe(41);
    expect(sim.counters.limitRejections).toBe(0); // the leader's client enforced KIS's limit itself
    expect(sim.subscriptions().has(topicOf(symbols[refused]!))).toBe(false);
  });
});
