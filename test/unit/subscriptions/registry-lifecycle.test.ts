import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { Protocol } from '../../../src/protocol/types.js';
import type { StreamClientError } from '../../../src/core/errors.js';
import type { StaleInfo } from '../../../src/subscriptions/index.js';
import { registryHarness, type Json } from '../../helpers/registry.js';

const noop = (): void => {};

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

const states = (records: Json[]): unknown[][] =>
  records.filter((r) => r['event'] === 'subscription.state').map((r) => [r['level'], r['topic'], r['from'], r['to']]);

describe("a subscription's life, as a user sees it", () => {
  it('one subscription.state record per change: closed -> pending on subscribe, -> active on the ack, -> closed when the last handle leaves', () => {
    const { registry, attach, server, records } = registryHarness();
    attach();
    const a = registry.add('A', noop);
    const b = registry.add('A', noop); // joins the entry: no record
    server({ op: 'subscribed', topic: 'A' });
    a.unsubscribe(); // one handle left: no record
    b.unsubscribe();
    expect(states(records)).toEqual([
      ['debug', 'A', 'closed', 'pending'],
      ['debug', 'A', 'pending', 'active'],
      ['debug', 'A', 'active', 'closed'],
    ]);
  });

  it('a subscribe({ from }) on a protocol that cannot resume delivers from the first frame (the position is not taken)', () => {
    const protocol: Protocol = { ...jsonProtocol(), resumable: false };
    const { registry, attach, server, counters } = registryHarness({}, protocol);
    const s = attach();
    const got: unknown[] = [];
    registry.add('A', (d) => got.push(d), { from: 41 });
    expect(s.ops('subscribe')).toEqual([{ op: 'subscribe', topic: 'A' }]);
    server({ op: 'data', topic: 'A', data: 'first', seq: 1 });
    expect(got).toEqual(['first']);
    expect(counters.duplicatesDropped).toBe(0);
  });

  it('a new session without a detach in between subscribes everything afresh: pending, one subscribe each, no unsubscribe', () => {
    const { registry, attach, server } = registryHarness();
    attach();
    const a = registry.add('A', noop);
    server({ op: 'subscribed', topic: 'A' });
    expect(a.state).toBe('active');
    const s2 = attach();
    expect(a.state).toBe('pending');
    expect(s2.frames).toEqual([{ op: 'subscribe', topic: 'A' }]);
    server({ op: 'subscribed', topic: 'A' });
    expect(a.state).toBe('active');
  });

  it('when the handle with the smallest staleAfterMs leaves, the topic goes stale by the threshold of those left', () => {
    const { registry, attach } = registryHarness({ stale: { afterMs: 10_000 } });
    attach();
    const infos: StaleInfo[] = [];
    const quick = registry.add('A', noop, { staleAfterMs: 500 });
    registry.add('A', noop, { staleAfterMs: 2_000, onStale: (i) => infos.push(i) });
    vi.advanceTimersByTime(100);
    quick.unsubscribe();
    vi.advanceTimersByTime(1_899);
    expect(infos).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(infos.map((i) => i.silentForMs)).toEqual([2_000]);
  });

  it('keyed data before anything was ever subscribed is a late frame, not a throw', () => {
    const { registry, counters } = registryHarness();
    expect(() => registry.data('A', 'A?op-1', 1, undefined, Date.now())).not.toThrow();
    expect(counters.lateFramesDropped).toBe(1);
    expect([...registry.entries()]).toEqual([]);
    expect(registry.topicCounts()).toEqual({ active: 0, stale: 0, fallback: 0, pending: 0, error: 0 });
  });
});

describe('callbacks that act on the registry from inside a stale sweep', () => {
  it('a client stopped from onStale is quiet: no fallback poll and no stale sweep, for that topic or the others due in the same sweep', async () => {
    const polled: string[] = [];
    const { registry, attach, tasks } = registryHarness({
      ackTimeoutMs: Infinity,
      stale: { afterMs: 1_000 },
      fallback: { fetch: async (topic: string) => void polled.push(topic), intervalMs: 500 },
    });
    attach();
    registry.add('A', noop, { onStale: () => registry.pause() }); // client.stop() from the callback
    registry.add('B', noop);
    registry.add('C', noop, { staleAfterMs: 5_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(tasks.names()).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(polled).toEqual([]);
    expect(registry.topicCounts()).toMatchObject({ fallback: 0 });
    registry.resume(); // started again: the stale topic polls; B and C count their silence from now
    await vi.advanceTimersByTimeAsync(0);
    expect(polled).toEqual(['A']);
    const polls = (t: string) => polled.filter((x) => x === t).length;
    await vi.advanceTimersByTimeAsync(999);
    expect([polls('A'), polls('B'), polls('C')]).toEqual([2, 0, 0]);
    await vi.advanceTimersByTimeAsync(1);
    expect([polls('A'), polls('B'), polls('C')]).toEqual([3, 1, 0]);
    registry.dispose();
  });

  it('a handle that unsubscribes from its onStale leaves no fallback polling for the removed topic', async () => {
    const polled: string[] = [];
    const { registry, attach, tasks } = registryHarness({
      stale: { afterMs: 1_000 },
      fallback: { fetch: async (topic: string) => void polled.push(topic), intervalMs: 500 },
    });
    attach();
    const sub = registry.add('A', noop, { onStale: () => sub.unsubscribe() });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(polled).toEqual([]);
    expect(registry.topicCounts()).toEqual({ active: 0, stale: 0, fallback: 0, pending: 0, error: 0 });
    expect(tasks.size).toBe(0);
  });

  it('while disconnected a stale topic is neither re-sent nor counted as re-sent; the next session subscribes it once', () => {
    const { registry, attach, counters, records } = registryHarness({ ackTimeoutMs: Infinity, stale: { afterMs: 1_000, resubscribeAfterMs: 1_000 } });
    attach();
    const sub = registry.add('A', noop);
    registry.detach();
    vi.advanceTimersByTime(10_000);
    expect(sub.state).toBe('stale');
    expect(counters.staleResubscribes).toBe(0);
    expect(records.filter((r) => r['event'] === 'stale.resubscribe')).toEqual([]);
    const s = attach();
    expect(s.frames).toEqual([{ op: 'subscribe', topic: 'A' }]);
  });

  it('a client closed from onStale leaves no timer and polls nothing, though another topic was still being watched', async () => {
    const polled: string[] = [];
    const { registry, attach, tasks } = registryHarness({
      ackTimeoutMs: Infinity,
      stale: { afterMs: 1_000, resubscribeAfterMs: 1_000 },
      fallback: { fetch: async (topic: string) => void polled.push(topic), intervalMs: 500 },
    });
    attach();
    registry.add('B', noop, { staleAfterMs: 5_000 }); // watched, not due in the sweep that closes
    registry.add('A', noop, { onStale: () => registry.dispose() }); // client.close() from the callback
    await vi.advanceTimersByTimeAsync(1_000);
    expect(tasks.names()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    expect(polled).toEqual([]);
  });
});

describe('the subscription limit', () => {
  it('the one over gets SUBSCRIPTION_LIMIT naming the limit and the topic', async () => {
    const { registry, attach } = registryHarness({ maxSubscriptions: 2 });
    attach();
    registry.add('A', noop);
    registry.add('B', noop);
    const seen: StreamClientError[] = [];
    registry.add('C', noop, { onError: (e) => void seen.push(e) });
    await Promise.resolve();
    expect(seen.map((e) => [e.code, e.message, e.details])).toEqual([
      ['SUBSCRIPTION_LIMIT', 'subscription limit (2) reached; "C" was not sent', { topic: 'C', key: 'C', maxSubscriptions: 2 }],
    ]);
  });

  it('acknowledged subscriptions count once each, and unsubscribing one frees its slot', () => {
    const { registry, attach, server } = registryHarness({ maxSubscriptions: 2 });
    const s = attach();
    const a = registry.add('A', noop);
    registry.add('B', noop);
    server({ op: 'subscribed', topic: 'A' });
    server({ op: 'subscribed', topic: 'B' });
    expect(registry.add('C', noop).state).toBe('error'); // two live: no room
    a.unsubscribe();
    expect(registry.add('D', noop).state).toBe('pending'); // A's slot
    expect(registry.add('E', noop).state).toBe('error');
    expect(s.ops('subscribe').map((f) => f['topic'])).toEqual(['A', 'B', 'D']);
  });
});

describe('stop and start', () => {
  it('stop ends fallback polling with reason stopped; an unsubscribe ends it with reason unsubscribed', async () => {
    const { registry, attach, records } = registryHarness({
      ackTimeoutMs: Infinity,
      stale: { afterMs: 1_000 },
      fallback: { fetch: async () => 1, intervalMs: 500 },
    });
    attach();
    const a = registry.add('A', noop);
    registry.add('B', noop);
    await vi.advanceTimersByTimeAsync(1_000);
    registry.pause();
    registry.resume();
    a.unsubscribe();
    const stops = records.filter((r) => r['event'] === 'fallback.stop').map((r) => [r['topic'], r['reason']]);
    expect(stops).toEqual([
      ['A', 'stopped'],
      ['B', 'stopped'],
      ['A', 'unsubscribed'],
    ]);
    registry.dispose();
  });

  it('start before anything was subscribed, and start with a stale topic but no fallback configured, are no error', () => {
    const { registry, attach } = registryHarness({ stale: { afterMs: 1_000 } });
    registry.pause();
    expect(() => registry.resume()).not.toThrow();
    attach();
    const sub = registry.add('A', noop);
    vi.advanceTimersByTime(1_000);
    expect(sub.state).toBe('stale');
    registry.pause();
    expect(() => registry.resume()).not.toThrow();
    expect(sub.state).toBe('stale');
  });
});

describe('ready', () => {
  it('a topic that goes stale before its first ack is not ready: neither its handle nor one joining it resolves until the ack', async () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity, stale: { afterMs: 1_000 } });
    attach();
    const settled: string[] = [];
    const first = registry.add('A', noop);
    first.ready.then(() => void settled.push('first'));
    vi.advanceTimersByTime(1_000);
    expect(first.state).toBe('stale');
    const joined = registry.add('A', noop);
    joined.ready.then(() => void settled.push('joined'));
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toEqual([]);
    server({ op: 'subscribed', topic: 'A' });
    server({ op: 'data', topic: 'A', data: 1 });
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toEqual(['first', 'joined']);
  });
});

describe('stream data and staleness', () => {
  it('the first frame before the ack is an implicit ack, not a recovery: no onRecover, no stale.recover', () => {
    const { registry, attach, server, counters, records } = registryHarness({ ackTimeoutMs: Infinity, stale: { afterMs: 1_000 } });
    attach();
    const recovered = vi.fn();
    const sub = registry.add('A', noop, { onRecover: recovered });
    server({ op: 'data', topic: 'A', data: 1 });
    expect(sub.state).toBe('active');
    expect(recovered).not.toHaveBeenCalled();
    expect(counters.staleRecovered).toBe(0);
    expect(records.filter((r) => r['event'] === 'stale.recover')).toEqual([]);
  });

  it('each re-send while stale is one stale.resubscribe record naming the topic', () => {
    const { registry, attach, server, records } = registryHarness({ ackTimeoutMs: Infinity, stale: { afterMs: 1_000, resubscribeAfterMs: 1_000 } });
    attach();
    registry.add('A', noop);
    server({ op: 'subscribed', topic: 'A' });
    vi.advanceTimersByTime(1_000 + 2_000);
    expect(records.filter((r) => r['event'] === 'stale.resubscribe').map((r) => [r['level'], r['topic'], r['key']])).toEqual([
      ['info', 'A', 'A'],
      ['info', 'A', 'A'],
    ]);
  });

  it('after close nothing is counted as subscribed', () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    registry.add('A', noop);
    registry.add('B', noop);
    server({ op: 'subscribed', topic: 'A' });
    registry.dispose();
    expect(registry.size).toBe(0);
    expect(registry.topicCounts()).toEqual({ active: 0, stale: 0, fallback: 0, pending: 0, error: 0 });
  });
});

describe('positions and close, as the data path sees them', () => {
  it('a frame without a seq on a numbered topic is delivered and leaves the position alone', () => {
    const { registry, attach, server, counters } = registryHarness();
    attach();
    const got: unknown[] = [];
    registry.add('A', (d) => got.push(d));
    server({ op: 'data', topic: 'A', data: 'one', seq: 1 });
    server({ op: 'data', topic: 'A', data: 'snapshot' });
    server({ op: 'data', topic: 'A', data: 'two', seq: 2 });
    expect(got).toEqual(['one', 'snapshot', 'two']);
    expect([counters.duplicatesDropped, counters.gaps]).toEqual([0, 0]);
  });

  it('a ready still pending when the client closes rejects with CLIENT_CLOSED, "client is closed"', async () => {
    const { registry, attach } = registryHarness();
    attach();
    const sub = registry.add('A', noop);
    const ready = sub.ready.then(
      () => 'resolved',
      (e: StreamClientError) => [e.code, e.message],
    );
    registry.dispose();
    expect(await ready).toEqual(['CLIENT_CLOSED', 'client is closed']);
  });
});

describe('a server that ends subscriptions (complete)', () => {
  it('a complete long after the last ack starts a fresh retry budget, even if the topic went stale and recovered in between', () => {
    const { registry, attach, server, errors } = registryHarness({
      ackTimeoutMs: Infinity,
      retry: { initialDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 2 },
      stale: { afterMs: 1_000 },
    });
    const s = attach();
    const sub = registry.add('A', noop);
    server({ op: 'subscribed', topic: 'A' });
    vi.advanceTimersByTime(10);
    registry.handle({ type: 'complete', topic: 'A' }); // ended right after its ack: one failure in a row
    vi.advanceTimersByTime(1_000);
    expect(s.ops('subscribe')).toHaveLength(2);
    server({ op: 'subscribed', topic: 'A' });
    vi.advanceTimersByTime(5_000);
    expect(sub.state).toBe('stale');
    server({ op: 'data', topic: 'A', data: 1 }); // recovers: data, not a new ack
    expect(sub.state).toBe('active');
    vi.advanceTimersByTime(10);
    registry.handle({ type: 'complete', topic: 'A' }); // 5 s after the ack: a fresh start, retried
    expect(sub.state).toBe('pending');
    expect(errors).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(s.ops('subscribe')).toHaveLength(3);
  });
});
