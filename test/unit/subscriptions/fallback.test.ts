import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import { createCounters } from '../../../src/observe/counters.js';
import { Log, type Logger } from '../../../src/observe/log.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { FallbackOptions } from '../../../src/client/options.js';
import { SubscriptionRegistry, type DataMeta, type FallbackConfig, type Session } from '../../../src/subscriptions/index.js';
import { registryOptions } from '../../helpers/config.js';

type Json = Record<string, unknown>;

interface Call {
  topic: string;
  at: number;
  signal: AbortSignal;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** A fetch whose calls the test settles by hand. */
function manualFetch() {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch: FallbackConfig['fetch'] = (topic, signal) =>
    new Promise((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const done = () => void inFlight--;
      calls.push({
        topic,
        at: Date.now(),
        signal,
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
      });
    });
  return { fetch, calls, maxInFlight: () => maxInFlight };
}

function setup(fallback: Omit<FallbackOptions, 'fetch'> & { fetch?: FallbackConfig['fetch'] } = {}) {
  const manual = manualFetch();
  const tasks = new TaskRegistry(systemClock);
  const counters = createCounters();
  const records: Json[] = [];
  const at = (level: string) => (obj: object) => void records.push({ level, ...obj });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), isLevelEnabled: () => true };
  const registry = new SubscriptionRegistry(jsonProtocol(), {
    tasks,
    log: new Log(logger),
    counters,
    options: registryOptions({
      stale: { afterMs: 1_000 },
      fallback: { fetch: manual.fetch, intervalMs: 500, ...fallback },
      random: () => 0.5,
      ackTimeoutMs: Infinity,
    }),
  });
  const session: Session = { token: undefined, send: () => {} };
  /** A stream frame as the connection hands it over, received now. */
  const stream = (topic: string, data: unknown): void => registry.data(topic, undefined, data, undefined, tasks.clock.now());
  return { ...manual, tasks, counters, records, registry, session, stream };
}

const events = (records: Json[], event: string) => records.filter((r) => r['event'] === event);

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('fallback poller', () => {
  it('polls a stale topic every intervalMs and delivers with meta.source fallback', async () => {
    const { registry, session, calls, records, counters } = setup();
    const got: [unknown, DataMeta][] = [];
    registry.add('A', (d, m) => got.push([d, m]));
    registry.attach(session);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.map((c) => c.topic)).toEqual(['A']); // first poll when it goes stale
    calls[0]!.resolve({ price: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toEqual([[{ price: 1 }, { topic: 'A', seq: undefined, source: 'fallback', receivedAt: Date.now() }]]);
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBe(500);
    expect(counters.fallbackPolls).toBe(2);
    expect(events(records, 'fallback.start')).toHaveLength(1);
  });

  it('bounds concurrency across topics, first come first served', async () => {
    const { registry, session, calls, maxInFlight } = setup({ concurrency: 2 });
    for (const t of ['A', 'B', 'C', 'D', 'E']) registry.add(t, () => {});
    registry.attach(session);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.map((c) => c.topic)).toEqual(['A', 'B']);
    calls[0]!.resolve(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.topic)).toEqual(['A', 'B', 'C']);
    for (let round = 0; round < 20; round++) {
      for (const c of calls) c.resolve(round);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(maxInFlight()).toBe(2);
    expect(new Set(calls.map((c) => c.topic))).toEqual(new Set(['A', 'B', 'C', 'D', 'E']));
  });

  it('aborts a call after timeoutMs (even a fetch that ignores its signal) and backs off on errors', async () => {
    const { registry, session, calls, counters, records } = setup({ timeoutMs: 200 });
    registry.add('A', () => {});
    registry.attach(session);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(counters.fallbackErrors).toBe(1);
    // failure 1: equal jitter over ceiling 2 * 500 = 1000 -> 750 with random 0.5 (never sooner than intervalMs)
    await vi.advanceTimersByTimeAsync(749);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    calls[1]!.reject(new Error('upstream 503'));
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(1_499); // failure 2: ceiling 2000 -> 1500
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(3);
    expect(events(records, 'fallback.error').map((r) => r['level'])).toEqual(['warn', 'warn']);
    calls[2]!.resolve('ok'); // success resets the period
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toHaveLength(4);
  });

  it('ends on the first stream frame: fallback.stop, onRecover, no further calls or deliveries', async () => {
    const { registry, session, calls, records, stream } = setup();
    const got: string[] = [];
    const recovered: unknown[] = [];
    registry.add('A', (_d, m) => got.push(m.source), { onRecover: (i) => recovered.push(i) });
    registry.attach(session);
    await vi.advanceTimersByTimeAsync(1_000);
    stream('A', 1);
    expect(calls[0]!.signal.aborted).toBe(true);
    calls[0]!.resolve('too late');
    await vi.advanceTimersByTimeAsync(900);
    expect(calls).toHaveLength(1);
    expect(got).toEqual(['stream']);
    expect(recovered).toEqual([{ staleForMs: 0 }]);
    expect(events(records, 'fallback.stop')).toEqual([expect.objectContaining({ topic: 'A', reason: 'recovered' })]);
  });

  it('makes no call and delivers nothing after unsubscribe', async () => {
    const { registry, session, calls, tasks } = setup();
    const got: unknown[] = [];
    const sub = registry.add('A', (d) => got.push(d));
    registry.attach(session);
    await vi.advanceTimersByTimeAsync(1_000);
    sub.unsubscribe();
    calls[0]!.resolve('late');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(1);
    expect(got).toEqual([]);
    expect(tasks.size).toBe(0);
  });

  it('makes no call after dispose and leaves no timer', async () => {
    const { registry, session, calls } = setup();
    registry.add('A', () => {});
    registry.add('B', () => {});
    registry.attach(session);
    await vi.advanceTimersByTimeAsync(1_000);
    calls[0]!.resolve(1);
    await vi.advanceTimersByTimeAsync(0);
    registry.dispose();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.signal.aborted).toBe(true);
  });

  it('keeps a dashboard alive through an outage and hands back to the stream after reconnect', async () => {
    const { registry, session, calls, stream } = setup({ fetch: async (topic) => `${topic}@poll` });
    const got: string[] = [];
    for (const t of ['A', 'B']) registry.add(t, (d) => got.push(String(d)));
    registry.attach(session);
    stream('A', 'A@stream');
    stream('B', 'B@stream');
    registry.detach();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(got.slice(2)).toEqual(['A@poll', 'B@poll']);
    await vi.advanceTimersByTimeAsync(500);
    expect(got).toHaveLength(6);
    registry.attach(session);
    registry.handle({ type: 'subscribed', topic: 'A' });
    stream('A', 'A@back');
    stream('B', 'B@back');
    const count = got.length;
    await vi.advanceTimersByTimeAsync(900);
    expect(got.slice(count - 2)).toEqual(['A@back', 'B@back']);
    expect(got).toHaveLength(count);
    expect(calls).toHaveLength(0); // the manual fetch was replaced by the async one
    expect([...registry.entries()].map((e) => [e.key, e.state, e.fallback])).toEqual([
      ['A', 'active', false],
      ['B', 'active', false],
    ]);
  });
});
