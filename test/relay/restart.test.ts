import { afterEach, describe, expect, it } from 'vitest';
import { StreamClient } from '../../src/client/client.js';
import { createTestServer } from '../../src/testing/index.js';
import { Recorder, World, eventually } from './helpers/world.js';

describe('nats-server restarts', () => {
  let world: World;
  afterEach(async () => world?.dispose());

  it('relays and consumers recover by themselves; jsonProtocol frames still arrive exactly once', async () => {
    world = await World.create();
    const server = await createTestServer({ history: 10_000 });
    world.defer(() => server.close());
    let maxLive = 0;
    server.on('connection', () => (maxLive = Math.max(maxLive, server.connections)));
    const a = await world.relay(new StreamClient({ url: server.url, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } }), { feed: 'rs', id: 'a' });
    await eventually(() => a.role === 'leader', 5_000, 'a leads');
    const b = await world.relay(new StreamClient({ url: server.url, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } }), { feed: 'rs', id: 'b' });
    const consumer = await world.consumer('rs', { heartbeat: { intervalMs: 500, timeoutMs: 500 } });
    const rec = new Recorder();
    consumer.subscribe('T', rec.onData, rec.hooks);
    await eventually(() => server.subscriptions().get('T') === 1, 5_000, 'registered');

    const producer = setInterval(() => server.publish('T', { n: server.lastSeq('T') + 1 }), 5);
    world.defer(async () => clearInterval(producer));
    await eventually(() => rec.seqs.length >= 50, 5_000, 'frames before the restart');
    await world.nats.restart();
    const atRestart = server.lastSeq('T');
    await eventually(() => rec.seqs.length >= atRestart + 50, 20_000, 'frames after the restart');
    clearInterval(producer);
    const total = server.lastSeq('T');
    await eventually(() => rec.seqs.length === total, 10_000, 'every frame');

    expect(rec.seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(rec.gaps).toEqual([]);
    expect([a.role, b.role].filter((r) => r === 'leader')).toHaveLength(1);
    expect(maxLive).toBe(1);
  });
});
