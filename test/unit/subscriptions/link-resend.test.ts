import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { Protocol, SubscribeRequest } from '../../../src/protocol/types.js';
import { registryHarness } from '../../helpers/registry.js';

const noop = (): void => {};

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('a new session re-sends only what can still be subscribed', () => {
  it('a refused topic takes no pacing slot: the next topic goes out at once on the new session', () => {
    const { registry, attach, server } = registryHarness({ subscribeIntervalMs: 1_000, ackTimeoutMs: Infinity });
    const bad = registry.add('BAD', noop);
    const good = registry.add('GOOD', noop);
    const first = attach();
    server({ op: 'error', topic: 'BAD', code: 'forbidden', message: 'no' });
    expect(bad.state).toBe('error');
    vi.advanceTimersByTime(1_000);
    expect(first.ops('subscribe').map((f) => f['topic'])).toEqual(['BAD', 'GOOD']);

    registry.detach();
    vi.advanceTimersByTime(5_000); // the pace of the old session is long over
    const second = attach();
    expect(second.ops('subscribe')).toEqual([{ op: 'subscribe', topic: 'GOOD' }]);
    expect(good.state).toBe('pending');
  });
});

describe('replies the client cannot place', () => {
  it('an ack, refusal or end for a topic nothing subscribes is ignored, and the subscribed topic is unaffected', () => {
    const { registry, attach, server, errors } = registryHarness({ ackTimeoutMs: Infinity });
    const s = attach();
    const a = registry.add('A', noop);
    expect(() => {
      server({ op: 'subscribed', topic: 'NOPE' });
      server({ op: 'error', topic: 'NOPE', code: 'forbidden', message: 'no' });
      registry.handle({ type: 'complete', topic: 'NOPE' }); // a protocol that reports ends by topic
    }).not.toThrow();
    expect(errors).toEqual([]);
    server({ op: 'subscribed', topic: 'A' });
    expect(a.state).toBe('active');
    expect(s.frames).toEqual([{ op: 'subscribe', topic: 'A' }]);
  });
});

describe('the server ends a subscription', () => {
  it('a stale topic that the server ends stays stale while it subscribes again', () => {
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity, stale: { afterMs: 1_000 } });
    const s = attach();
    const a = registry.add('A', noop);
    server({ op: 'subscribed', topic: 'A' });
    vi.advanceTimersByTime(1_000);
    expect(a.state).toBe('stale');
    registry.handle({ type: 'complete', topic: 'A' }); // a protocol that reports ends by topic
    expect(a.state).toBe('stale');
    vi.advanceTimersByTime(60_000);
    expect(s.ops('subscribe')).toHaveLength(2);
  });
});

describe('a protocol that cannot resume', () => {
  it("ignores the ack's seq: the stream's first frame sets the position, with no gap reported", () => {
    const protocol: Protocol = { ...jsonProtocol(), resumable: false };
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity }, protocol);
    attach();
    const got: unknown[] = [];
    const gaps: unknown[] = [];
    registry.add('A', (d, meta) => got.push([d, meta.seq]), { onGap: (g) => gaps.push(g) });
    server({ op: 'subscribed', topic: 'A', seq: 10 });
    server({ op: 'data', topic: 'A', seq: 3, data: 'x' });
    server({ op: 'data', topic: 'A', seq: 4, data: 'y' });
    expect(got).toEqual([
      ['x', 3],
      ['y', 4],
    ]);
    expect(gaps).toEqual([]);
  });
});

describe('the subscribe request a protocol encodes', () => {
  it('has a `from` field only when there is a position to resume from (none before the first frame)', () => {
    const requests: SubscribeRequest[] = [];
    const base = jsonProtocol();
    const protocol: Protocol = { ...base, subscribe: (req, ctx) => (requests.push(req), base.subscribe(req, ctx)) };
    const { registry, attach, server } = registryHarness({ ackTimeoutMs: Infinity }, protocol);
    attach();
    registry.add('A', noop);
    server({ op: 'data', topic: 'A', seq: 1, data: 'x' });
    registry.detach();
    attach();
    expect(requests).toHaveLength(2);
    expect(requests.map((r) => Object.keys(r).sort())).toEqual([
      ['key', 'params', 'topic'],
      ['from', 'key', 'params', 'topic'],
    ]);
  });
});
