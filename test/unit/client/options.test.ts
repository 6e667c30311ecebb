import { describe, expect, it } from 'vitest';
import { DEFAULTS, resolveOptions } from '../../../src/client/options.js';
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
      const [group, key] = path.split('.');
      const base: Record<string, unknown> = { url: 'ws://x', fallback: { fetch }, auth: { fetchToken } };
      if (key === undefined) return { ...base, [group!]: v };
      const extra = group === 'reconnect' && key !== 'maxDelayMs' && key !== 'initialDelayMs' ? {} : group === 'reconnect' ? { maxDelayMs: MAX, initialDelayMs: 1 } : {};
      return { ...base, [group!]: { ...(base[group!] as object), ...extra, [key]: v } };
    };
    const MAX = 2 ** 31 - 1;
    const durations = [
      'connectTimeoutMs', 'handshakeTimeoutMs', 'closeTimeoutMs',
      'reconnect.initialDelayMs', 'reconnect.maxDelayMs', 'reconnect.maxHintMs', 'reconnect.resetAfterMs',
      'heartbeat.intervalMs', 'heartbeat.timeoutMs',
      'subscriptions.ackTimeoutMs', 'subscriptions.subscribeIntervalMs',
      'stale.afterMs', 'stale.resubscribeAfterMs',
      'fallback.intervalMs', 'fallback.timeoutMs',
      'render.minIntervalMs',
      'auth.refreshBeforeMs', 'auth.timeoutMs', 'auth.clockSkewMs',
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
    for (const [r, want] of [[-1, 0], [Number.NaN, 0], [2, 1 - Number.EPSILON], [0.25, 0.25]] as const) {
      expect(resolveOptions({ url: 'ws://x', random: () => r }).random()).toBe(want);
    }
  });

  it('lets a protocol set subscription limits, and the user override them', () => {
    const protocol = { name: 'p', decode: () => undefined, subscribe: () => undefined, unsubscribe: () => undefined, limits: { maxSubscriptions: 41, subscribeIntervalMs: 100 } };
    expect(resolveOptions({ url: 'ws://x', protocol }).subscriptions.maxSubscriptions).toBe(41);
    expect(resolveOptions({ url: 'ws://x', protocol, subscriptions: { maxSubscriptions: 5 } }).subscriptions.maxSubscriptions).toBe(5);
  });

  it('accepts heartbeat: false and an Infinity maxAttempts', () => {
    const o = resolveOptions({ url: () => 'ws://x', heartbeat: false, reconnect: { maxAttempts: Infinity } });
    expect(o.heartbeat).toBe(false);
  });
});
