import { afterEach, describe, expect, it } from 'vitest';
import { StreamClient } from '../../src/client/client.js';
import { createTestServer } from '../../src/testing/index.js';
import { Recorder, World, eventually } from './helpers/world.js';

describe('relay smoke', () => {
  let world: World;
  afterEach(async () => world?.dispose());

  it('a consumer receives what the leader publishes', async () => {
    world = await World.create();
    const server = await createTestServer({ history: 100 });
    world.defer(() => server.close());
    const relay = await world.relay(new StreamClient({ url: server.url }), { feed: 'smoke' });
    await eventually(() => relay.role === 'leader', 5_000, 'leader');
    const consumer = await world.consumer('smoke');
    const rec = new Recorder();
    consumer.subscribe('AAPL', rec.onData, rec.hooks);
    await eventually(() => relay.upstreamTopics().includes('AAPL') && server.subscriptions().get('AAPL') === 1, 5_000, 'upstream sub');
    for (let i = 1; i <= 5; i++) server.publish('AAPL', { i });
    await eventually(() => rec.seqs.length === 5, 5_000, '5 frames');
    expect(rec.seqs).toEqual([1, 2, 3, 4, 5]);
    expect(rec.data).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }, { i: 5 }]);
  });
});
