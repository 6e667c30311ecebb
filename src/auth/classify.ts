import { AuthError, describeError, isStreamClientError } from '../core/errors.js';
import type { TokenResult } from './types.js';

/** HTTP statuses of a token service that retrying cannot fix. 429 and 5xx stay transient. */
const FATAL_STATUS: ReadonlySet<number> = new Set([400, 401, 403]);

function statusOf(err: object): unknown {
  const e = err as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } | null };
  return e.status ?? e.statusCode ?? e.response?.status;
}

/**
 * The default `isFatal`: a rejected request (400 bad request, 401 bad credentials, 403
 * forbidden) or an error marked `fatal: true`. Everything else — timeouts, network errors,
 * 429, 5xx — is transient and retried.
 */
export function isFatalTokenError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if ((err as { fatal?: unknown }).fatal === true) return true;
  const status = statusOf(err);
  return typeof status === 'number' && FATAL_STATUS.has(status);
}

/** Classify one failed attempt. Timeouts are transient whatever `isFatal` says; a throwing `isFatal` counts as fatal. */
export function classifyFailure(err: unknown, isFatal: (err: unknown) => boolean): 'fatal' | 'transient' {
  if (isStreamClientError(err, 'TOKEN_TIMEOUT')) return 'transient';
  if (isStreamClientError(err, 'AUTH_FAILED') && err.details?.['reason'] === 'malformed') return 'fatal';
  try {
    return isFatal(err) ? 'fatal' : 'transient';
  } catch {
    return 'fatal';
  }
}

/**
 * Whether a failed `getToken()` should end a connect in `failed`: only a refresh cycle that ended
 * on a fatal error (refused by the token service, malformed result, `isFatal`). Exhausted
 * retries, timeouts and anything else are transient: the connection keeps reconnecting.
 */
export function isFatalTokenFailure(err: unknown): boolean {
  return isStreamClientError(err, 'AUTH_FAILED') && (err.details?.['fatal'] === true || err.details?.['reason'] === 'malformed');
}

/**
 * The wait a failed token request asked for: a numeric `retryAfterMs` on the error (as
 * `KisApprovalError` carries from a 429/503 `Retry-After`) or in its `details`; `undefined` if none.
 */
export function retryAfterOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { retryAfterMs?: unknown; details?: { retryAfterMs?: unknown } | null };
  const v = e.retryAfterMs ?? e.details?.retryAfterMs;
  return typeof v === 'number' && v > 0 ? v : undefined;
}

/** The `code` field of an `auth.refresh.fail` record. */
export function failureCode(err: unknown): string {
  if (isStreamClientError(err)) return err.code;
  const status = typeof err === 'object' && err !== null ? statusOf(err) : undefined;
  return typeof status === 'number' ? `HTTP_${status}` : 'FETCH_FAILED';
}

function malformed(rule: string): AuthError {
  return new AuthError('AUTH_FAILED', `fetchToken returned a malformed result: ${rule}`, { details: { reason: 'malformed' } });
}

/**
 * Check a `fetchToken` result and turn it into `{ token, expiresAt }` (epoch ms, local clock).
 * Throws `AuthError('AUTH_FAILED')` naming the broken field, never echoing the token.
 */
export function readTokenResult(result: unknown, now: number): { token: string; expiresAt: number } {
  if (typeof result !== 'object' || result === null) throw malformed('expected an object { token, expiresAt | expiresInMs }');
  const { token, expiresAt, expiresInMs } = result as Partial<Record<keyof TokenResult, unknown>>;
  if (typeof token !== 'string' || token.length === 0) throw malformed('token must be a non-empty string');
  const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (expiresAt !== undefined && !isNum(expiresAt)) throw malformed('expiresAt must be a finite number (epoch ms)');
  if (expiresInMs !== undefined && (!isNum(expiresInMs) || expiresInMs < 0)) {
    throw malformed('expiresInMs must be a non-negative finite number');
  }
  if (expiresAt === undefined && expiresInMs === undefined) throw malformed('one of expiresAt or expiresInMs is required');
  const candidates = [expiresAt, expiresInMs === undefined ? undefined : now + expiresInMs].filter(isNum);
  return { token, expiresAt: Math.min(...candidates) };
}

/** The `AUTH_FAILED` a refresh cycle ends with. `scrub` removes known tokens from the cause's text. */
export function cycleFailure(err: unknown, attempts: number, fatal: boolean, scrub: (text: string) => string): AuthError {
  const head = fatal ? 'token service refused' : `token service failed ${attempts} time${attempts === 1 ? '' : 's'}`;
  return new AuthError('AUTH_FAILED', `${head}: ${scrub(describeError(err))}`, { cause: err, details: { attempts, fatal } });
}
