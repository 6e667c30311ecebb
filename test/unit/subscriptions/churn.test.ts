import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BLOCKED_RETRY_MS } from '../../../src/subscriptions/pacer.js';
import { MAX_QUEUED_BYTES } from '../../../src/subscriptions/server-link.js';
import { registryHarness } from '../../helpers/registry.js';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('subscribe/unsubscribe churn while the socket is backed up', () => {
  it('sends nothing while the socket holds more than MAX_QUEUED_BYTES; pairs cancel in the queue; the survivor goes out once it drains', () => {
    const { registry, attach, server, counters, tasks } = registryHarness();
    const s = attach();
    registry.add('first', () => {});
    expect(s.frames).toHaveLength(1);
    s.bufferedAmount = MAX_QUEUED_BYTES + 1;
    for (let i = 0; i < 50_000; i++) registry.add(`T${i % 100}`, () => {}).unsubscribe();
    const kept = registry.add('kept', () => {});
    expect(s.frames).toHaveLength(1);
    expect(tasks.names()).toContain('subscribe.pace');
    vi.advanceTimersByTime(BLOCKED_RETRY_MS * 10);
    expect(s.frames).toHaveLength(1); // still backed up: still waiting
    s.bufferedAmount = MAX_QUEUED_BYTES;
    vi.advanceTimersByTime(BLOCKED_RETRY_MS);
    expect(s.frames).toEqual([
      { op: 'subscribe', topic: 'first' },
      { op: 'subscribe', topic: 'kept' },
    ]);
    expect([counters.subscribes, counters.unsubscribes]).toEqual([2, 0]);
    server({ op: 'subscribed', topic: 'kept' });
    expect(kept.state).toBe('active');
    expect(tasks.names()).not.toContain('subscribe.pace');
    registry.dispose();
    expect(tasks.size).toBe(0);
  });
});
