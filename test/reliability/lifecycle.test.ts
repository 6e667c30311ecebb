import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamClient, type StateChange, type StreamClientError } from '../../src/index.js';
import { createTestServer, type TestServer, pendingTimers } from '../../src/testing/index.js';
import { nextState } from '../helpers/client.js';
import { leakedSince, resourceCounts } from '../helpers/leaks.js';
import { createTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

const RECONNECT = { initialDelayMs: 10, maxDelayMs: 100, factor: 2, jitter: 'none', resetAfterMs: 60_000, quickRetryMs: 0 } as const;
const CYCLES = 50;

let server: TestServer | undefined;
let proxy: TcpProxy | undefined;
let client: StreamClient | undefined;
afterEach(async () => {
  await client?.close();
  await proxy?.close();
  await server?.close();
  client = proxy = server = undefined;
});

describe('lifecycle cycles through the proxy', () => {
  it(`${CYCLES} start/stop cycles (an RST every 5th) leave no timer, socket or listener behind`, async () => {
    const before = resourceCounts();
    const srv = (server = await createTestServer({ history: 10_000 }));
    const px = (proxy = await createTcpProxy({ target: srv.port }));
    const c = (client = new StreamClient({
      url: px.url(),
      random: () => 0.5,
      reconnect: RECONNECT,
      heartbeat: { intervalMs: 1_000, timeoutMs: 1_000 },
      closeTimeoutMs: 500,
    }));
    const states: StateChange[] = [];
    const errors: StreamClientError[] = [];
    c.on('state', (e) => states.push(e));
    c.on('error', (e) => errors.push(e));
    const seqs = { A: [] as number[], B: [] as number[] };
    const data = new EventEmitter();
    for (const topic of ['A', 'B'] as const) {
      c.subscribe(topic, (_d, meta) => {
        if (meta.seq !== undefined) seqs[topic].push(meta.seq);
        data.emit('data');
      });
    }
    const subscribedOnce = () => {
      const subs = srv.subscriptions();
      return srv.connections === 1 && subs.size === 2 && subs.get('A') === 1 && subs.get('B') === 1;
    };
    const settled = () =>
      until(subscribedOnce, [[srv, ['connection', 'disconnect', 'subscribe', 'unsubscribe']]], 5_000, 'A and B subscribed once on one connection');
    const delivered = (n: number) => until(() => seqs.A.length >= n && seqs.B.length >= n, [[data, ['data']]], 5_000, `${n} messages on A and B`);
    const offline = () =>
      until(
        () => px.connections === 0 && srv.connections === 0,
        [
          [px, ['disconnect']],
          [srv, ['disconnect']],
        ],
        5_000,
        'no connection left after stop()',
      );

    let atCycle10: { resources: Map<string, number>; timers: string[] } | undefined;
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      await c.start();
      await settled();
      srv.publish('A', { cycle });
      srv.publish('B', { cycle });
      await delivered(cycle);
      if (cycle % 5 === 0) {
        const open = nextState(c, 'open');
        px.resetAll();
        await open;
        await settled();
      }
      await c.stop();
      expect(c.state).toBe('stopped');
      await offline();
      if (cycle === 10) atCycle10 = { resources: resourceCounts(), timers: pendingTimers(c).sort() };
    }
    // Nothing accumulates from cycle to cycle: no handle, no timer.
    expect(await leakedSince(atCycle10!.resources)).toEqual({});
    expect(pendingTimers(c).sort()).toEqual(atCycle10!.timers);

    // Subscriptions were kept for start(): back exactly once, resumed without a gap or a repeat.
    srv.publish('A', { offline: true });
    srv.publish('B', { offline: true });
    await c.start();
    await settled();
    await delivered(CYCLES + 1);
    const want = Array.from({ length: CYCLES + 1 }, (_, i) => i + 1);
    expect(seqs).toEqual({ A: want, B: want });
    expect(errors).toEqual([]);
    const resets = CYCLES / 5;
    expect(c.metrics()).toMatchObject({
      connects: CYCLES + resets + 1,
      connectAttempts: CYCLES + resets + 1,
      connectFailures: 0,
      reconnectsScheduled: resets,
      duplicatesDropped: 0,
      gaps: 0,
    });
    expect(states.filter((s) => s.to === 'stopped')).toHaveLength(CYCLES);

    await c.close();
    expect(pendingTimers(c)).toEqual([]);
    expect(c.eventNames()).toEqual([]);
    expect(c.listenerCount('state')).toBe(0);
    expect(c.listenerCount('error')).toBe(0);
    await px.close();
    await srv.close();
    expect(await leakedSince(before)).toEqual({});
  });
});
