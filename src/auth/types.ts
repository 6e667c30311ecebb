import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { JitterKind, RandomSource } from '../core/backoff.js';
import type { TokenResult } from '../core/token.js';

export type { TokenResult } from '../core/token.js';

/** Retry policy of one refresh cycle (all attempts of one shared fetch). */
export interface AuthRetryOptions {
  /** Scale of the first retry delay. @default 1_000 */
  initialDelayMs?: number;
  /** Cap on any retry delay; jitter stays spread below it. @default 60_000 */
  maxDelayMs?: number;
  /** Exponential growth per attempt. @default 2 */
  factor?: number;
  /**
   * `fetchToken` calls per refresh cycle, the first one included (`Infinity` never gives up).
   * @default 8
   */
  maxAttempts?: number;
  /** Backoff strategy from `core/backoff`. @default 'full' */
  jitter?: JitterKind;
}

/**
 * The credential lifecycle: how to get a token, when to renew it, how hard to try.
 *
 * @example
 * auth: {
 *   fetchToken: async (signal) => {
 *     const res = await fetch('https://auth.example/token', { method: 'POST', signal });
 *     if (!res.ok) throw Object.assign(new Error(`token service ${res.status}`), { status: res.status });
 *     const body = await res.json();
 *     return { token: body.approval_key, expiresInMs: body.expires_in * 1000 };
 *   },
 * }
 */
export interface AuthOptions {
  /**
   * Get a fresh token. Honour `signal`: it aborts after `timeoutMs` and on `stop()`/`close()`.
   * Throw an error with `status` (HTTP) or `fatal: true` so `isFatal` can classify it.
   */
  fetchToken(signal: AbortSignal): Promise<TokenResult>;
  /**
   * Refresh proactively this long before expiry, up to 10% earlier (jitter, so a fleet does not
   * refresh in lockstep). A token living less than about twice this is refreshed at 75–80% of
   * its lifetime instead, never sooner than 1 s after it arrived.
   * @default 300_000
   */
  refreshBeforeMs?: number;
  /** Each `fetchToken` call's signal aborts after this; the attempt counts as a transient `TOKEN_TIMEOUT`. @default 10_000 */
  timeoutMs?: number;
  /** Retries of a failing token service. @default { initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2, maxAttempts: 8, jitter: 'full' } */
  retry?: AuthRetryOptions;
  /** A token this close to expiry counts as expired: callers wait for a fresh one. @default 5_000 */
  clockSkewMs?: number;
  /**
   * Errors that retrying cannot fix. Timeouts are always transient.
   * @default isFatalTokenError — `status` (or `statusCode`, `response.status`) 400/401/403, or `fatal: true`
   */
  isFatal?(err: unknown): boolean;
}

/** {@link AuthOptions} validated, with every default filled in. */
export interface ResolvedAuthOptions {
  /** See {@link AuthOptions.fetchToken}. */
  fetchToken(signal: AbortSignal): Promise<TokenResult>;
  /** See {@link AuthOptions.refreshBeforeMs}. */
  refreshBeforeMs: number;
  /** See {@link AuthOptions.timeoutMs}. */
  timeoutMs: number;
  /** See {@link AuthOptions.retry}. */
  retry: Required<AuthRetryOptions>;
  /** See {@link AuthOptions.clockSkewMs}. */
  clockSkewMs: number;
  /** See {@link AuthOptions.isFatal}. */
  isFatal(err: unknown): boolean;
}

/** What the refresher needs from its owner (the client). */
export interface TokenRefresherDeps {
  tasks: TaskRegistry;
  random: RandomSource;
  log: Log;
  counters: Counters;
  /** Every newly fetched token (e.g. for in-band re-auth). Errors thrown here are logged and ignored. */
  onToken?(token: string, expiresAt: number): void;
}
