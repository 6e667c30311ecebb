import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStreamClientError, type StreamClientError } from '../../../src/core/errors.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { Frame, Protocol } from '../../../src/protocol/types.js';
import { type DataMeta } from '../../../src/subscriptions/index.js';
import { registryHarness } from '../../helpers/registry.js';

const noop = (): void => {};

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('errors and limits', () => {
  it('a rejection errors that entry only, with SUBSCRIPTION_REJECTED on its handles', () => {
    const { registry, attach, server, errors, records } = registryHarness();
    attach();
    const bad: StreamClientError[] = [];
    const good: StreamClientError[] = [];
    const a = registry.add('BAD', noop, { onError: (e) => bad.push(e) });
    const b = registry.add('GOOD', noop, { onError: (e) => good.push(e) });
    server({ op: 'error', topic: 'BAD', code: 'unknown_topic', message: 'no such topic' });
    server({ op: 'subscribed', topic: 'GOOD' });
    expect([a.state, b.state]).toEqual(['error', 'active']);
    expect(bad.map((e) => [e.code, isStreamClientError(e, 'SUBSCRIPTION_REJECTED')])).toEqual([['SUBSCRIPTION_REJECTED', true]]);
    expect(good).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', event: 'subscription.state', topic: 'BAD', to: 'error' }));
  });

  it('subscribing again to an errored key retries it', () => {
    const { registry, attach, server } = registryHarness();
    const s = attach();
    const a = registry.add('A', noop);
    server({ op: 'error', topic: 'A', code: 'busy', message: '' });
    const b = registry.add('A', noop);
    expect([a.state, b.state]).toEqual(['pending', 'pending']);
    expect(s.ops('subscribe')).toHaveLength(2);
    expect(s.ops('unsubscribe')).toHaveLength(0);
  });

  it('maxSubscriptions: the one over gets SUBSCRIPTION_LIMIT, is not sent; others unaffected', async () => {
    const { registry, attach, errors } = registryHarness({ maxSubscriptions: 2 });
    const s = attach();
    const seen: string[] = [];
    registry.add('A', noop);
    registry.add('B', noop);
    const c = registry.add('C', noop, { onError: (e) => seen.push(e.code) });
    expect(c.state).toBe('error');
    expect(seen).toEqual([]); // never inside subscribe(): reported on a microtask
    await Promise.resolve();
    expect(seen).toEqual(['SUBSCRIPTION_LIMIT']);
    expect(errors.map((e) => e.code)).toEqual(['SUBSCRIPTION_LIMIT']);
    expect(s.ops('subscribe').map((f) => f['topic'])).toEqual(['A', 'B']);
    registry.detach();
    const s2 = attach();
    expect(s2.ops('subscribe').map((f) => f['topic'])).toEqual(['A', 'B']);
  });

  it('protocol limits apply, and a server limit error maps to SUBSCRIPTION_LIMIT', () => {
    const protocol: Protocol = { ...jsonProtocol(), limits: { maxSubscriptions: 1 } };
    const { registry, attach, server } = registryHarness({}, protocol);
    attach();
    const a = registry.add('A', noop);
    const b = registry.add('B', noop);
    expect(b.state).toBe('error');
    const codes: string[] = [];
    registry.add('A', noop, { onError: (e) => codes.push(e.code) });
    server({ op: 'error', topic: 'A', code: 'limit', message: 'too many' });
    expect(a.state).toBe('error');
    expect(codes).toEqual(['SUBSCRIPTION_LIMIT']);
  });

  it('a transient error or a server complete resubscribes after backoff', () => {
    const { registry, attach } = registryHarness();
    const s = attach();
    const a = registry.add('A', noop);
    registry.handle({ type: 'error', topic: 'A', code: 'busy', message: '', kind: 'transient' });
    expect(a.state).toBe('pending');
    vi.advanceTimersByTime(750);
    expect(s.ops('subscribe')).toHaveLength(2);
    registry.handle({ type: 'subscribed', topic: 'A' });
    registry.handle({ type: 'complete', topic: 'A' });
    expect(a.state).toBe('pending');
    vi.advanceTimersByTime(750);
    expect(s.ops('subscribe')).toHaveLength(3);
  });
});

describe('data path', () => {
  it('delivers one shared meta per message, drops duplicates, reports gaps and still delivers', () => {
    const { registry, attach, server, counters, records } = registryHarness();
    attach();
    const got: [unknown, DataMeta][] = [];
    const gaps: unknown[] = [];
    registry.add('A', (d, m) => got.push([d, m]), { onGap: (g) => gaps.push(g) });
    registry.add('A', (d, m) => got.push([d, m]));
    server({ op: 'subscribed', topic: 'A' });
    server({ op: 'data', topic: 'A', data: 'one', seq: 1 });
    server({ op: 'data', topic: 'A', data: 'dup', seq: 1 });
    server({ op: 'data', topic: 'A', data: 'old', seq: 0 });
    server({ op: 'data', topic: 'A', data: 'four', seq: 4 });
    expect(got.map(([d]) => d)).toEqual(['one', 'one', 'four', 'four']);
    expect(got[0]![1]).toBe(got[1]![1]);
    expect(got[0]![1]).toEqual({ topic: 'A', seq: 1, source: 'stream', receivedAt: Date.now() });
    expect(counters.duplicatesDropped).toBe(2);
    expect(counters.gaps).toBe(1);
    expect(gaps).toEqual([{ kind: 'gap', expected: 2, received: 4 }]);
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', event: 'subscription.gap', expected: 2, received: 4 }));
  });

  it('drops late frames for topics without an entry, and for entries not subscribed on this session', () => {
    const { registry, attach, server, counters } = registryHarness();
    const got: unknown[] = [];
    attach();
    registry.add('A', (d) => got.push(d)).unsubscribe();
    server({ op: 'data', topic: 'A', data: 'late' });
    registry.detach();
    registry.add('B', (d) => got.push(d));
    server({ op: 'data', topic: 'B', data: 'offline' });
    expect(got).toEqual([]);
    expect(counters.lateFramesDropped).toBe(2);
  });

  it('a handle closed during dispatch gets nothing more, even in the same loop', () => {
    const { registry, attach, server } = registryHarness();
    attach();
    const got: string[] = [];
    const second = { sub: undefined as undefined | { unsubscribe(): void } };
    registry.add('A', () => {
      got.push('first');
      second.sub?.unsubscribe();
    });
    second.sub = registry.add('A', () => got.push('second'));
    registry.add('A', () => got.push('third'));
    server({ op: 'data', topic: 'A', data: 1 });
    server({ op: 'data', topic: 'A', data: 2 });
    expect(got).toEqual(['first', 'third', 'first', 'third']);
  });

  it('a throwing callback is isolated: counted, logged, the others still receive', () => {
    const { registry, attach, server, counters, records } = registryHarness();
    attach();
    const got: unknown[] = [];
    registry.add('A', () => {
      throw new Error('boom');
    });
    registry.add('A', (d) => got.push(d));
    server({ op: 'data', topic: 'A', data: 7 });
    expect(got).toEqual([7]);
    expect(counters.callbackErrors).toBe(1);
    expect(records).toContainEqual(expect.objectContaining({ level: 'error', event: 'callback.error', callback: 'onData' }));
  });

  it('logs nothing and arms no timer on the data path', () => {
    const { registry, attach, server, records, tasks } = registryHarness({ stale: { afterMs: 1_000 } });
    attach();
    registry.add('A', noop);
    server({ op: 'subscribed', topic: 'A' });
    const before = records.length;
    const timers = tasks.size;
    for (let i = 1; i <= 1_000; i++) server({ op: 'data', topic: 'A', data: i, seq: i });
    expect(records.length).toBe(before);
    expect(tasks.size).toBe(timers);
  });

  it('does not misroute a reply due to an unsubscribed entry to its successor', () => {
    const { registry, attach, server } = registryHarness();
    attach();
    registry.add('A', noop).unsubscribe(); // subscribe sent, reply still in flight
    const b = registry.add('A', noop);
    server({ op: 'error', topic: 'A', code: 'x', message: 'refused the first subscribe' });
    expect(b.state).toBe('pending');
    server({ op: 'subscribed', topic: 'A' });
    expect(b.state).toBe('active');
  });
});

describe('receive time', () => {
  it('data carries the receive time decodeInto was given, not the time it is routed', () => {
    vi.setSystemTime(50_000);
    const { registry, attach } = registryHarness();
    attach();
    const metas: DataMeta[] = [];
    registry.add('A', (_d, m) => void metas.push(m));
    jsonProtocol().decodeInto!('{"op":"data","topic":"A","seq":1,"data":1}', registry, 49_990);
    expect(metas.map((m) => m.receivedAt)).toEqual([49_990]);
    expect([...registry.entries()][0]!.lastDataAt).toBe(49_990);
  });

  it('a protocol written before decodeInto passed the receive time (sink.data with four arguments) gets the clock time', () => {
    vi.setSystemTime(50_000);
    const legacy: Protocol = { ...jsonProtocol(), decodeInto: (_frame: Frame, sink) => void sink.data('A', undefined, 'old', 1) };
    const { registry, attach, server } = registryHarness({}, legacy);
    attach();
    const metas: DataMeta[] = [];
    registry.add('A', (_d, m) => void metas.push(m));
    server({ op: 'anything' });
    expect(metas.map((m) => [m.receivedAt, m.seq])).toEqual([[50_000, 1]]);
  });
});
