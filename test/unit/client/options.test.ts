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
