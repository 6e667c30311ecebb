/** What a token validator says about one token. */
export type AuthVerdict = 'ok' | 'expired' | 'invalid';

/**
 * How the test server turns a token away: an `auth_error` frame on the open socket, or a
 * close with 4401 (expired) / 4403 (invalid).
 */
export type AuthRejectMode = 'frame' | 'close';

/** Options of `createTestServer()`. Every option is optional. */
export interface TestServerOptions {
  /**
   * Token checking. When set, every `{"op":"auth"}` frame is answered with `auth_ok` or
   * rejected (see `authRejectMode`), on connect and for in-band re-auth alike.
   * @default undefined (every token is accepted)
   * @example
   * auth: { validate: (token) => (token === 'good' ? 'ok' : token === 'old' ? 'expired' : 'invalid') }
   */
  auth?: {
    /** Judges one token: `'ok'`, `'expired'` or `'invalid'`. */
    validate(token: string): AuthVerdict;
  };
  /**
   * How a rejected token is answered: `'frame'` replies
   * `{"op":"auth_error","code":"expired"|"invalid"}` and keeps the socket open; `'close'`
   * closes it with 4401 (expired) or 4403 (invalid).
   * @default 'frame'
   */
  authRejectMode?: AuthRejectMode;
  /**
   * Refuse subscribes (error code `"unauthorized"`) and withhold data from a connection until
   * it has sent an accepted `auth` frame. Without `auth`, any token is accepted.
   * @default true when `auth` is set, else false
   */
  requireAuth?: boolean;
  /**
   * Live subscriptions allowed per connection (duplicates count); one more is refused with
   * error code `"limit"`.
   * @default Infinity
   */
  maxSubscriptions?: number;
  /**
   * Send `{"op":"ping","t":<ms>}` to every connection this often. `0` never pings.
   * @default 0
   */
  pingIntervalMs?: number;
  /**
   * Data frames kept per topic, so a subscribe with `from` replays every kept frame with
   * `seq > from` right after `subscribed`. `0` keeps none (no replay).
   * @default 0
   */
  history?: number;
  /**
   * Decides per subscribe whether to refuse the topic: return an error code (sent as
   * `{"op":"error","topic":…,"code":…}`) or `undefined` to accept.
   * @default undefined (every topic is accepted)
   */
  rejectTopics?: (topic: string) => string | undefined;
  /**
   * Frames kept in `server.received` (the oldest are dropped first).
   * @default 10_000
   */
  maxReceived?: number;
  /**
   * Port to listen on, always on 127.0.0.1. `0` picks a free port.
   * @default 0
   */
  port?: number;
}

/** The defaults of {@link TestServerOptions}. */
export const TEST_SERVER_DEFAULTS = {
  /** See {@link TestServerOptions.authRejectMode}. */
  authRejectMode: 'frame',
  /** See {@link TestServerOptions.maxSubscriptions}. */
  maxSubscriptions: Infinity,
  /** See {@link TestServerOptions.pingIntervalMs}. */
  pingIntervalMs: 0,
  /** See {@link TestServerOptions.history}. */
  history: 0,
  /** See {@link TestServerOptions.maxReceived}. */
  maxReceived: 10_000,
  /** See {@link TestServerOptions.port}. */
  port: 0,
} as const satisfies Partial<TestServerOptions>;

/** Distinct topics the server tracks sequence numbers for; beyond it `publish` throws. */
export const MAX_TRACKED_TOPICS = 100_000;

/** Options after defaults and validation. */
export interface ResolvedTestServerOptions {
  readonly validate: (token: string) => AuthVerdict;
  readonly authRejectMode: AuthRejectMode;
  readonly requireAuth: boolean;
  readonly maxSubscriptions: number;
  readonly pingIntervalMs: number;
  readonly history: number;
  readonly rejectTopics: (topic: string) => string | undefined;
  readonly maxReceived: number;
  readonly port: number;
}

/** Accepts every token: the validator used when `auth` is not set. */
export function acceptEveryToken(): AuthVerdict {
  return 'ok';
}

/** Accepts every topic: the default `rejectTopics`. */
export function acceptEveryTopic(): undefined {
  return undefined;
}

function fail(option: string, rule: string, value: unknown): never {
  throw new RangeError(`createTestServer: ${option} must be ${rule} (got ${String(value)})`);
}

function nonNegativeInteger(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) fail(option, 'a non-negative integer', value);
  return value;
}

/** Applies defaults and throws a `TypeError`/`RangeError` naming the first bad option. */
export function resolveTestServerOptions(options: TestServerOptions = {}): ResolvedTestServerOptions {
  const d = TEST_SERVER_DEFAULTS;
  if (options.auth !== undefined && typeof options.auth.validate !== 'function') {
    throw new TypeError('createTestServer: auth.validate must be a function');
  }
  if (options.rejectTopics !== undefined && typeof options.rejectTopics !== 'function') {
    throw new TypeError('createTestServer: rejectTopics must be a function');
  }
  const authRejectMode = options.authRejectMode ?? d.authRejectMode;
  if (authRejectMode !== 'frame' && authRejectMode !== 'close') {
    fail('authRejectMode', "'frame' or 'close'", authRejectMode);
  }
  const maxSubscriptions = options.maxSubscriptions ?? d.maxSubscriptions;
  if (maxSubscriptions !== Infinity) nonNegativeInteger('maxSubscriptions', maxSubscriptions);
  const maxReceived = nonNegativeInteger('maxReceived', options.maxReceived ?? d.maxReceived);
  if (maxReceived === 0) fail('maxReceived', '>= 1', maxReceived);
  const port = nonNegativeInteger('port', options.port ?? d.port);
  if (port > 65_535) fail('port', '<= 65535', port);
  const auth = options.auth;
  return {
    validate: auth ? (token) => auth.validate(token) : acceptEveryToken,
    authRejectMode,
    requireAuth: options.requireAuth ?? auth !== undefined,
    maxSubscriptions,
    pingIntervalMs: nonNegativeInteger('pingIntervalMs', options.pingIntervalMs ?? d.pingIntervalMs),
    history: nonNegativeInteger('history', options.history ?? d.history),
    rejectTopics: options.rejectTopics ?? acceptEveryTopic,
    maxReceived,
    port,
  };
}
