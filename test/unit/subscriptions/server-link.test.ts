import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamClientError } from '../../../src/core/errors.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { Frame, Protocol } from '../../../src/protocol/types.js';
import type { Session } from '../../../src/subscriptions/index.js';
import { MAX_ORPHAN_TOPICS } from '../../../src/subscriptions/server-link.js';
import { registryHarness } from '../../helpers/registry.js';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

const noop = (): void => {};

describe('topic-routed replies for two entries on one topic', () => {
  it('the second ack activates the second entry, not the first again', () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    const a = registry.add('A', noop, { params: { v: 1 } });
    const b = registry.add('A', noop, { params: { v: 2 } });
    server({ op: 'subscribed', topic: 'A' });
    expect([a.state, b.state]).toEqual(['active', 'pending']);
    server({ op: 'subscribed', topic: 'A' });
    expect([a.state, b.state]).toEqual(['active', 'active']);
  });

  it('a refusal after the first ack errors the second entry only', async () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    const seen: StreamClientError[][] = [[], []];
    const a = registry.add('A', noop, { params: { v: 1 }, onError: (e) => void seen[0]!.push(e) });
    const b = registry.add('A', noop, { params: { v: 2 }, onError: (e) => void seen[1]!.push(e) });
    server({ op: 'subscribed', topic: 'A' });
    server({ op: 'error', topic: 'A', code: 'forbidden', message: 'no' });
    expect([a.state, b.state]).toEqual(['active', 'error']);
    await Promise.resolve();
    expect(seen.map((l) => l.map((e) => [e.code, e.message, e.details]))).toEqual([
      [],
      [['SUBSCRIPTION_REJECTED', 'server refused subscription to "A" (forbidden)', { topic: 'A', key: b.key, serverCode: 'forbidden', reason: 'no' }]],
    ]);
  });
});

describe('replies to a re-sent subscribe', () => {
  it('a refusal of the first subscribe while its retry is unanswered is not the verdict: the retry ack is', () => {
    const { registry, attach, server, errors } = registryHarness({ ackTimeoutMs: 1_000 });
    const s = attach();
    const a = registry.add('A', noop);
    vi.advanceTimersByTime(1_000 + 750); // ack timeout, then the retry re-sends
    expect(s.ops('subscribe')).toHaveLength(2);
    server({ op: 'error', topic: 'A', code: 'late', message: 'refused the first' });
    expect(a.state).toBe('pending');
    server({ op: 'subscribed', topic: 'A' });
    expect(a.state).toBe('active');
    expect(errors).toEqual([]);
  });

  it('a key-routed refusal always answers the current operation, even with an earlier reply still due', () => {
    const { registry, attach, errors } = registryHarness({ ackTimeoutMs: 1_000 });
    attach();
    const a = registry.add('A', noop);
    vi.advanceTimersByTime(1_000 + 750);
    registry.handle({ type: 'error', topic: 'A', key: a.key, code: 'bad', message: 'no' });
    expect(a.state).toBe('error');
    expect(errors.map((e) => e.code)).toEqual(['SUBSCRIPTION_REJECTED']);
  });

  it('a second ack for an active entry is a duplicate, not a new position: delivered frames stay delivered', () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    const got: unknown[] = [];
    registry.add('A', (d) => void got.push(d));
    server({ op: 'subscribed', topic: 'A', seq: 0 });
    server({ op: 'data', topic: 'A', data: 1, seq: 1 });
    server({ op: 'data', topic: 'A', data: 2, seq: 2 });
    server({ op: 'subscribed', topic: 'A', seq: 0 }); // a duplicate: the server already holds it
    server({ op: 'data', topic: 'A', data: 1, seq: 1 });
    expect(got).toEqual([1, 2]);
  });

  it('a stale re-send of an acked subscription arms no ack timer, and its ack is no recovery (data is)', () => {
    const { registry, attach, server, counters } = registryHarness({ stale: { afterMs: 1_000, resubscribeAfterMs: 3_000 }, ackTimeoutMs: 1_000 });
    const s = attach();
    const a = registry.add('A', noop);
    server({ op: 'subscribed', topic: 'A' });
    vi.advanceTimersByTime(1_000 + 3_000);
    expect(s.frames).toEqual([
      { op: 'subscribe', topic: 'A' },
      { op: 'unsubscribe', topic: 'A' },
      { op: 'subscribe', topic: 'A' },
    ]);
    vi.advanceTimersByTime(2_000); // past the ack timeout: nothing re-sent
    expect(s.frames).toHaveLength(3);
    server({ op: 'subscribed', topic: 'A' });
    expect(a.state).toBe('stale');
    server({ op: 'data', topic: 'A', data: 1 });
    expect(a.state).toBe('active');
    expect(counters.staleRecovered).toBe(1);
  });

  it('after a transient refusal the server holds nothing: its data is late, and the retry only subscribes', () => {
    const { registry, attach, server, counters } = registryHarness({ ackTimeoutMs: Infinity });
    const s = attach();
    const got: unknown[] = [];
    registry.add('A', (d) => void got.push(d));
    registry.handle({ type: 'error', topic: 'A', code: 'busy', message: '', kind: 'transient' });
    server({ op: 'data', topic: 'A', data: 'late' });
    expect([got, counters.lateFramesDropped]).toEqual([[], 1]);
    vi.advanceTimersByTime(750);
    expect(s.frames).toEqual([
      { op: 'subscribe', topic: 'A' },
      { op: 'subscribe', topic: 'A' },
    ]);
  });

  it('an unsubscribe encoder that returns nothing: a re-send sends only the subscribe', () => {
    const protocol: Protocol = { ...jsonProtocol(), unsubscribe: () => undefined };
    const { registry } = registryHarness({ ackTimeoutMs: 1_000 }, protocol);
    const s = rawSession();
    registry.attach(s);
    registry.add('A', noop).unsubscribe();
    registry.add('B', noop);
    vi.advanceTimersByTime(1_000 + 750);
    expect(s.sent.map((f) => JSON.parse(String(f)))).toEqual([
      { op: 'subscribe', topic: 'A' },
      { op: 'subscribe', topic: 'B' },
      { op: 'subscribe', topic: 'B' },
    ]);
  });
});

describe('orphan replies (subscribes of removed entries)', () => {
  it('two replies still due on a topic are swallowed, and every reply after them is routed', () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    registry.add('A', noop, { params: { v: 1 } }).unsubscribe();
    registry.add('A', noop, { params: { v: 2 } }).unsubscribe();
    const a = registry.add('A', noop, { params: { v: 3 } });
    const b = registry.add('A', noop, { params: { v: 4 } });
    server({ op: 'subscribed', topic: 'A' });
    server({ op: 'subscribed', topic: 'A' });
    expect([a.state, b.state]).toEqual(['pending', 'pending']);
    server({ op: 'subscribed', topic: 'A' });
    expect([a.state, b.state]).toEqual(['active', 'pending']);
    server({ op: 'subscribed', topic: 'A' });
    expect([a.state, b.state]).toEqual(['active', 'active']);
  });

  it('the orphan bookkeeping is bounded: one orphan topic past MAX_ORPHAN_TOPICS forgets the older ones', () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    for (let i = 0; i < MAX_ORPHAN_TOPICS; i++) registry.add(`T${i}`, noop).unsubscribe();
    const first = registry.add('T0', noop);
    server({ op: 'subscribed', topic: 'T0' }); // still remembered: swallowed
    expect(first.state).toBe('pending');
    first.unsubscribe(); // one orphan topic more than the bound (T0 again, then X)
    registry.add('X', noop).unsubscribe();
    const t0 = registry.add('T0', noop);
    const x = registry.add('X', noop);
    server({ op: 'subscribed', topic: 'T0' }); // forgotten: routed
    server({ op: 'subscribed', topic: 'X' }); // the newest orphan: swallowed
    expect([t0.state, x.state]).toEqual(['active', 'pending']);
  });

  it('an orphan on one topic swallows no reply on another', () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    registry.add('A', noop).unsubscribe();
    const b = registry.add('B', noop);
    server({ op: 'subscribed', topic: 'B' });
    expect(b.state).toBe('active');
  });

  it('a new session forgets the orphans of the old one: its first ack is routed', () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    registry.add('A', noop).unsubscribe();
    registry.detach();
    attach();
    const a = registry.add('A', noop);
    server({ op: 'subscribed', topic: 'A' });
    expect(a.state).toBe('active');
  });

  it('an answered subscribe leaves no orphan: a successor on the topic gets the next ack', () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    const gone = registry.add('A', noop);
    server({ op: 'subscribed', topic: 'A' });
    gone.unsubscribe();
    const a = registry.add('A', noop);
    server({ op: 'subscribed', topic: 'A' });
    expect(a.state).toBe('active');
  });
});

describe('the server ending a subscription (complete)', () => {
  const retry = { initialDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 2 };

  it('ended soon after each ack: one more failure in a row, until maxAttempts ends it with SUBSCRIPTION_REJECTED', async () => {
    const { registry, attach, server, records } = registryHarness({ retry, ackTimeoutMs: Infinity });
    const s = attach();
    const seen: StreamClientError[] = [];
    const a = registry.add('A', noop, { onError: (e) => void seen.push(e) });
    server({ op: 'subscribed', topic: 'A' });
    vi.advanceTimersByTime(999);
    registry.handle({ type: 'complete', topic: 'A' });
    expect(a.state).toBe('pending');
    expect(records).toContainEqual(
      expect.objectContaining({ level: 'debug', event: 'subscription.state', topic: 'A', retry: { reason: 'complete', attempts: 1, delayMs: 75 } }),
    );
    vi.advanceTimersByTime(75);
    expect(s.ops('subscribe')).toHaveLength(2);
    server({ op: 'subscribed', topic: 'A' });
    expect(a.state).toBe('active');
    vi.advanceTimersByTime(999);
    registry.handle({ type: 'complete', topic: 'A' });
    expect(a.state).toBe('error');
    await Promise.resolve();
    expect(seen.map((e) => [e.code, e.message, e.details])).toEqual([
      ['SUBSCRIPTION_REJECTED', 'subscribe to "A" failed 2 times (last: complete)', { topic: 'A', key: 'A', attempts: 2, reason: 'complete' }],
    ]);
    expect(s.frames.at(-1)).toEqual({ op: 'subscribe', topic: 'A' }); // the server ended it: no unsubscribe
  });

  it('ended after a stable run of maxDelayMs: a fresh start each time, never an error', () => {
    const { registry, attach, server } = registryHarness({ retry, ackTimeoutMs: Infinity });
    const s = attach();
    const a = registry.add('A', noop);
    for (let i = 1; i <= 5; i++) {
      server({ op: 'subscribed', topic: 'A' });
      vi.advanceTimersByTime(1_000);
      registry.handle({ type: 'complete', topic: 'A' });
      expect(a.state).toBe('pending');
      vi.advanceTimersByTime(75);
      expect(s.ops('subscribe')).toHaveLength(i + 1);
    }
  });

  it('a complete for an entry that is not subscribed (errored, or never sent) changes nothing', () => {
    const { registry, attach, server, tasks } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    const a = registry.add('A', noop);
    server({ op: 'error', topic: 'A', code: 'forbidden', message: 'no' });
    registry.handle({ type: 'complete', topic: 'A' });
    registry.handle({ type: 'complete', topic: 'B' });
    expect(a.state).toBe('error');
    expect(tasks.size).toBe(0);
  });
});

/** A session that keeps frames as sent (text or binary). */
function rawSession(): Session & { sent: Frame[] } {
  const sent: Frame[] = [];
  return { token: undefined, sent, send: (f: Frame) => void sent.push(f) };
}

describe('protocol encoders', () => {
  it('an encoder that throws fails that subscription with SUBSCRIPTION_REJECTED and the cause; others are sent', async () => {
    const boom = new Error('cannot encode');
    const base = jsonProtocol();
    const protocol: Protocol = {
      ...base,
      subscribe: (req, ctx) => {
        if (req.topic === 'BAD') throw boom;
        return base.subscribe(req, ctx);
      },
    };
    const { registry, attach, errors, counters } = registryHarness({}, protocol);
    const s = attach();
    const seen: StreamClientError[] = [];
    const bad = registry.add('BAD', noop, { onError: (e) => void seen.push(e) });
    const good = registry.add('GOOD', noop);
    await Promise.resolve();
    expect([bad.state, good.state]).toEqual(['error', 'pending']);
    expect(seen.map((e) => [e.code, e.cause, e.details])).toEqual([['SUBSCRIPTION_REJECTED', boom, { topic: 'BAD', key: 'BAD' }]]);
    expect(errors).toHaveLength(1);
    expect(s.ops('subscribe').map((f) => f['topic'])).toEqual(['GOOD']);
    expect(counters.subscribes).toBe(1);
  });

  it('an encoder that returns several frames sends all of them in order; one ack activates', () => {
    const protocol: Protocol = {
      ...jsonProtocol(),
      subscribe: (req) => [JSON.stringify({ op: 'auth', topic: req.topic }), JSON.stringify({ op: 'subscribe', topic: req.topic })],
    };
    const { registry, attach, server, counters } = registryHarness({ ackTimeoutMs: 1_000 }, protocol);
    const s = attach();
    const a = registry.add('A', noop);
    expect(s.frames).toEqual([
      { op: 'auth', topic: 'A' },
      { op: 'subscribe', topic: 'A' },
    ]);
    expect(counters.subscribes).toBe(1);
    server({ op: 'subscribed', topic: 'A' });
    expect(a.state).toBe('active');
    vi.advanceTimersByTime(5_000); // the ack timer was cancelled: no retry
    expect(s.frames).toHaveLength(2);
  });

  it('an encoder that returns one binary frame sends it as one frame', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const protocol: Protocol = { ...jsonProtocol(), subscribe: () => bytes };
    const { registry } = registryHarness({}, protocol);
    const s = rawSession();
    registry.attach(s);
    registry.add('A', noop);
    expect(s.sent).toEqual([bytes]);
  });

  it('an encoder that returns nothing sends nothing and the subscription is active at once, with no ack timer', () => {
    const protocol: Protocol = { ...jsonProtocol(), subscribe: () => undefined };
    const { registry, attach, counters, tasks } = registryHarness({ ackTimeoutMs: 1_000 }, protocol);
    const s = attach();
    const a = registry.add('A', noop);
    expect(a.state).toBe('active');
    expect(s.frames).toEqual([]);
    expect(counters.subscribes).toBe(1);
    expect(tasks.names()).not.toContain('subscribe.ack');
    vi.advanceTimersByTime(10_000);
    expect(a.state).toBe('active');
    expect(s.frames).toEqual([]);
  });
});

describe('maxSubscriptions counts entries that are not errored', () => {
  it('an errored entry frees its slot; subscribing to it again or removing it takes it back', () => {
    const { registry, attach, server } = registryHarness({ maxSubscriptions: 2, ackTimeoutMs: Infinity });
    const s = attach();
    const a = registry.add('A', noop);
    registry.add('B', noop);
    server({ op: 'error', topic: 'A', code: 'forbidden', message: 'no' }); // A errored: one slot free
    const c = registry.add('C', noop);
    expect(c.state).toBe('pending');
    const again = registry.add('A', noop); // A wants a slot again: none is free
    expect([a.state, again.state]).toEqual(['error', 'error']);
    a.unsubscribe();
    again.unsubscribe(); // the errored A is gone: B and C hold the two slots
    const d = registry.add('D', noop);
    expect(d.state).toBe('error');
    d.unsubscribe(); // D errored and gone: still B and C
    const e = registry.add('E', noop);
    expect(e.state).toBe('error');
    expect(s.ops('subscribe').map((f) => f['topic'])).toEqual(['A', 'B', 'C']);
  });
});

describe('found by mutation testing', () => {
  it('an unsubscribe encoder that throws: the entry leaves anyway, logged with the protocol and topic', () => {
    const boom = new Error('cannot encode');
    const protocol: Protocol = {
      ...jsonProtocol(),
      unsubscribe: () => {
        throw boom;
      },
    };
    const { registry, attach, records, counters } = registryHarness({}, protocol);
    attach();
    const a = registry.add('A', noop);
    expect(() => a.unsubscribe()).not.toThrow();
    expect(a.state).toBe('closed');
    expect(counters.unsubscribes).toBe(1);
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', event: 'connection.error', protocol: 'json', topic: 'A', key: 'A' }));
  });

  it('a refusal carrying only a key fails that operation', () => {
    const { registry, attach } = registryHarness();
    attach();
    const a = registry.add('A', noop);
    registry.handle({ type: 'error', key: a.key, code: 'bad', message: 'no' });
    expect(a.state).toBe('error');
  });

  it('the session token reaches the encoders; the ack timer is named subscribe.ack', () => {
    const protocol: Protocol = {
      ...jsonProtocol(),
      subscribe: (req, ctx) => JSON.stringify({ op: 'subscribe', topic: req.topic, token: ctx.token }),
      unsubscribe: (req, ctx) => JSON.stringify({ op: 'unsubscribe', topic: req.topic, token: ctx.token }),
    };
    const { registry, tasks } = registryHarness({ ackTimeoutMs: 1_000 }, protocol);
    const s = { ...rawSession(), token: 'tok' };
    registry.attach(s);
    registry.add('A', noop).unsubscribe();
    expect(s.sent.map((f) => JSON.parse(String(f)))).toEqual([
      { op: 'subscribe', topic: 'A', token: 'tok' },
      { op: 'unsubscribe', topic: 'A', token: 'tok' },
    ]);
    registry.add('B', noop);
    expect(tasks.names()).toEqual(['subscribe.ack']);
  });

  it('an encoder that throws on a re-send: the replacing unsubscribe goes out once, the entry fails', () => {
    const base = jsonProtocol();
    let calls = 0;
    const protocol: Protocol = {
      ...base,
      subscribe: (req, ctx) => {
        if (++calls > 1) throw new Error('no more');
        return base.subscribe(req, ctx);
      },
    };
    const { registry, attach } = registryHarness({ ackTimeoutMs: 1_000 }, protocol);
    const s = attach();
    const seen: StreamClientError[] = [];
    const a = registry.add('A', noop, { onError: (e) => void seen.push(e) });
    vi.advanceTimersByTime(1_000 + 750);
    expect(a.state).toBe('error');
    expect(seen.map((e) => e.message)).toEqual(['protocol refused to encode "A"']);
    expect(s.frames).toEqual([
      { op: 'subscribe', topic: 'A' },
      { op: 'unsubscribe', topic: 'A' },
    ]);
  });

  it('replies and completes for a topic without an entry are ignored', () => {
    const { registry, attach, server } = registryHarness();
    attach();
    expect(() => server({ op: 'subscribed', topic: 'Z' })).not.toThrow();
    expect(() => server({ op: 'error', topic: 'Z', code: 'x', message: '' })).not.toThrow();
    expect(() => registry.handle({ type: 'complete', topic: 'Z' })).not.toThrow();
  });

  it('a stray refusal or complete while a transient retry waits changes nothing: the retry goes out', () => {
    const { registry, attach } = registryHarness({ ackTimeoutMs: Infinity, retry: { initialDelayMs: 100, maxAttempts: 2 } });
    const s = attach();
    const a = registry.add('A', noop);
    registry.handle({ type: 'error', topic: 'A', code: 'busy', message: '', kind: 'transient' });
    registry.handle({ type: 'error', topic: 'A', code: 'stray', message: '' });
    registry.handle({ type: 'complete', topic: 'A' });
    expect(a.state).toBe('pending');
    vi.advanceTimersByTime(75);
    expect(s.ops('subscribe')).toHaveLength(2);
  });

  it('a key-routed complete ends that operation, not the first on its topic', () => {
    const { registry, attach } = registryHarness({ ackTimeoutMs: Infinity });
    attach();
    const a = registry.add('A', noop, { params: { v: 1 } });
    const b = registry.add('A', noop, { params: { v: 2 } });
    registry.handle({ type: 'subscribed', topic: 'A', key: a.key });
    registry.handle({ type: 'subscribed', topic: 'A', key: b.key });
    registry.handle({ type: 'complete', topic: 'A', key: b.key });
    expect([a.state, b.state]).toEqual(['active', 'pending']);
  });

  it('topic-routed data is an ack but not the answer to every subscribe: a superseded refusal after it changes nothing', () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: 1_000 });
    attach();
    const a = registry.add('A', noop);
    vi.advanceTimersByTime(1_000 + 750); // re-sent: two replies due
    server({ op: 'data', topic: 'A', data: 1 });
    server({ op: 'error', topic: 'A', code: 'late', message: 'refused the first' });
    expect(a.state).toBe('active');
  });
});
