import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamClient, type StateChange, type StreamClientOptions } from '../../src/index.js';
import { createTestServer, type TestServer, pendingTimers } from '../../src/testing/index.js';
import { nextState } from '../helpers/client.js';
import { leakedSince, resourceCounts } from '../helpers/leaks.js';
import { createTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { seeded } from '../helpers/random.js';
import { until } from '../helpers/until.js';

// Fault injection through a loopback TCP proxy, with real timers and small delays. The
// reconnect policy has no jitter, so every retry's delay is known: 10, 20, 40, 80, 100, 100 ms…
// and `resetAfterMs` is long, so the attempt counter runs on through a whole test.

const RECONNECT = { initialDelayMs: 10, maxDelayMs: 100, factor: 2, jitter: 'none', resetAfterMs: 60_000, quickRetryMs: 0 } as const;

/** The delay of retry `n` (1-based) under {@link RECONNECT}. */
function scheduled(n: number): number {
  return Math.min(RECONNECT.maxDelayMs, RECONNECT.initialDelayMs * RECONNECT.factor ** (n - 1));
}

/**
 * The most retries whose delays fit in `ms` when each retry `n` waits at least `minDelay(n)`:
 * timers never fire early, so more than this in `ms` would be a reconnect storm.
 */
function retriesWithin(ms: number, minDelay: (n: number) => number = scheduled): number {
  let spent = 0;
  let n = 0;
  while (n < 10_000) {
    spent += minDelay(n + 1);
    if (spent > ms) break;
    n += 1;
  }
  return n;
}

/** One client behind the proxy: its topics, the seqs each topic delivered, its transitions. */
class Subject {
  readonly seqs = new Map<string, number[]>();
  readonly states: StateChange[] = [];
  readonly data = new EventEmitter();

  constructor(
    readonly client: StreamClient,
    readonly topics: readonly string[],
  ) {
    client.on('state', (c) => this.states.push(c));
    for (const topic of topics) {
      const seqs: number[] = [];
      this.seqs.set(topic, seqs);
      client.subscribe(topic, (_data, meta) => {
        if (meta.seq !== undefined) seqs.push(meta.seq);
        this.data.emit('data');
      });
    }
  }

  /** The `reconnecting` transitions: one per scheduled retry. */
  get plans(): StateChange[] {
    return this.states.filter((c) => c.to === 'reconnecting');
  }

  /** Resolves once every topic has delivered at least `n` messages, bounded. */
  received(n: number, timeoutMs = 5_000): Promise<void> {
    const ok = () => this.topics.every((t) => (this.seqs.get(t)?.length ?? 0) >= n);
    return until(ok, [[this.data, ['data']]], timeoutMs, `${n} messages on every topic (${this.describe()})`);
  }

  /** Resolves when open (now or next), bounded. */
  open(timeoutMs = 5_000): Promise<unknown> {
    return this.client.state === 'open' ? Promise.resolve() : nextState(this.client, 'open', { timeoutMs });
  }

  /**
   * Every topic delivered exactly seqs 1..n, in order: nothing twice, nothing lost. And nothing
   * twice on the wire either: resume positions were exact, so the client dropped no duplicate.
   */
  expectExactlyOnce(n: number): void {
    const want = Array.from({ length: n }, (_, i) => i + 1);
    for (const t of this.topics) expect(this.seqs.get(t), `topic ${t}`).toEqual(want);
    expect(this.client.metrics()).toMatchObject({ duplicatesDropped: 0, gaps: 0 });
  }

  describe(): string {
    return this.topics.map((t) => `${t}: ${this.seqs.get(t)?.length ?? 0}`).join(', ');
  }
}

/** A test server (with history, so `from` resumes) behind a proxy, and clients through it. */
class Rig {
  readonly subjects: Subject[] = [];

  private constructor(
    readonly before: Map<string, number>,
    readonly server: TestServer,
    readonly proxy: TcpProxy,
  ) {}

  static async create(): Promise<Rig> {
    const before = resourceCounts();
    const server = await createTestServer({ history: 10_000 });
    const proxy = await createTcpProxy({ target: server.port });
    const rig = new Rig(before, server, proxy);
    rigs.push(rig);
    return rig;
  }

  /** A client through the proxy: no jitter, small delays, no heartbeat unless asked. */
  subject(topics: readonly string[], options: Partial<StreamClientOptions> = {}, seed = 1): Subject {
    const client = new StreamClient({
      url: this.proxy.url(),
      random: seeded(seed),
      reconnect: RECONNECT,
      heartbeat: false,
      connectTimeoutMs: 2_000,
      handshakeTimeoutMs: 2_000,
      closeTimeoutMs: 500,
      subscriptions: { ackTimeoutMs: 2_000 },
      ...options,
    });
    const s = new Subject(client, topics);
    this.subjects.push(s);
    return s;
  }

  get topics(): string[] {
    return this.subjects.flatMap((s) => s.topics);
  }

  /** Publishes `n` messages on every topic (each gets the topic's next seq). */
  publish(n: number): void {
    for (const t of this.topics) for (let i = 0; i < n; i++) this.server.publish(t, { i });
  }

  /**
   * Resolves once the server holds one connection per client and every topic exactly once
   * (a stale session from before a fault has gone). Bounded: this is the recovery bound.
   */
  settled(timeoutMs = 5_000): Promise<void> {
    const want = this.subjects.length;
    const ok = () => {
      if (this.server.connections !== want) return false;
      const subs = this.server.subscriptions();
      return subs.size === this.topics.length && this.topics.every((t) => subs.get(t) === 1);
    };
    const events = ['connection', 'disconnect', 'subscribe', 'unsubscribe'];
    return until(
      ok,
      [[this.server, events]],
      timeoutMs,
      `one connection per client and each topic once (connections ${this.server.connections}, ${JSON.stringify(Object.fromEntries(this.server.subscriptions()))})`,
    );
  }

  /** Exactly one live subscription per topic, one connection per client. */
  expectSubscribedOnce(): void {
    expect(Object.fromEntries(this.server.subscriptions())).toEqual(Object.fromEntries(this.topics.map((t) => [t, 1])));
    expect(this.server.connections).toBe(this.subjects.length);
  }

  /** close() every client, then the proxy and the server: no timer, listener or handle is left. */
  async finish(): Promise<void> {
    await Promise.all(this.subjects.map((s) => s.client.close()));
    for (const { client } of this.subjects) {
      expect(pendingTimers(client)).toEqual([]);
      expect(client.eventNames()).toEqual([]);
      expect(client.listenerCount('state')).toBe(0);
    }
    await this.dispose();
    expect(await leakedSince(this.before)).toEqual({});
  }

  #disposed = false;
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await Promise.all(this.subjects.map((s) => s.client.close()));
    await this.proxy.close();
    await this.server.close();
  }
}

const rigs: Rig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.dispose()));
});

/** Retry plans must be 1, 2, 3… with exactly the scheduled delays. */
function expectOnSchedule(plans: readonly StateChange[]): void {
  expect(plans.map((p) => p.attempt)).toEqual(plans.map((_, i) => i + 1));
  expect(plans.map((p) => p.delayMs)).toEqual(plans.map((_, i) => scheduled(i + 1)));
}

describe('fault injection through a loopback TCP proxy (jsonProtocol, seq resume)', () => {
  it('RST of every connection, 5 times: each retry on schedule, subscriptions back once, no seq twice', async () => {
    const rig = await Rig.create();
    const s = rig.subject(['A', 'B', 'C']);
    await s.client.start();
    await rig.settled();
    rig.publish(3);
    await s.received(3);
    for (let round = 1; round <= 5; round++) {
      const plan = nextState(s.client, 'reconnecting');
      const open = nextState(s.client, 'open');
      expect(rig.proxy.resetAll()).toBe(1);
      rig.publish(2); // into the dying socket or the outage: replayed from history on resubscribe
      expect(await plan).toMatchObject({ from: 'open', attempt: round, delayMs: scheduled(round) });
      await open;
      await rig.settled();
      rig.expectSubscribedOnce();
      rig.publish(2);
      await s.received(3 + 4 * round);
    }
    s.expectExactlyOnce(23);
    expectOnSchedule(s.plans);
    expect(s.client.metrics()).toMatchObject({ connectAttempts: 6, connects: 6, disconnects: 5, reconnectsScheduled: 5, duplicatesDropped: 0, gaps: 0 });
    expect(rig.proxy.resets).toBe(5);
    await rig.finish();
  });

  it('refusal (server down) for 6 failed retries, then back: attempts match the schedule, no storm', async () => {
    const rig = await Rig.create();
    const s = rig.subject(['A', 'B', 'C']);
    await s.client.start();
    await rig.settled();
    rig.publish(3);
    await s.received(3);

    await rig.proxy.refuse(true); // the listener is gone: connects get ECONNREFUSED
    const t0 = performance.now();
    const sixth = nextState(s.client, 'reconnecting', { filter: (c) => c.attempt === 6 });
    rig.proxy.resetAll(); // and the server's connections die with it
    rig.publish(5); // published while down: kept in history
    await sixth;
    const open = nextState(s.client, 'open');
    await rig.proxy.refuse(false);
    const outageMs = performance.now() - t0;
    await open;
    await rig.settled();
    rig.expectSubscribedOnce();
    rig.publish(3);
    await s.received(11);
    s.expectExactlyOnce(11);

    // The 6th retry (100 ms after the 5th failed) normally finds the listener back; a very slow
    // re-listen may cost exactly one more.
    const plans = s.plans;
    expectOnSchedule(plans);
    expect(plans.length).toBeGreaterThanOrEqual(6);
    expect(plans.length).toBeLessThanOrEqual(7);
    const failed = plans.length - 1;
    expect(s.client.metrics()).toMatchObject({ connectAttempts: 1 + plans.length, connects: 2, connectFailures: failed, disconnects: 1 });
    // No storm: the failed retries fit the schedule within the outage.
    expect(failed).toBeLessThanOrEqual(retriesWithin(outageMs));
    expect(rig.proxy.accepted).toBe(2); // refused connects never reached the proxy
    await rig.finish();
  });

  it('refusal by reset (no healthy backend): every refused connect is one failed attempt, on schedule', async () => {
    const rig = await Rig.create();
    const s = rig.subject(['A', 'B']);
    await s.client.start();
    await rig.settled();
    rig.publish(1); // a position to resume from: a topic that never delivered resumes from nothing
    await s.received(1);
    await rig.proxy.refuse(true, 'reset');
    const fourth = nextState(s.client, 'reconnecting', { filter: (c) => c.attempt === 4 });
    rig.proxy.resetAll();
    rig.publish(2);
    await fourth;
    const open = nextState(s.client, 'open');
    await rig.proxy.refuse(false);
    await open;
    await rig.settled();
    rig.expectSubscribedOnce();
    await s.received(3);
    s.expectExactlyOnce(3);
    expectOnSchedule(s.plans);
    const failed = s.plans.length - 1;
    expect(failed).toBeGreaterThanOrEqual(3);
    expect(rig.proxy.refused).toBe(failed);
    expect(s.client.metrics()).toMatchObject({ connectAttempts: 2 + failed, connectFailures: failed });
    await rig.finish();
  });

  it('blackhole (half-open) is found by the heartbeat, a connect into it times out, and it recovers when lifted', async () => {
    const rig = await Rig.create();
    const heartbeat = { intervalMs: 100, timeoutMs: 250 };
    const s = rig.subject(['A', 'B', 'C'], { heartbeat, connectTimeoutMs: 300 });
    await s.client.start();
    await rig.settled();
    rig.publish(3);
    await s.received(3);

    const dead = nextState(s.client, 'reconnecting', { filter: (c) => c.reason === 'heartbeat-timeout', timeoutMs: 3_000 });
    const t0 = performance.now();
    rig.proxy.blackhole(true);
    rig.publish(4); // dropped on the way: the client must get it by resuming
    await dead;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(heartbeat.intervalMs);
    expect(rig.server.connections).toBe(1); // half-open: the server never heard of the loss

    // The retry gets a TCP connection into the blackhole but no upgrade answer.
    await nextState(s.client, 'reconnecting', { filter: (c) => c.reason === 'connect-timeout', timeoutMs: 3_000 });
    const open = nextState(s.client, 'open');
    rig.proxy.blackhole(false); // the network heals: the stale halves are reset
    await open;
    await rig.settled(); // the server's stale session is gone too
    rig.expectSubscribedOnce();
    rig.publish(3);
    await s.received(10);
    s.expectExactlyOnce(10);

    expect(s.plans.map((p) => p.reason)).toEqual(['heartbeat-timeout', 'connect-timeout']);
    expectOnSchedule(s.plans);
    expect(s.client.metrics()).toMatchObject({ heartbeatTimeouts: 1, connectAttempts: 3, connects: 2, connectFailures: 1, disconnects: 1 });
    expect(rig.proxy.droppedBytes).toBeGreaterThan(0);
    await rig.finish();
  });

  it('added latency of 50 ms each way: connects, subscribes, receives in order, and resumes after an RST', async () => {
    const rig = await Rig.create();
    rig.proxy.latency(50);
    const s = rig.subject(['A', 'B', 'C'], { heartbeat: { intervalMs: 200, timeoutMs: 500 } });
    const t0 = performance.now();
    await s.client.start();
    // The upgrade request and its answer each waited 50 ms.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100 - 2);
    await rig.settled();
    rig.publish(20);
    await s.received(20);
    s.expectExactlyOnce(20);

    const open = nextState(s.client, 'open');
    rig.proxy.resetAll();
    rig.publish(5);
    await open;
    await rig.settled();
    rig.expectSubscribedOnce();
    rig.publish(5);
    await s.received(30);
    s.expectExactlyOnce(30);
    expectOnSchedule(s.plans);
    expect(s.client.metrics()).toMatchObject({ connectAttempts: 2, heartbeatTimeouts: 0, decodeErrors: 0 });
    await rig.finish();
  });

  it('slow drip of 7-byte chunks: frames still decode in order, and a reset mid-frame resumes cleanly', async () => {
    const rig = await Rig.create();
    rig.proxy.drip({ bytesPerChunk: 7, intervalMs: 1 });
    const s = rig.subject(['A', 'B', 'C']);
    await s.client.start();
    await rig.settled();
    rig.publish(4);
    await s.received(4);
    s.expectExactlyOnce(4);
    const stats = rig.proxy.stats();
    expect(stats.writesDown).toBeGreaterThanOrEqual(Math.ceil(stats.bytesDown / 7));

    // 30 frames of ~45 bytes take 200 + ms to drip; reset after the first one arrived, so
    // the reset lands while frames are queued or half delivered.
    rig.publish(10);
    await until(() => s.topics.some((t) => (s.seqs.get(t)?.length ?? 0) > 4), [[s.data, ['data']]], 5_000, 'a dripped frame');
    const open = nextState(s.client, 'open');
    rig.proxy.resetAll();
    await open;
    await rig.settled();
    rig.expectSubscribedOnce();
    rig.publish(2);
    await s.received(16, 10_000);
    s.expectExactlyOnce(16);
    expect(s.client.metrics()).toMatchObject({ decodeErrors: 0, connectAttempts: 2, duplicatesDropped: 0 });
    await rig.finish();
  });

  it('close storm against one client: every connection reset for 1 s, one retry per reset, on schedule', async () => {
    const rig = await Rig.create();
    const s = rig.subject(['A', 'B', 'C']);
    await s.client.start();
    await rig.settled();
    rig.publish(3);
    await s.received(3);

    const open = nextState(s.client, 'open', { timeoutMs: 6_000 });
    const storm = rig.proxy.closeStorm(100, 1_000);
    rig.publish(5);
    const result = await storm;
    await open;
    await rig.settled();
    rig.expectSubscribedOnce();
    rig.publish(3);
    await s.received(11);
    s.expectExactlyOnce(11);

    // One client cannot offer 100 connections in a second without a reconnect storm.
    expect(result.complete).toBe(false);
    const plans = s.plans;
    expectOnSchedule(plans);
    expect(plans).toHaveLength(result.resets); // one transition and one retry per reset
    expect(s.client.metrics()).toMatchObject({ connectAttempts: 1 + result.resets, reconnectsScheduled: result.resets, connects: 2 });
    expect(result.resets - 1).toBeLessThanOrEqual(retriesWithin(result.elapsedMs));
    await rig.finish();
  });

  it('close storm of 100 resets within ~1 s across 20 clients (equal jitter): each recovers once, no storm', async () => {
    const rig = await Rig.create();
    const reconnect = { ...RECONNECT, jitter: 'equal' } as const;
    const fleet = Array.from({ length: 20 }, (_, i) => rig.subject([`c${i}.A`, `c${i}.B`], { reconnect }, 1_000 + i));
    await Promise.all(fleet.map((s) => s.client.start()));
    await rig.settled();
    rig.publish(2);
    await Promise.all(fleet.map((s) => s.received(2)));

    const storm = rig.proxy.closeStorm(100, 1_000);
    rig.publish(2);
    const result = await storm;
    expect(result).toMatchObject({ resets: 100, complete: true });
    await Promise.all(fleet.map((s) => s.open(5_000)));
    await rig.settled();
    rig.expectSubscribedOnce();
    rig.publish(2);
    await Promise.all(fleet.map((s) => s.received(6)));

    let retries = 0;
    for (const s of fleet) {
      s.expectExactlyOnce(6);
      const plans = s.plans;
      // Equal jitter: retry n waits within [ceiling/2, ceiling], rounded up to whole ms.
      expect(plans.map((p) => p.attempt)).toEqual(plans.map((_, i) => i + 1));
      for (const [i, p] of plans.entries()) {
        expect(p.delayMs).toBeGreaterThanOrEqual(Math.ceil(scheduled(i + 1) / 2));
        expect(p.delayMs).toBeLessThanOrEqual(scheduled(i + 1));
      }
      const m = s.client.metrics();
      expect(m.reconnectsScheduled).toBe(plans.length);
      expect(m.connectAttempts).toBe(1 + plans.length);
      expect(m.duplicatesDropped).toBe(0);
      // No storm: the failed retries fit the fastest schedule equal jitter allows.
      expect(plans.length - 1).toBeLessThanOrEqual(retriesWithin(result.elapsedMs, (n) => Math.ceil(scheduled(n) / 2)));
      retries += plans.length;
    }
    expect(retries).toBe(100); // every reset cost exactly one retry, fleet-wide
    await rig.finish();
  });
});
