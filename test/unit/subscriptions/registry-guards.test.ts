import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamClientError } from '../../../src/core/errors.js';
import type { DataMeta } from '../../../src/subscriptions/index.js';
import { registryHarness } from '../../helpers/registry.js';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

const noop = (): void => {};

describe('registry behaviour a user notices (guards found by mutation testing)', () => {
  it('transient refusals that run out end in SUBSCRIPTION_REJECTED (not SUBSCRIBE_TIMEOUT), after exactly maxAttempts subscribes', () => {
    const { registry, attach, errors } = registryHarness({ retry: { initialDelayMs: 100, maxAttempts: 3 } });
    const s = attach();
    const onError: StreamClientError[] = [];
    const sub = registry.add('A', noop, { onError: (e) => void onError.push(e) });
    for (let i = 0; i < 3; i++) {
      expect(s.ops('subscribe')).toHaveLength(i + 1);
      registry.handle({ type: 'error', topic: 'A', code: 'busy', message: '', kind: 'transient' });
      vi.advanceTimersByTime(1_000);
    }
    expect(sub.state).toBe('error');
    expect(onError.map((e) => e.code)).toEqual(['SUBSCRIPTION_REJECTED']);
    expect(errors.map((e) => e.code)).toEqual(['SUBSCRIPTION_REJECTED']);
    expect(onError[0]!.details).toMatchObject({ topic: 'A', attempts: 3, reason: 'transient' });
  });

  it('unsubscribing one params variant of a topic keeps routing the other variant', () => {
    const { registry, attach, server, counters } = registryHarness();
    attach();
    const got: unknown[] = [];
    const x = registry.add('A', noop, { params: { v: 1 } });
    registry.add('A', (d) => void got.push(d), { params: { v: 2 } });
    server({ op: 'subscribed', topic: 'A' });
    server({ op: 'subscribed', topic: 'A' });
    x.unsubscribe();
    server({ op: 'data', topic: 'A', data: 'still' });
    expect(got).toEqual(['still']);
    expect(counters.lateFramesDropped).toBe(0);
  });

  it('data routed by key reaches that operation only, never the other operation on the same topic', () => {
    const { registry, attach, counters } = registryHarness();
    attach();
    const one: unknown[] = [];
    const two: unknown[] = [];
    const a = registry.add('A', (d) => void one.push(d), { params: { v: 1 } });
    const b = registry.add('A', (d) => void two.push(d), { params: { v: 2 } });
    registry.handle({ type: 'subscribed', topic: 'A', key: a.key });
    registry.handle({ type: 'subscribed', topic: 'A', key: b.key });
    registry.data('A', a.key, 'for one', undefined, Date.now());
    registry.data('A', 'A?gone', 'for nobody', undefined, Date.now());
    expect([one, two]).toEqual([['for one'], []]);
    expect(counters.lateFramesDropped).toBe(1);
  });

  it('unsubscribing one topic does not stop staleness of the others', () => {
    const { registry, attach } = registryHarness({ stale: { afterMs: 1_000 } });
    attach();
    const stale = vi.fn();
    const a = registry.add('A', noop);
    registry.add('B', noop, { onStale: stale });
    vi.advanceTimersByTime(500);
    a.unsubscribe();
    vi.advanceTimersByTime(600);
    expect(stale).toHaveBeenCalledTimes(1);
  });

  it('resume() after stop/start polls the fallback again for a topic that is still stale', async () => {
    const polled: string[] = [];
    const { registry, attach } = registryHarness({
      stale: { afterMs: 1_000 },
      fallback: { fetch: async (topic: string) => (polled.push(topic), { topic }), intervalMs: 500 },
    });
    attach();
    const got: DataMeta['source'][] = [];
    registry.add('A', (_d, meta) => void got.push(meta.source));
    await vi.advanceTimersByTimeAsync(1_100);
    const before = polled.length;
    expect(before).toBeGreaterThan(0);
    registry.pause();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(polled).toHaveLength(before);
    registry.resume();
    await vi.advanceTimersByTimeAsync(600);
    expect(polled.length).toBeGreaterThan(before);
    expect(got.every((s) => s === 'fallback')).toBe(true);
    registry.dispose();
  });
});
