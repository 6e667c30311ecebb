import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { Protocol } from '../../../src/protocol/types.js';
import type { StreamClientError } from '../../../src/core/errors.js';
import { registryHarness } from '../../helpers/registry.js';

const noop = (): void => {};

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('ref-counting', () => {
  it('two handles on one key send one subscribe; the last unsubscribe sends one unsubscribe', () => {
    const { registry, attach, counters } = registryHarness();
    const s = attach();
    const a = registry.add('AAPL', noop);
    const b = registry.add('AAPL', noop);
    expect(s.ops('subscribe')).toEqual([{ op: 'subscribe', topic: 'AAPL' }]);
    expect(registry.size).toBe(1);
    a.unsubscribe();
    expect(s.ops('unsubscribe')).toHaveLength(0);
    b.unsubscribe();
    expect(s.ops('unsubscribe')).toEqual([{ op: 'unsubscribe', topic: 'AAPL' }]);
    expect(registry.size).toBe(0);
    expect(counters.subscribes).toBe(1);
    expect(counters.unsubscribes).toBe(1);
  });

  it('unsubscribe is idempotent (and Symbol.dispose is unsubscribe)', () => {
    const { registry, attach } = registryHarness();
    const s = attach();
    const a = registry.add('AAPL', noop);
    const b = registry.add('AAPL', noop);
    a.unsubscribe();
    a.unsubscribe();
    a[Symbol.dispose]();
    expect(s.ops('unsubscribe')).toHaveLength(0);
    expect(b.state).toBe('pending');
    expect(a.state).toBe('closed');
    {
      using c = registry.add('MSFT', noop);
      expect(c.state).toBe('pending');
    }
    expect(s.ops('unsubscribe')).toEqual([{ op: 'unsubscribe', topic: 'MSFT' }]);
  });

  it('params with different key order share a key; different params are different entries', () => {
    const { registry, attach } = registryHarness();
    const s = attach();
    const a = registry.add('q', noop, { params: { depth: 5, venue: 'X' } });
    const b = registry.add('q', noop, { params: { venue: 'X', depth: 5 } });
    const c = registry.add('q', noop, { params: { venue: 'Y', depth: 5 } });
    expect(a.key).toBe(b.key);
    expect(a.key).not.toBe(c.key);
    expect(s.ops('subscribe')).toHaveLength(2);
    expect(s.ops('subscribe')[0]).toEqual({ op: 'subscribe', topic: 'q', params: { depth: 5, venue: 'X' } });
  });

  it('a subscribe/unsubscribe/subscribe burst while detached sends exactly one subscribe on attach', () => {
    const { registry, attach } = registryHarness();
    registry.add('A', noop).unsubscribe();
    registry.add('B', noop);
    registry.add('A', noop);
    registry.add('C', noop).unsubscribe();
    const s = attach();
    expect(s.frames).toEqual([
      { op: 'subscribe', topic: 'B' },
      { op: 'subscribe', topic: 'A' },
    ]);
  });
});

describe('sessions', () => {
  it('pending -> active on ack, back to pending on detach; attach resubscribes all in one batch with from', () => {
    const { registry, attach, server, counters } = registryHarness();
    const s1 = attach();
    const a = registry.add('A', noop);
    const b = registry.add('B', noop);
    server({ op: 'subscribed', topic: 'A' });
    expect([a.state, b.state]).toEqual(['active', 'pending']);
    server({ op: 'data', topic: 'A', data: 1, seq: 41 });
    registry.detach();
    expect([a.state, b.state]).toEqual(['pending', 'pending']);
    const sizeBefore = s1.frames.length;
    registry.detach(); // idempotent
    expect(s1.frames).toHaveLength(sizeBefore);
    const s2 = attach();
    expect(s2.frames).toEqual([
      { op: 'subscribe', topic: 'A', from: 41 },
      { op: 'subscribe', topic: 'B' },
    ]);
    expect(counters.resubscribes).toBe(2);
  });

  it('without resumable, attach sends no from and restarts positions', () => {
    const protocol: Protocol = { ...jsonProtocol(), resumable: false };
    const { registry, attach, server } = registryHarness({}, protocol);
    const got: unknown[] = [];
    attach();
    registry.add('A', (d) => got.push(d));
    server({ op: 'data', topic: 'A', data: 'x', seq: 10 });
    registry.detach();
    const s2 = attach();
    expect(s2.frames).toEqual([{ op: 'subscribe', topic: 'A' }]);
    server({ op: 'data', topic: 'A', data: 'y', seq: 1 });
    expect(got).toEqual(['x', 'y']);
  });

  it('subscribeIntervalMs paces subscribes through one timer; an unsubscribed queued key is never sent', () => {
    const { registry, attach, tasks } = registryHarness({ subscribeIntervalMs: 100, ackTimeoutMs: Infinity });
    const subs = ['A', 'B', 'C', 'D'].map((t) => registry.add(t, noop));
    const s = attach();
    expect(s.frames.map((f) => f['topic'])).toEqual(['A']);
    expect(tasks.names()).toEqual(['subscribe.pace']);
    subs[2]!.unsubscribe(); // C still queued
    vi.advanceTimersByTime(99);
    expect(s.frames).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(s.frames.map((f) => f['topic'])).toEqual(['A', 'B']);
    vi.advanceTimersByTime(100);
    expect(s.frames.map((f) => f['topic'])).toEqual(['A', 'B', 'D']);
    expect(tasks.names()).toEqual([]);
  });

  it('detach mid-pacing cancels the pacing and sends nothing more', () => {
    const { registry, attach, tasks } = registryHarness({ subscribeIntervalMs: 100 });
    ['A', 'B', 'C'].forEach((t) => registry.add(t, noop));
    const s = attach();
    registry.detach();
    expect(tasks.size).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(s.frames).toHaveLength(1);
  });
});

describe('ack timeout', () => {
  it('retries with backoff (replacing, never doubling) and gives up with SUBSCRIBE_TIMEOUT', () => {
    const { registry, attach, errors, counters } = registryHarness({ ackTimeoutMs: 1_000, retry: { initialDelayMs: 1_000, maxAttempts: 3 } });
    const s = attach();
    const seen: StreamClientError[] = [];
    const a = registry.add('A', noop, { onError: (e) => seen.push(e) });
    vi.advanceTimersByTime(1_000); // ack timeout 1 -> retry in 750 (equal jitter, random 0.5)
    expect(s.frames).toHaveLength(1);
    vi.advanceTimersByTime(750);
    expect(s.frames.slice(1)).toEqual([
      { op: 'unsubscribe', topic: 'A' },
      { op: 'subscribe', topic: 'A' },
    ]);
    vi.advanceTimersByTime(1_000 + 1_500); // timeout 2, retry after 1500
    expect(s.ops('subscribe')).toHaveLength(3);
    vi.advanceTimersByTime(1_000); // timeout 3 = maxAttempts
    expect(a.state).toBe('error');
    expect(seen.map((e) => e.code)).toEqual(['SUBSCRIBE_TIMEOUT']);
    expect(errors).toEqual(seen);
    expect(s.frames.at(-1)).toEqual({ op: 'unsubscribe', topic: 'A' });
    expect(counters.subscriptionErrors).toBe(1);
    expect(counters.resubscribes).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a late ack during the retry wait activates the entry and cancels the retry', () => {
    const { registry, attach, server, tasks } = registryHarness({ ackTimeoutMs: 1_000 });
    const s = attach();
    const a = registry.add('A', noop);
    vi.advanceTimersByTime(1_000);
    expect(tasks.names()).toEqual(['subscribe.retry']);
    server({ op: 'subscribed', topic: 'A' });
    expect(a.state).toBe('active');
    expect(tasks.size).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(s.frames).toHaveLength(1);
  });

  it('stream data before the ack counts as an ack', () => {
    const { registry, attach, server, tasks } = registryHarness({ ackTimeoutMs: 1_000 });
    attach();
    const a = registry.add('A', noop);
    server({ op: 'data', topic: 'A', data: 1 });
    expect(a.state).toBe('active');
    expect(tasks.size).toBe(0);
  });
});

describe('dispose', () => {
  it('closes every handle, cancels every timer and sends nothing', () => {
    const { registry, attach } = registryHarness({ subscribeIntervalMs: 50, ackTimeoutMs: 1_000, stale: { afterMs: 500 } });
    const subs = ['A', 'B', 'C'].map((t) => registry.add(t, noop));
    const s = attach();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    registry.dispose();
    registry.dispose();
    expect(subs.map((x) => x.state)).toEqual(['closed', 'closed', 'closed']);
    expect(vi.getTimerCount()).toBe(0);
    subs[0]!.unsubscribe();
    expect(s.frames).toHaveLength(1);
    expect(() => registry.add('D', noop)).toThrow(/closed/);
  });
});

describe('a registry that has never had an entry (its parts are made on the first add)', () => {
  it('holds no timer, ignores replies and data, and sends nothing while attached', () => {
    const { registry, attach, server, tasks, counters } = registryHarness({ stale: { afterMs: 1_000 }, subscribeIntervalMs: 100 });
    const s = attach();
    server({ op: 'error', code: 'boom', message: 'connection-level' }); // no topic: the connection's own
    server({ op: 'subscribed', topic: 'A' });
    server({ op: 'data', topic: 'A', data: 1 });
    vi.advanceTimersByTime(60_000);
    expect(s.frames).toEqual([]);
    expect(tasks.size).toBe(0);
    expect(registry.size).toBe(0);
    expect(counters.lateFramesDropped).toBe(1);
    registry.detach();
    registry.dispose();
    expect(tasks.size).toBe(0);
  });

  it('the first add after attach subscribes (paced), acks, delivers, goes stale and recovers', () => {
    const { registry, attach, server, tasks, counters } = registryHarness({ stale: { afterMs: 1_000 }, subscribeIntervalMs: 100, ackTimeoutMs: 5_000 });
    const s = attach();
    const got: unknown[] = [];
    const stale = vi.fn();
    registry.add('A', (d) => got.push(d), { onStale: stale });
    registry.add('B', noop);
    expect(s.ops('subscribe').map((f) => f['topic'])).toEqual(['A']);
    vi.advanceTimersByTime(100);
    expect(s.ops('subscribe').map((f) => f['topic'])).toEqual(['A', 'B']);
    server({ op: 'subscribed', topic: 'A' });
    server({ op: 'data', topic: 'A', data: 1, seq: 1 });
    expect(got).toEqual([1]);
    expect(registry.topicCounts()).toMatchObject({ active: 1, pending: 1 });
    vi.advanceTimersByTime(1_500);
    expect(stale).toHaveBeenCalledTimes(1);
    server({ op: 'data', topic: 'A', data: 2, seq: 2 });
    expect(got).toEqual([1, 2]);
    expect(counters.staleRecovered).toBe(1);
    registry.dispose();
    expect(tasks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a first add while paused (client stopped) arms no stale sweep until resume, then goes stale on time', () => {
    const { registry, tasks } = registryHarness({ stale: { afterMs: 1_000 } });
    registry.pause();
    const stale = vi.fn();
    registry.add('A', noop, { onStale: stale });
    vi.advanceTimersByTime(5_000);
    expect(tasks.size).toBe(0);
    expect(stale).not.toHaveBeenCalled();
    registry.resume();
    expect(tasks.names()).toEqual(['stale.sweep']);
    vi.advanceTimersByTime(999);
    expect(stale).not.toHaveBeenCalled();
    vi.advanceTimersByTime(300);
    expect(stale).toHaveBeenCalledTimes(1);
    registry.pause();
    expect(tasks.size).toBe(0);
    registry.dispose();
  });

  it('a reply still due for a removed entry is swallowed, not given to a new entry on its topic', () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    registry.add('A', noop).unsubscribe(); // subscribe went out, its ack is still due
    const sub = registry.add('A', noop);
    server({ op: 'subscribed', topic: 'A' }); // the orphan's ack
    expect(sub.state).toBe('pending');
    server({ op: 'subscribed', topic: 'A' });
    expect(sub.state).toBe('active');
  });
});
