// Part configs built the production way: through the client's one resolver, so a part under
// test runs with exactly what a client would hand it (complete, validated, frozen).
import type { ReconnectOptions as ScheduledReconnect } from '../../src/reconnect/scheduler.js';
import type { AuthOptions, ResolvedAuthOptions } from '../../src/auth/types.js';
import type { FallbackOptions, ReconnectOptions, RenderOptions, StaleOptions, SubscriptionOptions } from '../../src/client/options.js';
import { resolveOptions, type ResolvedOptions } from '../../src/client/resolve.js';
import type { Protocol } from '../../src/protocol/types.js';
import type { RenderCacheOptions } from '../../src/render/cache.js';
import type { FallbackConfig, ResolvedRegistryOptions } from '../../src/subscriptions/index.js';

const URL = 'ws://127.0.0.1:1';

/** The registry's options as a test states them: the client's groups, flattened. */
export interface RegistryOptions extends SubscriptionOptions {
  /** Omitted: no default stale threshold (only handles with their own `staleAfterMs` are watched). */
  stale?: StaleOptions;
  fallback?: FallbackOptions;
  random?: () => number;
}

/** The registry config a client with these options would build. */
export function registryOptions(o: RegistryOptions = {}, protocol?: Protocol): ResolvedRegistryOptions {
  const { stale, fallback, random, ...subscriptions } = o;
  const r = resolveOptions({
    url: URL,
    subscriptions,
    ...(protocol && { protocol }),
    ...(stale && { stale }),
    ...(fallback && { fallback }),
    ...(random && { random }),
  });
  // A client always watches (stale.afterMs defaults to 10 s); the registry alone also runs without.
  return stale === undefined ? { ...r.registry, stale: undefined, staleAfterMs: undefined } : r.registry;
}

/** The render cache bounds a client with these `render` options would use. */
export function renderCacheOptions(render: RenderOptions = {}): RenderCacheOptions {
  return resolveOptions({ url: URL, render }).render;
}

/** The fallback config a client with this `fallback` option would use. */
export function fallbackConfig(fallback: FallbackOptions): FallbackConfig {
  return resolveOptions({ url: URL, fallback }).fallback!;
}

/** The resolved `auth` group of a client. */
export function authOptions(auth: AuthOptions): ResolvedAuthOptions {
  return resolveOptions({ url: URL, auth }).auth!;
}

/** The resolved `reconnect` group of a client. */
export function reconnectOptions(reconnect: ReconnectOptions = {}): ResolvedOptions['reconnect'] {
  return resolveOptions({ url: URL, reconnect }).reconnect;
}

/** The scheduler's options written out (not resolved): no randomness, no quick retry, delays of 100, 200, 400… ms capped at 1 s, for tests that read exact waits. */
export const PLAIN_RECONNECT: ScheduledReconnect = {
  initialDelayMs: 100,
  maxDelayMs: 1_000,
  maxHintMs: 300_000,
  factor: 2,
  jitter: 'none',
  maxAttempts: Infinity,
  resetAfterMs: 5_000,
  quickRetryMs: 0,
  downMaxDelayMs: Infinity,
};
