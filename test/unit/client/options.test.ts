import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/client/defaults.js';
import { resolveOptions } from '../../../src/client/resolve.js';
import { isStreamClientError } from '../../../src/core/errors.js';

function rejects(options: unknown, option: string) {
  try {
    resolveOptions(options as never);
  } catch (err) {
    expect(isStreamClientError(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toContain(option);
    return;
  }
  throw new Error(`accepted invalid ${option}`);
}

describe('resolveOptions', () => {
  it('fills every default', () => {
    const o = resolveOptions({ url: 'ws://127.0.0.1:1' });
    expect(o.reconnect).toEqual(DEFAULTS.reconnect);
    expect(o.heartbeat).toEqual(DEFAULTS.heartbeat);
    expect(o.connectTimeoutMs).toBe(DEFAULTS.connectTimeoutMs);
    expect(o.protocol.name).toBe('json');
    expect(o.fallback).toBeUndefined();
  });

  it('clients without a value for a group share the frozen default (and the default protocol); a value gets its own copy', () => {
    const a = resolveOptions({ url: 'ws://127.0.0.1:1' });
    const b = resolveOptions({ url: 'ws://127.0.0.1:2', reconnect: { maxDelayMs: 9_000 } });
    expect(a.reconnect).toBe(DEFAULTS.reconnect);
    expect(a.stale).toBe(DEFAULTS.stale);
    expect(a.subscriptions).toBe(DEFAULTS.subscriptions);
    expect(Object.isFrozen(DEFAULTS.reconnect)).toBe(true);
    expect(Object.isFrozen(a.protocol)).toBe(true);
    expect(b.protocol).toBe(a.protocol);
    expect(b.reconnect).not.toBe(DEFAULTS.reconnect);
    expect(b.reconnect).toEqual({ ...DEFAULTS.reconnect, maxDelayMs: 9_000 });
    expect(DEFAULTS.reconnect.maxDelayMs).toBe(8_000); // the user's value did not leak into the shared default
  });

  it('names the option in every error', () => {
    rejects(undefined, 'options');
    rejects({}, 'url');
    rejects({ url: 'http://x' }, 'url');
    rejects({ url: 'ws://x', reconnect: { initialDelayMs: 0 } }, 'reconnect.initialDelayMs');
    rejects({ url: 'ws://x', reconnect: { initialDelayMs: 1000, maxDelayMs: 10 } }, 'reconnect.maxDelayMs must be >= reconnect.initialDelayMs');
    rejects({ url: 'ws://x', reconnect: { factor: 0.5 } }, 'reconnect.factor');
    rejects({ url: 'ws://x', reconnect: { jitter: 'wild' } }, 'reconnect.jitter');
    rejects({ url: 'ws://x', reconnect: { maxAttempts: 1.5 } }, 'reconnect.maxAttempts');
    rejects({ url: 'ws://x', heartbeat: { intervalMs: 0 } }, 'heartbeat.intervalMs');
    rejects({ url: 'ws://x', connectTimeoutMs: NaN }, 'connectTimeoutMs');
    rejects({ url: 'ws://x', fallback: { intervalMs: 5 } }, 'fallback.fetch');
    rejects({ url: 'ws://x', render: { maxBytes: 0 } }, 'render.maxBytes');
    rejects({ url: 'ws://x', logger: { info: () => {} } }, 'logger.debug');
    rejects({ url: 'ws://x', protocol: {} }, 'protocol');
  });

  it('every duration option, in every part, is a finite number of ms up to 2^31 - 1: INVALID_OPTIONS naming it', () => {
    const fetch = async () => null;
    const fetchToken = async () => ({ token: 't', expiresInMs: 60_000 });
    const at = (path: string, v: number): Record<string, unknown> => {
      const [group, key, sub] = path.split('.');
      const base: Record<string, unknown> = { url: 'ws://x', fallback: { fetch }, auth: { fetchToken } };
      if (key === undefined) return { ...base, [group!]: v };
      if (sub !== undefined) return { ...base, [group!]: { ...(base[group!] as object), [key]: { [sub]: v } } };
      const extra =
        group === 'reconnect' && key !== 'maxDelayMs' && key !== 'initialDelayMs' ? {} : group === 'reconnect' ? { maxDelayMs: MAX, initialDelayMs: 1 } : {};
      return { ...base, [group!]: { ...(base[group!] as object), ...extra, [key]: v } };
    };
    const MAX = 2 ** 31 - 1;
    const durations = [
      'connectTimeoutMs',
      'handshakeTimeoutMs',
      'closeTimeoutMs',
      'reconnect.initialDelayMs',
      'reconnect.maxDelayMs',
      'reconnect.maxHintMs',
      'reconnect.resetAfterMs',
      'reconnect.quickRetryMs',
      'reconnect.downMaxDelayMs',
      'heartbeat.intervalMs',
      'heartbeat.timeoutMs',
      'subscriptions.ackTimeoutMs',
      'subscriptions.subscribeIntervalMs',
      'subscriptions.retry.initialDelayMs',
      'subscriptions.retry.maxDelayMs',
      'stale.afterMs',
      'stale.resubscribeAfterMs',
      'fallback.intervalMs',
      'fallback.timeoutMs',
      'render.minIntervalMs',
      'render.renderTimeoutMs',
      'auth.refreshBeforeMs',
      'auth.timeoutMs',
      'auth.clockSkewMs',
      'auth.retry.initialDelayMs',
      'auth.retry.maxDelayMs',
    ];
    for (const path of durations) {
      rejects(at(path, 3e9), path);
      rejects(at(path, MAX + 1), path);
      rejects(at(path, Number.NaN), path);
      if (path !== 'subscriptions.ackTimeoutMs') rejects(at(path, Infinity), path); // ackTimeoutMs: Infinity = no acks
      expect(() => resolveOptions(at(path, MAX) as never), path).not.toThrow();
    }
  });

  it('a clock needs now, setTimeout and clearTimeout; a protocol needs decode, subscribe and unsubscribe; random is a function', () => {
    rejects({ url: 'ws://x', clock: {} }, 'clock.now');
    rejects({ url: 'ws://x', clock: null }, 'clock');
    rejects({ url: 'ws://x', clock: { now: () => 0, setTimeout: () => 0 } }, 'clock.clearTimeout');
    rejects({ url: 'ws://x', clock: { now: () => 0, setTimeout: () => 0, clearTimeout: () => {}, monotonic: 5 } }, 'clock.monotonic');
    rejects({ url: 'ws://x', protocol: { name: 'p', decode: () => undefined, subscribe: () => '' } }, 'protocol.unsubscribe');
    rejects({ url: 'ws://x', protocol: { name: 'p', subscribe: () => '', unsubscribe: () => '' } }, 'protocol.decode');
    rejects({ url: 'ws://x', protocol: null }, 'protocol');
    rejects({ url: 'ws://x', random: 0.5 }, 'random');
    rejects({ url: 'ws://x', maxFrameBytes: 0 }, 'maxFrameBytes');
    rejects({ url: 'ws://x', maxFrameBytes: 1.5 }, 'maxFrameBytes');
    for (const [r, want] of [
      [-1, 0],
      [Number.NaN, 0],
      [2, 1 - Number.EPSILON],
      [0.25, 0.25],
    ] as const) {
      expect(resolveOptions({ url: 'ws://x', random: () => r }).random()).toBe(want);
    }
  });

  it('lets a protocol set subscription limits, and the user override them', () => {
    const protocol = {
      name: 'p',
      decode: () => undefined,
      subscribe: () => undefined,
      unsubscribe: () => undefined,
      limits: { maxSubscriptions: 41, subscribeIntervalMs: 100 },
    };
    expect(resolveOptions({ url: 'ws://x', protocol }).subscriptions.maxSubscriptions).toBe(41);
    expect(resolveOptions({ url: 'ws://x', protocol, subscriptions: { maxSubscriptions: 5 } }).subscriptions.maxSubscriptions).toBe(5);
  });

  it('accepts heartbeat: false and an Infinity maxAttempts', () => {
    const o = resolveOptions({ url: () => 'ws://x', heartbeat: false, reconnect: { maxAttempts: Infinity } });
    expect(o.heartbeat).toBe(false);
  });

  it('every option group that is not a duration is checked too: INVALID_OPTIONS naming it', () => {
    const fetch = async () => null;
    rejects({ url: 'ws://x', reconnect: { maxHintMs: 0 } }, 'reconnect.maxHintMs must be >= 1 (got 0)');
    rejects({ url: 'ws://x', reconnect: { maxAttempts: -1 } }, 'reconnect.maxAttempts must be >= 0 (got -1)');
    rejects({ url: 'ws://x', reconnect: null }, 'reconnect must be an object (got null)');
    rejects({ url: 'ws://x', heartbeat: { timeoutMs: 0 } }, 'heartbeat.timeoutMs must be >= 1 (got 0)');
    rejects({ url: 'ws://x', subscriptions: { maxSubscriptions: 0 } }, 'subscriptions.maxSubscriptions must be >= 1 (got 0)');
    rejects({ url: 'ws://x', subscriptions: { maxSubscriptions: 2.5 } }, 'subscriptions.maxSubscriptions must be an integer (got 2.5)');
    rejects({ url: 'ws://x', subscriptions: { retry: { maxAttempts: 0 } } }, 'subscriptions.retry.maxAttempts must be >= 1 (got 0)');
    rejects({ url: 'ws://x', subscriptions: { retry: { maxAttempts: 1.5 } } }, 'subscriptions.retry.maxAttempts must be an integer (got 1.5)');
    rejects({ url: 'ws://x', subscriptions: { retry: { factor: 0.5 } } }, 'subscriptions.retry.factor must be >= 1 (got 0.5)');
    rejects(
      { url: 'ws://x', subscriptions: { retry: { initialDelayMs: 5_000, maxDelayMs: 1_000 } } },
      'subscriptions.retry.maxDelayMs must be >= subscriptions.retry.initialDelayMs',
    );
    rejects({ url: 'ws://x', subscriptions: { retry: 3 } }, 'subscriptions.retry must be an object (got 3)');
    rejects({ url: 'ws://x', fallback: { fetch, concurrency: 0 } }, 'fallback.concurrency must be >= 1 (got 0)');
    rejects({ url: 'ws://x', fallback: { fetch, concurrency: 1.5 } }, 'fallback.concurrency must be an integer (got 1.5)');
    rejects({ url: 'ws://x', render: { maxEntries: 0 } }, 'render.maxEntries must be >= 1 (got 0)');
    rejects({ url: 'ws://x', render: { maxBytes: 1.5 } }, 'render.maxBytes must be an integer (got 1.5)');
    rejects({ url: 'ws://x', outbox: { maxMessages: -1 } }, 'outbox.maxMessages must be >= 0 (got -1)');
    rejects({ url: 'ws://x', unref: 'yes' }, 'unref must be a boolean (got string)');
    rejects({ url: 'ws://x', offlineAware: 1 }, 'offlineAware must be a boolean (got 1)');
    rejects({ url: 'ws://x', WebSocket: {} }, 'WebSocket must be a function (got object)');
  });

  it('where two layers used to disagree, the one resolver applies the stricter rule', () => {
    // The registry took ackTimeoutMs >= 0 (0 = off) with a TypeError; the client >= 1 or Infinity (off).
    rejects({ url: 'ws://x', subscriptions: { ackTimeoutMs: 0 } }, 'subscriptions.ackTimeoutMs must be >= 1 (got 0)');
    expect(resolveOptions({ url: 'ws://x', subscriptions: { ackTimeoutMs: Infinity } }).registry.ackTimeoutMs).toBeUndefined();
    // A protocol's limits are merged once, here, and a bad one is named as the protocol's.
    const protocol = (limits: object) => ({ name: 'p', decode: () => undefined, subscribe: () => undefined, unsubscribe: () => undefined, limits });
    rejects({ url: 'ws://x', protocol: protocol({ ackTimeoutMs: 0 }) }, 'protocol.limits.ackTimeoutMs must be >= 1 (got 0)');
    rejects({ url: 'ws://x', protocol: protocol({ maxSubscriptions: 0.5 }) }, 'protocol.limits.maxSubscriptions must be >= 1 (got 0.5)');
    rejects({ url: 'ws://x', protocol: protocol({ subscribeIntervalMs: 3e9 }) }, 'protocol.limits.subscribeIntervalMs must be at most 2147483647 ms');
    // Auth took any positive duration (0.5 ms); every other part whole timer ms.
    rejects({ url: 'ws://x', auth: { fetchToken: async () => ({ token: 't' }), timeoutMs: 0.5 } }, 'auth.timeoutMs must be >= 1 (got 0.5)');
    // One list of jitter names, for reconnect and auth alike (reconnect also takes a function).
    rejects({ url: 'ws://x', reconnect: { jitter: 'wild' } }, 'reconnect.jitter must be one of none, full, equal, decorrelated or a function');
    rejects(
      { url: 'ws://x', auth: { fetchToken: async () => ({ token: 't' }), retry: { jitter: 'wild' } } },
      'auth.retry.jitter must be one of none, full, equal, decorrelated',
    );
  });

  it('a default cap never makes a given value invalid: maxDelayMs left out is raised to a larger initialDelayMs', () => {
    // Auth did this; reconnect refused `{ initialDelayMs: 10_000 }` because of its default cap of 8_000.
    expect(resolveOptions({ url: 'ws://x', reconnect: { initialDelayMs: 10_000 } }).reconnect).toMatchObject({ initialDelayMs: 10_000, maxDelayMs: 10_000 });
    expect(resolveOptions({ url: 'ws://x', subscriptions: { retry: { initialDelayMs: 40_000 } } }).subscriptions.retry).toMatchObject({
      initialDelayMs: 40_000,
      maxDelayMs: 40_000,
    });
    rejects({ url: 'ws://x', reconnect: { initialDelayMs: 10_000, maxDelayMs: 9_000 } }, 'reconnect.maxDelayMs must be >= reconnect.initialDelayMs');
  });

  it('resolves to a frozen config, each part complete: the registry gets subscriptions, stale, fallback and random', () => {
    const fetch = async () => null;
    const random = () => 0.25;
    const o = resolveOptions({
      url: 'ws://x',
      subscriptions: { ackTimeoutMs: 2_000, retry: { maxAttempts: 2 } },
      stale: { afterMs: 3_000 },
      fallback: { fetch },
      random,
    });
    for (const part of [o, o.reconnect, o.heartbeat, o.subscriptions, o.subscriptions.retry, o.stale, o.fallback, o.render, o.outbox, o.registry]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(o.registry).toMatchObject({
      ackTimeoutMs: 2_000,
      maxSubscriptions: Infinity,
      subscribeIntervalMs: 0,
      retry: { initialDelayMs: 1_000, maxDelayMs: 30_000, factor: 2, maxAttempts: 2 },
      staleAfterMs: 3_000,
      stale: { afterMs: 3_000 },
      fallback: { fetch, intervalMs: 5_000, timeoutMs: 5_000, concurrency: 4 },
    });
    expect(o.registry.random()).toBe(0.25);
    // Without values the groups are DEFAULTS' own (shared, frozen): nothing is copied per client.
    const d = resolveOptions({ url: 'ws://x' });
    expect(d.subscriptions.retry).toBe(DEFAULTS.subscriptions.retry);
    expect(d.registry.retry).toBe(DEFAULTS.subscriptions.retry);
    expect(d.registry.stale).toBe(DEFAULTS.stale);
    expect(resolveOptions({ url: 'ws://y', heartbeat: false }).registry).toBe(d.registry);
    expect(Object.isFrozen(d.registry)).toBe(true);
    expect(resolveOptions({ url: 'ws://x', random: () => 0.5 }).registry).not.toBe(d.registry);
  });
});
