import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStreamClientError, StreamClient, type StreamClientOptions } from '../../../src/index.js';
import { createViews } from '../../../src/entries/render.js';
import { createMemoryNetwork, type MemoryPeer } from '../../../src/testing/memory.js';
import { speakJson } from '../../helpers/memory-json.js';
import { pendingTimers } from '../../../src/testing/index.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup(options: Partial<StreamClientOptions> = {}) {
  const network = createMemoryNetwork({ onConnection: (peer) => speakJson(peer) });
  const client = new StreamClient({
    url: 'ws://memory.test/',
    WebSocket: network.WebSocket as never,
    random: () => 0.5,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1_000, jitter: 'none', quickRetryMs: 0 },
    heartbeat: { intervalMs: 1_000, timeoutMs: 500 },
    stale: { afterMs: 2_000 },
    ...options,
  });
  const sent = (peer: MemoryPeer | undefined) => (peer?.received ?? []).map((f) => JSON.parse(String(f)) as { op: string; topic?: string });
  return { network, client, sent };
}

describe('StreamClient (in-memory network, fake timers)', () => {
  it('a whole lifecycle with subscriptions, a view and a reconnect leaves zero timers after close', async () => {
    const { network, client } = setup();
    const rendered: string[] = [];
    client.subscribe('A', () => {});
    createViews(client);
    client.view('v', {
      topic: 'A',
      select: (d: { p: number }) => ({ p: d.p }),
      precision: { p: 1 },
      render: (s) => `p=${s.p}`,
      onRender: (out) => rendered.push(out),
      minIntervalMs: 0,
    });
    await client.start();
    await vi.advanceTimersByTimeAsync(0);
    network.last()!.send(JSON.stringify({ op: 'data', topic: 'A', seq: 1, data: { p: 1.04 } }));
    network.last()!.send(JSON.stringify({ op: 'data', topic: 'A', seq: 2, data: { p: 1.01 } })); // same at 1 dp
    network.last()!.send(JSON.stringify({ op: 'data', topic: 'A', seq: 3, data: { p: 1.26 } }));
    await vi.advanceTimersByTimeAsync(0);
    expect(rendered).toEqual(['p=1', 'p=1.3']);
    network.last()!.drop();
    await vi.advanceTimersByTimeAsync(100);
    expect(client.state).toBe('open');
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await client.close();
    expect(pendingTimers(client)).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    expect(network.live()).toHaveLength(0);
  });

  it('a topic fed all through one synchronous fake-time advance never goes stale', async () => {
    const network = createMemoryNetwork({ latencyMs: 10, onConnection: (peer) => speakJson(peer) });
    const client = new StreamClient({ url: 'ws://memory.test/', WebSocket: network.WebSocket as never, stale: { afterMs: 1_000 }, heartbeat: false });
    const stale: number[] = [];
    client.subscribe('A', () => {}, { onStale: () => stale.push(Date.now()) });
    const started = client.start();
    await vi.advanceTimersByTimeAsync(100);
    await started;
    const peer = network.last()!;
    let seq = 0;
    const feed = setInterval(() => peer.send(JSON.stringify({ op: 'data', topic: 'A', seq: ++seq, data: seq })), 200);
    vi.advanceTimersByTime(5_000); // every delivery and every stale sweep runs inside this one call
    clearInterval(feed);
    expect(seq).toBeGreaterThanOrEqual(24);
    expect(stale).toEqual([]);
    vi.advanceTimersByTime(1_500); // the feed stopped: now it goes stale
    expect(stale).toHaveLength(1);
    const closed = client.close();
    await vi.advanceTimersByTimeAsync(1_000);
    await closed;
  });

  it('by default a healthy connection that drops is retried within 500 ms; refused retries then wait 500 ms–2 s', async () => {
    for (const [r, first] of [
      [0, 0],
      [0.999, 499],
    ] as const) {
      let down = false; // then the server refuses every new socket at once
      const network = createMemoryNetwork({ onConnection: (peer) => (down ? peer.reject() : speakJson(peer)) });
      const client = new StreamClient({ url: 'ws://memory.test/', WebSocket: network.WebSocket as never, random: () => r });
      const delays: number[] = [];
      client.on('state', (c) => void (c.to === 'reconnecting' && delays.push(c.delayMs!)));
      await client.start();
      await vi.advanceTimersByTimeAsync(5_000); // healthy: up past resetAfterMs
      network.last()!.drop();
      down = true;
      for (let i = 0; i < 4; i++) await vi.advanceTimersByTimeAsync(2_000);
      expect(delays[0]).toBe(first);
      expect(delays.length).toBeGreaterThanOrEqual(5);
      // Decorrelated within [initial/4 of the down cap, down cap]: probes a refusing host often.
      for (const d of delays.slice(1)) expect(d).toBeGreaterThanOrEqual(500), expect(d).toBeLessThanOrEqual(2_000);
      await client.close();
    }
  });

  it('a connection that drops again before it was up resetAfterMs gets no second quick retry', async () => {
    const network = createMemoryNetwork({ onConnection: (peer) => speakJson(peer) });
    const client = new StreamClient({ url: 'ws://memory.test/', WebSocket: network.WebSocket as never, random: () => 0.5 });
    const delays: number[] = [];
    client.on('state', (c) => void (c.to === 'reconnecting' && delays.push(c.delayMs!)));
    await client.start();
    await vi.advanceTimersByTimeAsync(5_000);
    network.last()!.drop();
    await vi.advanceTimersByTimeAsync(250); // the quick retry (0.5 × 500 ms) opens again
    expect(client.state).toBe('open');
    network.last()!.drop(); // a flapping server: up 0 ms, not healthy
    await vi.advanceTimersByTimeAsync(0);
    // decorrelated, default initial 1,500, first draw in [1,500, 4,500]: 1,500 + 0.5 × 3,000
    expect(delays).toEqual([250, 3_000]);
    await client.close();
  });

  it('a client with subscriptions that was never started holds no timer', () => {
    const { client } = setup();
    client.subscribe('A', () => {});
    createViews(client).view('v', { topic: 'B', select: (d: number) => ({ d }), render: (s: { d: number }) => `${s.d}`, onRender: () => {} });
    expect(pendingTimers(client)).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a started client with no subscription holds only the heartbeat timer, and subscribes fine later', async () => {
    const { network, client, sent } = setup({ fallback: { fetch: async () => 0, intervalMs: 500 } });
    await client.start();
    await vi.advanceTimersByTimeAsync(3_000); // heartbeat rounds, past the stale threshold
    for (const name of pendingTimers(client)) expect(['heartbeat.check', 'heartbeat.timeout']).toContain(name);
    expect(pendingTimers(client).filter((n) => n.startsWith('heartbeat.'))).toHaveLength(1);
    const got: unknown[] = [];
    const stale = vi.fn();
    client.subscribe('A', (d) => got.push(d), { onStale: stale });
    await vi.advanceTimersByTimeAsync(0);
    expect(
      sent(network.last())
        .filter((m) => m.op === 'subscribe')
        .map((m) => m.topic),
    ).toEqual(['A']);
    network.last()!.send(JSON.stringify({ op: 'data', topic: 'A', seq: 1, data: 1 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toEqual([1]);
    await vi.advanceTimersByTimeAsync(2_500); // silent past stale.afterMs: stale, served by the fallback
    expect(stale).toHaveBeenCalledTimes(1);
    expect(got[0]).toBe(1);
    expect(got.slice(1).length).toBeGreaterThan(0);
    expect(got.slice(1).every((d) => d === 0)).toBe(true); // polled values only
    await client.close();
    expect(pendingTimers(client)).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() keeps subscriptions; start() restores them exactly once', async () => {
    const { network, client, sent } = setup();
    client.subscribe('A', () => {});
    client.subscribe('B', () => {});
    await client.start();
    await vi.advanceTimersByTimeAsync(0);
    await client.stop();
    expect(client.state).toBe('stopped');
    expect(pendingTimers(client)).toEqual([]);
    await client.start();
    await vi.advanceTimersByTimeAsync(0);
    const subs = sent(network.last())
      .filter((m) => m.op === 'subscribe')
      .map((m) => m.topic);
    expect(subs.sort()).toEqual(['A', 'B']);
    await client.close();
  });

  it('send() while offline queues in order, flushes on open, and overflow throws OUTBOX_FULL', async () => {
    const { network, client } = setup({ outbox: { maxMessages: 2 } });
    client.send('{"op":"x","n":1}');
    client.send('{"op":"x","n":2}');
    expect(() => client.send('{"op":"x","n":3}')).toThrow(expect.objectContaining({ code: 'OUTBOX_FULL' }));
    expect(client.metrics().outboxDropped).toBe(1);
    await client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(network.last()!.received.map(String)).toEqual(['{"op":"x","n":1}', '{"op":"x","n":2}']);
    client.send('{"op":"x","n":4}');
    await vi.advanceTimersByTimeAsync(0);
    expect(network.last()!.received).toHaveLength(3);
    await client.close();
  });

  it('after close, every entry point refuses with CLIENT_CLOSED', async () => {
    const { client } = setup();
    await client.close();
    expect(() => client.subscribe('A', () => {})).toThrow(expect.objectContaining({ code: 'CLIENT_CLOSED' }));
    expect(() => client.send('x')).toThrow(expect.objectContaining({ code: 'CLIENT_CLOSED' }));
    await expect(client.start()).rejects.toSatisfy((e) => isStreamClientError(e, 'CLIENT_CLOSED'));
    await client[Symbol.asyncDispose]();
  });

  it('client.view() without the render part attached is INVALID_OPTIONS naming steadystream/render', async () => {
    const { client } = setup();
    expect(() => client.view('v', { topic: 'A', select: (d: number) => ({ d }), render: () => '', onRender: () => {} })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTIONS',
        message: "client.view() needs the render part: import { createViews } from 'steadystream/render' and call createViews(client) once",
      }),
    );
    expect(createViews(client)).toBe(createViews(client));
    await client.close();
    expect(() => createViews(client)).toThrow(expect.objectContaining({ code: 'CLIENT_CLOSED' }));
  });

  it('a view with an id already in use replaces the old view', async () => {
    const { network, client } = setup();
    const a: string[] = [];
    const b: string[] = [];
    const opts = (out: string[]) => ({
      topic: 'A',
      select: (d: number) => ({ d }),
      render: (s: { d: number }) => `${s.d}`,
      onRender: (o: string) => out.push(o),
      minIntervalMs: 0,
    });
    const views = createViews(client);
    views.view('tile', opts(a));
    client.view('tile', opts(b));
    await client.start();
    await vi.advanceTimersByTimeAsync(0);
    network.last()!.send(JSON.stringify({ op: 'data', topic: 'A', data: 7 }));
    await vi.advanceTimersByTimeAsync(0);
    expect([a, b]).toEqual([[], ['7']]);
    await client.close();
  });

  it('health() reports state, token expiry and topic counts', async () => {
    const { client } = setup({ auth: { fetchToken: async () => ({ token: 'tok-abcdef-123', expiresAt: Date.now() + 3_600_000 }) } });
    client.subscribe('A', () => {});
    await client.start();
    await vi.advanceTimersByTimeAsync(0);
    const h = client.health();
    expect(h).toMatchObject({ state: 'open', connected: true, topics: { active: 1, stale: 0 } });
    expect(h.tokenExpiresAt).toBe(Date.now() + 3_600_000);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(client.health().topics).toMatchObject({ stale: 1 });
    await client.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
