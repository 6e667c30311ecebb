/** Every error code steadystream produces. Stable: match on these, not on messages. */
export type StreamErrorCode =
  | 'INVALID_OPTIONS'
  | 'CONNECT_TIMEOUT'
  | 'HANDSHAKE_TIMEOUT'
  | 'CONNECTION_FAILED'
  | 'TLS_ERROR'
  | 'PROXY_AUTH'
  | 'CONNECTION_CLOSED'
  | 'HEARTBEAT_TIMEOUT'
  | 'MAX_ATTEMPTS'
  | 'FATAL_CLOSE'
  | 'AUTH_FAILED'
  | 'AUTH_REJECTED'
  | 'TOKEN_TIMEOUT'
  | 'DECODE_ERROR'
  | 'FRAME_TOO_LARGE'
  | 'PROTOCOL_ERROR'
  | 'SUBSCRIPTION_REJECTED'
  | 'SUBSCRIPTION_LIMIT'
  | 'SUBSCRIBE_TIMEOUT'
  | 'OUTBOX_FULL'
  | 'NOT_CONNECTED'
  | 'FALLBACK_FAILED'
  | 'RENDER_FAILED'
  | 'CLIENT_STOPPED'
  | 'CLIENT_CLOSED';

const BRAND = Symbol.for('steadystream.StreamClientError');

/** The optional second part of a {@link StreamClientError}: what caused it and secret-free context. */
export interface StreamClientErrorOptions {
  /** The original error (scrubbed of secrets when it carried one); kept as `err.cause`. */
  cause?: unknown;
  /** Structured, secret-free context (option name, close code, topic …). */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error type of steadystream. `code` is a literal union; `cause` keeps the original.
 * Messages never contain secrets: callers build them from redacted parts only.
 */
export class StreamClientError extends Error {
  /** What went wrong, as a stable literal: match on this, not on `message`. */
  readonly code: StreamErrorCode;
  /** Structured, secret-free context (option name, close code, topic, server code …). */
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** The brand `isStreamClientError` checks, so it works across duplicate copies of the package. */
  readonly [BRAND] = true;

  constructor(code: StreamErrorCode, message: string, options: StreamClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

/** Connection-level failures: timeouts, closes, refused sockets. */
export class ConnectionError extends StreamClientError {}
/** Token service and server-side authentication failures. */
export class AuthError extends StreamClientError {}
/** Frames that cannot be decoded or violate the protocol. */
export class ProtocolError extends StreamClientError {}
/** Per-subscription failures (rejection, limit, ack timeout). */
export class SubscriptionError extends StreamClientError {}
/** Operations on a stopped or closed client. */
export class ClosedError extends StreamClientError {
  constructor(message = 'client is closed', options?: StreamClientErrorOptions) {
    super('CLIENT_CLOSED', message, options);
  }
}

/** A `StreamClientError` whose `code` is known to be `C` (what `isStreamClientError(err, code)` proves). */
export type StreamClientErrorWithCode<C extends StreamErrorCode> = StreamClientError & {
  /** Narrowed to the code that was checked. */
  readonly code: C;
};

/**
 * True for any steadystream error, even from another copy of the package (brand check, not
 * `instanceof`). Pass a code to narrow further: after `isStreamClientError(err, 'MAX_ATTEMPTS')`,
 * `err.code` has the type `'MAX_ATTEMPTS'`.
 *
 * @example
 * ```ts
 * try { await client.start(); } catch (err) {
 *   if (isStreamClientError(err, 'MAX_ATTEMPTS')) showOffline(err.code); // err.code: 'MAX_ATTEMPTS'
 * }
 * ```
 */
export function isStreamClientError(err: unknown): err is StreamClientError;
export function isStreamClientError<C extends StreamErrorCode>(err: unknown, code: C): err is StreamClientErrorWithCode<C>;
export function isStreamClientError(err: unknown, code?: StreamErrorCode): err is StreamClientError;
export function isStreamClientError(err: unknown, code?: StreamErrorCode): err is StreamClientError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as Record<symbol, unknown>)[BRAND] === true &&
    (code === undefined || (err as StreamClientError).code === code)
  );
}

/** Wrap anything thrown into a message-safe description (no stack, no payload). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return typeof err === 'string' ? err : 'non-error value thrown';
}
