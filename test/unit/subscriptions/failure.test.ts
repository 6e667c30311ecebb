import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamClientError } from '../../../src/core/errors.js';
import { registryHarness } from '../../helpers/registry.js';
import { reachableText } from '../../helpers/secrets.js';

const noop = (): void => {};

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('a failed subscription', () => {
  it('subscribing again after SUBSCRIBE_TIMEOUT gets the full maxAttempts again', () => {
    const { registry, attach, errors } = registryHarness({ ackTimeoutMs: 1_000, retry: { initialDelayMs: 100, maxDelayMs: 100, maxAttempts: 2 } });
    const s = attach();
    const first = registry.add('A', noop);
    vi.advanceTimersByTime(1_000 + 100 + 1_000); // timeout, retry, timeout: given up
    expect(first.state).toBe('error');
    expect(s.ops('subscribe')).toHaveLength(2);
    const again = registry.add('A', noop);
    expect(s.ops('subscribe')).toHaveLength(3);
    vi.advanceTimersByTime(1_000); // one timeout: retried, not given up
    expect(again.state).toBe('pending');
    vi.advanceTimersByTime(100);
    expect(s.ops('subscribe')).toHaveLength(4);
    expect(errors.map((e) => e.code)).toEqual(['SUBSCRIBE_TIMEOUT']);
  });

  it('a stale topic whose re-send is refused stops its fallback (fallback.stop with reason error) and polls no more', async () => {
    const polled: string[] = [];
    const { registry, attach, server, records } = registryHarness({
      ackTimeoutMs: Infinity,
      stale: { afterMs: 1_000, resubscribeAfterMs: 2_000 },
      fallback: { fetch: async (topic: string) => void polled.push(topic), intervalMs: 500 },
    });
    attach();
    const sub = registry.add('A', noop);
    server({ op: 'subscribed', topic: 'A' });
    await vi.advanceTimersByTimeAsync(1_000 + 2_000); // stale, polled, then re-sent
    expect(sub.state).toBe('stale');
    const before = polled.length;
    expect(before).toBeGreaterThan(0);
    server({ op: 'error', topic: 'A', code: 'forbidden', message: 'no' });
    expect(sub.state).toBe('error');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(polled).toHaveLength(before);
    expect(records.filter((r) => r['event'] === 'fallback.stop').map((r) => r['reason'])).toEqual(['error']);
    expect(records).toContainEqual(
      expect.objectContaining({ level: 'warn', event: 'subscription.state', topic: 'A', from: 'stale', to: 'error', code: 'SUBSCRIPTION_REJECTED' }),
    );
  });

  it('a SUBSCRIPTION_LIMIT report due on a microtask is dropped when the key is subscribed again before it (it is no longer failed) or the registry is closed', async () => {
    const { registry, attach, errors } = registryHarness({ maxSubscriptions: 1 });
    const s = attach();
    const seen: string[] = [];
    const a = registry.add('A', noop);
    registry.add('B', noop, { onError: (e: StreamClientError) => void seen.push(e.code) });
    a.unsubscribe(); // a slot frees in the same tick
    const b2 = registry.add('B', noop); // B wants one again: it fits now
    await Promise.resolve();
    expect(b2.state).toBe('pending');
    expect(seen).toEqual([]);
    expect(errors).toEqual([]);
    expect(s.ops('subscribe').map((f) => f['topic'])).toEqual(['A', 'B']);

    registry.add('C', noop, { onError: (e: StreamClientError) => void seen.push(e.code) });
    registry.dispose();
    await Promise.resolve();
    expect(seen).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('the error a handle and the client receive carries no credential of the topic (a URL-style topic with a key in its query)', async () => {
    const { registry, attach, errors } = registryHarness({ maxSubscriptions: 1 });
    attach();
    const seen: StreamClientError[] = [];
    registry.add('first', noop);
    registry.add('prices?apikey=s3cr3t-value', noop, { onError: (e) => void seen.push(e) });
    await Promise.resolve();
    expect(seen.map((e) => e.code)).toEqual(['SUBSCRIPTION_LIMIT']);
    expect(errors).toEqual(seen);
    expect(reachableText(seen[0]).join('\n')).not.toContain('s3cr3t-value');
    expect(seen[0]!.message).toContain('prices?apikey=');
  });
});
