import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import { createCounters } from '../../../src/observe/counters.js';
import { Log, type Logger } from '../../../src/observe/log.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import { SubscriptionRegistry, type SubscribeOptions } from '../../../src/subscriptions/index.js';
import { registryOptions } from '../../helpers/config.js';
import { FakeSession, registryHarness, type Json } from '../../helpers/registry.js';

const noop = (): void => {};

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

const callbackErrors = (records: Json[]) => records.filter((r) => r['event'] === 'callback.error');

/** Staleness after 1 s, a gap, a recovery, then a refusal: every hook fires once on topic A. */
function everyHook(h: ReturnType<typeof registryHarness>): void {
  h.server({ op: 'subscribed', topic: 'A' });
  h.server({ op: 'data', topic: 'A', data: 1, seq: 1 });
  vi.advanceTimersByTime(1_000); // onStale
  h.server({ op: 'data', topic: 'A', data: 3, seq: 3 }); // onGap, then onRecover
  h.server({ op: 'error', topic: 'A', code: 'gone', message: 'topic removed' }); // onError
}

describe('per-subscription hooks (onStale, onGap, onRecover, onError)', () => {
  it('a hook that throws is isolated: counted, logged with its name, and the next handle still hears it', () => {
    const h = registryHarness({ stale: { afterMs: 1_000 }, ackTimeoutMs: Infinity });
    h.attach();
    const boom = (): never => {
      throw new Error('app bug');
    };
    const heard: string[] = [];
    h.registry.add('A', noop, { onStale: boom, onGap: boom, onRecover: boom, onError: boom });
    h.registry.add('A', noop, {
      onStale: () => heard.push('onStale'),
      onGap: () => heard.push('onGap'),
      onRecover: () => heard.push('onRecover'),
      onError: () => heard.push('onError'),
    });
    everyHook(h);
    expect(heard).toEqual(['onStale', 'onGap', 'onRecover', 'onError']);
    expect(h.counters.callbackErrors).toBe(4);
    expect(callbackErrors(h.records).map((r) => [r['level'], r['topic'], r['callback'], r['suppressed']])).toEqual([
      ['error', 'A', 'onStale', undefined],
      ['error', 'A', 'onGap', undefined],
      ['error', 'A', 'onRecover', undefined],
      ['error', 'A', 'onError', undefined],
    ]);
    expect(h.errors.map((e) => e.code)).toEqual(['SUBSCRIPTION_REJECTED']); // the client still hears it
  });

  it('a handle without hooks is no error when its topic goes stale, skips, recovers or fails', () => {
    const h = registryHarness({ stale: { afterMs: 1_000 }, ackTimeoutMs: Infinity });
    h.attach();
    h.registry.add('A', noop);
    everyHook(h);
    expect(h.counters.callbackErrors).toBe(0);
    expect(callbackErrors(h.records)).toEqual([]);
    expect(h.counters).toMatchObject({ staleEntered: 1, gaps: 1, staleRecovered: 1, subscriptionErrors: 1 });
  });

  it('hooks are called as methods of the options object', () => {
    const h = registryHarness({ stale: { afterMs: 1_000 }, ackTimeoutMs: Infinity });
    h.attach();
    const options = {
      calls: [] as string[],
      onStale(this: { calls: string[] }) {
        this.calls.push('onStale');
      },
      onGap(this: { calls: string[] }) {
        this.calls.push('onGap');
      },
      onRecover(this: { calls: string[] }) {
        this.calls.push('onRecover');
      },
      onError(this: { calls: string[] }) {
        this.calls.push('onError');
      },
    } satisfies SubscribeOptions & { calls: string[] };
    h.registry.add('A', noop, options);
    everyHook(h);
    expect(options.calls).toEqual(['onStale', 'onGap', 'onRecover', 'onError']);
    expect(h.counters.callbackErrors).toBe(0);
  });

  it('a value thrown that is not an Error is logged as its description', () => {
    const h = registryHarness();
    h.attach();
    h.registry.add('A', () => {
      throw 'plain text';
    });
    h.registry.add('B', () => {
      throw { token: 'not-for-logs' };
    });
    h.server({ op: 'data', topic: 'A', data: 1 });
    h.server({ op: 'data', topic: 'B', data: 1 });
    expect(callbackErrors(h.records).map((r) => [r['topic'], r['error']])).toEqual([
      ['A', 'plain text'],
      ['B', 'non-error value thrown'],
    ]);
  });
});

describe("the client's error listener", () => {
  it('that throws is isolated: counted and logged as the error callback, the handles heard it first', () => {
    const records: Json[] = [];
    const at = (level: string) => (obj: object) => void records.push({ level, ...obj });
    const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), isLevelEnabled: () => true };
    const counters = createCounters();
    const order: string[] = [];
    const registry = new SubscriptionRegistry(jsonProtocol(), {
      tasks: new TaskRegistry(systemClock),
      log: new Log(logger),
      counters,
      options: registryOptions({ random: () => 0.5 }),
      onError: () => {
        order.push('client');
        throw new Error('listener bug');
      },
    });
    registry.attach(new FakeSession());
    registry.add('A', noop, { onError: () => void order.push('handle') });
    registry.handle({ type: 'error', topic: 'A', code: 'gone', message: '' });
    expect(order).toEqual(['handle', 'client']);
    expect(counters.callbackErrors).toBe(1);
    expect(callbackErrors(records).map((r) => [r['topic'], r['callback']])).toEqual([['A', 'error']]);
  });
});

describe('hooks and closed handles', () => {
  it('a handle unsubscribed by an earlier handle’s hook in the same round hears nothing more', () => {
    const h = registryHarness({ stale: { afterMs: 1_000 }, ackTimeoutMs: Infinity });
    h.attach();
    const heard: string[] = [];
    const second = { sub: undefined as undefined | { unsubscribe(): void } };
    h.registry.add('A', noop, { onStale: () => (heard.push('first'), second.sub?.unsubscribe()) });
    second.sub = h.registry.add('A', noop, { onStale: () => void heard.push('second') });
    h.registry.add('A', noop, { onStale: () => void heard.push('third') });
    vi.advanceTimersByTime(1_000);
    expect(heard).toEqual(['first', 'third']);
  });

  it('the first record of a failing onData has no suppressed field', () => {
    const h = registryHarness();
    h.attach();
    h.registry.add('A', () => {
      throw new Error('boom');
    });
    h.server({ op: 'data', topic: 'A', data: 1 });
    expect(callbackErrors(h.records)).toHaveLength(1);
    expect(callbackErrors(h.records)[0]).not.toHaveProperty('suppressed');
  });

  it('without a client error listener a failure reaches the handles alone, and is no callback error', () => {
    const counters = createCounters();
    const logger: Logger = { debug: noop, info: noop, warn: noop, error: noop, isLevelEnabled: () => true };
    const registry = new SubscriptionRegistry(jsonProtocol(), {
      tasks: new TaskRegistry(systemClock),
      log: new Log(logger),
      counters,
      options: registryOptions({ random: () => 0.5 }),
    });
    registry.attach(new FakeSession());
    const codes: string[] = [];
    registry.add('A', noop, { onError: (e) => void codes.push(e.code) });
    registry.handle({ type: 'error', topic: 'A', code: 'gone', message: '' });
    expect(codes).toEqual(['SUBSCRIPTION_REJECTED']);
    expect(counters.callbackErrors).toBe(0);
  });
});
