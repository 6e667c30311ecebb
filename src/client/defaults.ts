import { isFatalTokenError } from '../auth/classify.js';
import type { AuthOptions, AuthRetryOptions } from '../auth/types.js';
import type {
  FallbackOptions,
  HeartbeatOptions,
  ReconnectOptions,
  RenderOptions,
  StaleOptions,
  StreamClientOptions,
  SubscribeRetryOptions,
  SubscriptionOptions,
} from './options.js';

/** The type of {@link DEFAULTS}: every option group with each value filled in. */
export interface ClientDefaults {
  /** See {@link ReconnectOptions}. */
  readonly reconnect: Readonly<Required<ReconnectOptions>>;
  /** See {@link StreamClientOptions.connectTimeoutMs}. */
  readonly connectTimeoutMs: number;
  /** See {@link StreamClientOptions.handshakeTimeoutMs}. */
  readonly handshakeTimeoutMs: number;
  /** See {@link StreamClientOptions.closeTimeoutMs}. */
  readonly closeTimeoutMs: number;
  /** See {@link HeartbeatOptions}. */
  readonly heartbeat: Readonly<Required<HeartbeatOptions>>;
  /** See {@link SubscriptionOptions}; a protocol's `limits` take precedence. */
  readonly subscriptions: Readonly<Required<Omit<SubscriptionOptions, 'retry'>>> & {
    /** See {@link SubscribeRetryOptions}. */
    readonly retry: Readonly<Required<SubscribeRetryOptions>>;
  };
  /** See {@link StaleOptions} (`resubscribeAfterMs` is off by default). */
  readonly stale: {
    /** See {@link StaleOptions.afterMs}. */
    readonly afterMs: number;
  };
  /** See {@link FallbackOptions} (`fetch` has no default). */
  readonly fallback: Readonly<Required<Omit<FallbackOptions, 'fetch'>>>;
  /** See {@link RenderOptions}. */
  readonly render: Readonly<Required<RenderOptions>>;
  /** See {@link StreamClientOptions.outbox}. */
  readonly outbox: {
    /** See {@link StreamClientOptions.outbox}. */
    readonly maxMessages: number;
  };
  /** See {@link StreamClientOptions.maxFrameBytes}. */
  readonly maxFrameBytes: number;
  /** See {@link AuthOptions} (`fetchToken` has no default). */
  readonly auth: {
    /** See {@link AuthOptions.refreshBeforeMs}. */
    readonly refreshBeforeMs: number;
    /** See {@link AuthOptions.timeoutMs}. */
    readonly timeoutMs: number;
    /** See {@link AuthOptions.clockSkewMs}. */
    readonly clockSkewMs: number;
    /** See {@link AuthRetryOptions}. */
    readonly retry: Readonly<Required<AuthRetryOptions>>;
    /** See {@link AuthOptions.isFatal}. */
    readonly isFatal: (err: unknown) => boolean;
  };
}

/**
 * Every default of every option, in one place: `resolveOptions` fills each option the user left
 * out (or set to `undefined`) from here, and no part of the client has a default of its own.
 * Frozen (deeply): a client given no value for a group shares the group's object here instead
 * of holding its own copy.
 */
export const DEFAULTS: ClientDefaults = deepFreeze({
  // Spread for a fleet: a lone drop is back in 1.5–4.5 s; see bench/RESULTS.md (d) for why.
  reconnect: {
    initialDelayMs: 1_500,
    maxDelayMs: 8_000,
    maxHintMs: 300_000,
    factor: 2,
    jitter: 'decorrelated',
    maxAttempts: Infinity,
    resetAfterMs: 5_000,
    quickRetryMs: 500,
    downMaxDelayMs: 2_000,
  },
  connectTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  closeTimeoutMs: 1_000,
  heartbeat: { intervalMs: 15_000, timeoutMs: 10_000 },
  subscriptions: {
    ackTimeoutMs: 10_000,
    maxSubscriptions: Infinity,
    subscribeIntervalMs: 0,
    retry: { initialDelayMs: 1_000, maxDelayMs: 30_000, factor: 2, maxAttempts: 4 },
  },
  stale: { afterMs: 10_000 },
  fallback: { intervalMs: 5_000, timeoutMs: 5_000, concurrency: 4 },
  render: { maxBytes: 8 * 1024 * 1024, maxEntries: 10_000, minIntervalMs: 50, renderTimeoutMs: 10_000 },
  outbox: { maxMessages: 1_000 },
  maxFrameBytes: 16 * 1024 * 1024,
  auth: {
    refreshBeforeMs: 300_000,
    timeoutMs: 10_000,
    clockSkewMs: 5_000,
    retry: { initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2, maxAttempts: 8, jitter: 'full' },
    isFatal: isFatalTokenError,
  },
} as const);

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (typeof v === 'object' && v !== null) deepFreeze(v);
  return Object.freeze(o);
}
