import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock, type Clock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import { createCounters } from '../../../src/observe/counters.js';
import { Log, type Logger } from '../../../src/observe/log.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { Frame } from '../../../src/protocol/types.js';
import { SubscriptionRegistry, type Session, type StaleInfo } from '../../../src/subscriptions/index.js';
import { registryOptions, type RegistryOptions } from '../../helpers/config.js';
import { sweepFloorMs } from '../../../src/subscriptions/stale.js';

type Json = Record<string, unknown>;

function setup(options: RegistryOptions = {}) {
  const clock = { ...systemClock, timers: 0 };
  const counting: Clock = {
    now: () => clock.now(),
    setTimeout: (fn, ms) => (clock.timers++, systemClock.setTimeout(fn, ms)),
    clearTimeout: (h) => systemClock.clearTimeout(h),
  };
  const tasks = new TaskRegistry(counting);
  const counters = createCounters();
  const records: Json[] = [];
  const at = (level: string) => (obj: object) => void records.push({ level, ...obj });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), isLevelEnabled: () => true };
  const protocol = jsonProtocol();
  const registry = new SubscriptionRegistry(protocol, {
    tasks,
    log: new Log(logger),
    counters,
    options: registryOptions({ random: () => 0.5, ...options }, protocol),
  });
  const frames: Json[] = [];
  const session: Session = { token: undefined, send: (f: Frame) => void frames.push(JSON.parse(String(f)) as Json) };
  const data = (topic: string, d: unknown = 0, seq?: number) => registry.data(topic, undefined, d, seq, tasks.clock.now());
  return { clock, tasks, counters, records, registry, session, frames, data };
}

const noop = (): void => {};

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('stale monitor', () => {
  it('marks a topic stale exactly afterMs after its last frame, not before', () => {
    const { registry, session, data, counters, records } = setup({ stale: { afterMs: 1_000 } });
    const stale: StaleInfo[] = [];
    const sub = registry.add('A', noop, { onStale: (i) => stale.push(i) });
    const other = registry.add('A', noop, { onStale: (i) => stale.push(i) });
    registry.attach(session);
    vi.advanceTimersByTime(300);
    data('A');
    vi.advanceTimersByTime(999);
    expect(sub.state).toBe('active');
    vi.advanceTimersByTime(1);
    expect([sub.state, other.state]).toEqual(['stale', 'stale']);
    expect(stale).toHaveLength(2);
    expect(stale[0]).toEqual({ topic: 'A', key: 'A', lastDataAt: Date.now() - 1_000, silentForMs: 1_000, connected: true });
    expect(counters.staleEntered).toBe(1);
    expect(records).toContainEqual(expect.objectContaining({ level: 'info', event: 'stale.enter', topic: 'A', silentForMs: 1_000 }));
  });

  it('a topic that never delivered goes stale counting from its subscribe, with no lastDataAt', () => {
    const { registry, session } = setup({ stale: { afterMs: 1_000 } });
    const stale: StaleInfo[] = [];
    vi.advanceTimersByTime(250);
    const sub = registry.add('A', noop, { onStale: (i) => stale.push(i) });
    registry.attach(session);
    vi.advanceTimersByTime(999);
    expect(sub.state).toBe('pending');
    vi.advanceTimersByTime(1);
    expect(sub.state).toBe('stale');
    expect(stale).toEqual([{ topic: 'A', key: 'A', lastDataAt: undefined, silentForMs: 1_000, connected: true }]);
    expect([...registry.entries()][0]).toMatchObject({ key: 'A', lastDataAt: undefined, lastSeq: undefined });
  });

  it('never early and at most one sweep floor late, for any pattern of frames (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 5_000 }), fc.array(fc.integer({ min: 0, max: 6_000 }), { maxLength: 12 }), (afterMs, gaps) => {
        vi.clearAllTimers();
        const { registry, session, data } = setup({ stale: { afterMs } });
        const staleAt: number[] = [];
        registry.add('A', noop, { onStale: () => staleAt.push(Date.now()), onRecover: noop });
        registry.attach(session);
        let last = Date.now();
        for (const gap of [...gaps, afterMs * 2 + 300]) {
          const before = staleAt.length;
          vi.advanceTimersByTime(gap);
          if (gap < afterMs) expect(staleAt.length).toBe(before); // silence shorter than afterMs: never stale
          for (const t of staleAt.slice(before)) {
            expect(t - last).toBeGreaterThanOrEqual(afterMs);
            expect(t - last).toBeLessThanOrEqual(afterMs + sweepFloorMs(afterMs));
          }
          if (gap >= afterMs + sweepFloorMs(afterMs)) expect(staleAt.length).toBe(before + 1);
          data('A');
          last = Date.now();
        }
        registry.dispose();
      }),
      { numRuns: 150 },
    );
  });

  it('recovers on the first stream frame: onRecover with staleForMs, stale.recover, counted', () => {
    const { registry, session, data, counters, records } = setup({ stale: { afterMs: 1_000 } });
    const recovered: unknown[] = [];
    const got: unknown[] = [];
    const sub = registry.add('A', (d) => got.push(d), { onRecover: (i) => recovered.push(i) });
    registry.attach(session);
    data('A', 1);
    vi.advanceTimersByTime(1_000 + 2_500);
    expect(sub.state).toBe('stale');
    data('A', 2);
    expect(sub.state).toBe('active');
    expect(recovered).toEqual([{ staleForMs: 2_500 }]);
    expect(got).toEqual([1, 2]);
    expect(counters.staleRecovered).toBe(1);
    expect(records).toContainEqual(expect.objectContaining({ event: 'stale.recover', staleForMs: 2_500 }));
    vi.advanceTimersByTime(999);
    expect(sub.state).toBe('active');
    vi.advanceTimersByTime(1);
    expect(sub.state).toBe('stale');
  });

  it('marks topics stale while disconnected, by the same rule', () => {
    const { registry, session, data } = setup({ stale: { afterMs: 1_000 } });
    const infos: StaleInfo[] = [];
    const sub = registry.add('A', noop, { onStale: (i) => infos.push(i) });
    registry.attach(session);
    data('A');
    vi.advanceTimersByTime(400);
    registry.detach();
    expect(sub.state).toBe('pending');
    vi.advanceTimersByTime(599);
    expect(sub.state).toBe('pending');
    vi.advanceTimersByTime(1);
    expect(sub.state).toBe('stale');
    expect(infos[0]?.connected).toBe(false);
    registry.attach(session); // resubscribed; stays stale until data flows
    registry.handle({ type: 'subscribed', topic: 'A' });
    expect(sub.state).toBe('stale');
    data('A');
    expect(sub.state).toBe('active');
  });

  it('uses the smallest per-subscription staleAfterMs among the handles of a key', () => {
    const { registry, session } = setup({ stale: { afterMs: 10_000 } });
    const a = registry.add('A', noop, { staleAfterMs: 500 });
    registry.add('A', noop, { staleAfterMs: 2_000 });
    const b = registry.add('B', noop);
    registry.attach(session);
    vi.advanceTimersByTime(500);
    expect([a.state, b.state]).toEqual(['stale', 'pending']);
    vi.advanceTimersByTime(9_500);
    expect(b.state).toBe('stale');
  });

  it('arms its one timer only while entries are watched', () => {
    const { registry, tasks } = setup({ stale: { afterMs: 1_000 } });
    expect(tasks.size).toBe(0);
    const a = registry.add('A', noop);
    const b = registry.add('B', noop);
    expect(tasks.names()).toEqual(['stale.sweep']);
    vi.advanceTimersByTime(1_000); // both stale: nothing left to watch
    expect(tasks.size).toBe(0);
    a.unsubscribe();
    b.unsubscribe();
    registry.add('C', noop).unsubscribe();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a burst of 100k messages arms no timer per message', () => {
    const { registry, session, clock, tasks, data } = setup({ stale: { afterMs: 1_000 }, ackTimeoutMs: 1_000 });
    registry.add('A', noop);
    registry.add('B', noop);
    registry.attach(session);
    registry.handle({ type: 'subscribed', topic: 'A' });
    registry.handle({ type: 'subscribed', topic: 'B' });
    const timersBefore = clock.timers;
    const pendingBefore = tasks.size;
    for (let i = 1; i <= 100_000; i++) {
      data(i % 2 ? 'A' : 'B', i, i);
      if (i % 10_000 === 0) vi.advanceTimersByTime(10); // time passes during the burst
    }
    expect(clock.timers - timersBefore).toBe(0);
    expect(tasks.size).toBe(pendingBefore);
  });

  it('re-sends the subscription every resubscribeAfterMs while stale, counted', () => {
    const { registry, session, frames, counters, data } = setup({ stale: { afterMs: 1_000, resubscribeAfterMs: 3_000 }, ackTimeoutMs: Infinity });
    registry.add('A', noop);
    registry.attach(session);
    registry.handle({ type: 'subscribed', topic: 'A' });
    vi.advanceTimersByTime(1_000 + 2_999);
    expect(frames).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(frames.slice(1)).toEqual([
      { op: 'unsubscribe', topic: 'A' },
      { op: 'subscribe', topic: 'A' },
    ]);
    vi.advanceTimersByTime(3_000);
    expect(counters.staleResubscribes).toBe(2);
    data('A', 1); // recovered: the cycle restarts
    vi.advanceTimersByTime(1_000 + 2_999);
    expect(counters.staleResubscribes).toBe(2);
    vi.advanceTimersByTime(1);
    expect(counters.staleResubscribes).toBe(3);
  });

  it('leaves no timer after dispose', () => {
    const { registry, session } = setup({ stale: { afterMs: 1_000, resubscribeAfterMs: 1_000 }, fallback: { fetch: async () => 1 } });
    registry.add('A', noop);
    registry.attach(session);
    vi.advanceTimersByTime(5_000);
    registry.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});
