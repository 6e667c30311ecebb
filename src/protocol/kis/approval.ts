import type { TokenResult } from '../../core/token.js';
import { kisEnv, type KisEnv } from './env.js';
import { BodyTooLarge, MAX_APPROVAL_BODY_BYTES, readBounded, redirectOrigin, retryAfterMs, untilAborted, type KisResponse } from './approval-http.js';

export type { KisResponse } from './approval-http.js';

/** How long a KIS approval key lives (the service does not say; the docs say about 24 h). */
export const KIS_APPROVAL_TTL_MS = 86_400_000;

/**
 * The `fetch` this needs: the global one, or any WHATWG-compatible implementation. It is called
 * with `redirect: 'manual'`: credentials never follow a redirect to another host.
 */
export type KisFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: 'manual' },
) => Promise<KisResponse>;

/** Options of {@link kisApprovalKey}. */
export interface KisApprovalOptions {
  /**
   * REST base URL, e.g. `https://openapi.koreainvestment.com:9443` (or a simulator's `httpUrl`).
   * @default the REST base of `env`
   */
  baseUrl?: string;
  /** Real or paper trading (모의투자): picks the default `baseUrl`. @default 'real' */
  env?: KisEnv;
  /** The app key KIS issued; sent in the request body only, never in an error or log record. */
  appKey: string;
  /** Sent in the request body only; never in an error message or log record. */
  appSecret: string;
  /** @default globalThis.fetch */
  fetch?: KisFetch;
  /** Lifetime reported to the refresher. @default KIS_APPROVAL_TTL_MS (24 h) */
  ttlMs?: number;
}

/**
 * A failed approval request. `status` is the HTTP status (absent for network errors and bad
 * bodies); `fatal` is true for 4xx answers other than 408 and 429, which retrying cannot fix.
 * The refresher's default `isFatal` reads both.
 */
export class KisApprovalError extends Error {
  /** The HTTP status, when the service answered. */
  readonly status: number | undefined;
  /** True when retrying cannot help (bad credentials, a redirect): the client ends in `failed`. */
  readonly fatal: boolean;
  /** The service's `error_code` (e.g. `EGW00103`), when it sent one. */
  readonly serviceCode: string | undefined;
  /** The service's `Retry-After` (429/503), in ms: the earliest a retry is welcome. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, o: { status?: number; fatal?: boolean; serviceCode?: string; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'KisApprovalError';
    this.status = o.status;
    this.fatal = o.fatal ?? false;
    this.serviceCode = o.serviceCode;
    this.retryAfterMs = o.retryAfterMs;
  }
}

function isFatalStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** KIS issues 36-character approval keys (open-trading-api samples); anything else is not one. */
const APPROVAL_KEY = /^[\x21-\x7e]{36}$/;

/**
 * An `auth.fetchToken` for KIS: `POST {baseUrl}/oauth2/Approval` with
 * `{"grant_type":"client_credentials","appkey","secretkey"}`, answered by `{"approval_key"}`.
 *
 * - network errors, 408, 429 and 5xx: a transient `KisApprovalError` (the refresher retries);
 *   a `Retry-After` is kept in `retryAfterMs`;
 * - 400/401/403 (bad app key or secret) and other 4xx: `fatal`, with `status`;
 * - a redirect (3xx): `fatal`, naming the status and the target origin; it is never followed,
 *   so the secret goes to the configured origin only and the key comes only from there;
 * - an answer that is not JSON, larger than 16 KiB, or whose `approval_key` is not 36
 *   printable characters: transient;
 * - the abort signal (timeout, `stop()`, `close()`) aborts the request and the body read.
 *
 * The app key and secret are scrubbed from every message this produces; no error keeps the
 * response body or a parser error (which would quote it) as its cause.
 * @example
 * new StreamClient({
 *   url: 'ws://ops.koreainvestment.com:21000',
 *   protocol: kisProtocol(),
 *   auth: { fetchToken: kisApprovalKey({ appKey, appSecret }) },
 * });
 */
export function kisApprovalKey(options: KisApprovalOptions): (signal: AbortSignal) => Promise<TokenResult> {
  const { appKey, appSecret } = options;
  const env = kisEnv(options.env ?? 'real', 'kisApprovalKey');
  const baseUrl = options.baseUrl ?? env.restUrl;
  if (typeof baseUrl !== 'string' || baseUrl === '') throw new TypeError('kisApprovalKey: baseUrl must be a non-empty string');
  if (typeof appKey !== 'string' || appKey === '') throw new TypeError('kisApprovalKey: appKey is required');
  if (typeof appSecret !== 'string' || appSecret === '') throw new TypeError('kisApprovalKey: appSecret is required');
  const ttlMs = options.ttlMs ?? KIS_APPROVAL_TTL_MS;
  if (!(ttlMs > 0)) throw new TypeError('kisApprovalKey: ttlMs must be > 0');
  const url = `${baseUrl.replace(/\/+$/, '')}/oauth2/Approval`;
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    throw new TypeError('kisApprovalKey: baseUrl must be an absolute URL');
  }
  const body = JSON.stringify({ grant_type: 'client_credentials', appkey: appKey, secretkey: appSecret });
  const scrub = (text: string): string => text.split(appSecret).join('[redacted]').split(appKey).join('[redacted]');
  const init = { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body, redirect: 'manual' } as const;

  return async function fetchKisApprovalKey(signal: AbortSignal): Promise<TokenResult> {
    const doFetch = options.fetch ?? (globalThis.fetch as unknown as KisFetch | undefined);
    if (!doFetch) throw new KisApprovalError('kisApprovalKey: no fetch available; pass options.fetch', { fatal: true });
    let res: KisResponse;
    try {
      res = await untilAborted(doFetch(url, { ...init, signal }), signal);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const why = err instanceof Error ? err.message : String(err);
      throw new KisApprovalError(`KIS approval request failed: ${scrub(why)}`);
    }
    if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400) || res.redirected === true) {
      res.body?.cancel().catch(() => undefined);
      // A fetch that ignored `redirect: 'manual'` followed it: its answer is not the configured origin's.
      const to = res.redirected === true ? originOf(res.url) : res.type === 'opaqueredirect' ? 'unknown' : redirectOrigin(res, url);
      const status = res.redirected === true ? 'followed' : res.status || 'opaque';
      throw new KisApprovalError(scrub(`KIS approval endpoint redirected (HTTP ${status}) to ${to}; not followed: credentials go only to ${origin}`), {
        status: res.status,
        fatal: true,
      });
    }
    let text: string;
    try {
      text = await readBounded(res, MAX_APPROVAL_BODY_BYTES, signal);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (res.ok || err instanceof BodyTooLarge) {
        const why = err instanceof BodyTooLarge ? `larger than ${MAX_APPROVAL_BODY_BYTES} bytes` : 'unreadable';
        throw new KisApprovalError(`KIS approval answer ${why} (HTTP ${res.status})`, { status: res.status, fatal: !res.ok && isFatalStatus(res.status) });
      }
      text = '';
    }
    if (!res.ok) {
      const detail = readServiceError(text, scrub);
      const what = [detail.code, detail.description].filter(Boolean).join(' ');
      const hint = retryAfterMs(res, Date.now());
      throw new KisApprovalError(scrub(`KIS approval refused: HTTP ${res.status}${what ? ` (${what})` : ''}`), {
        status: res.status,
        fatal: isFatalStatus(res.status),
        ...(detail.code ? { serviceCode: detail.code } : {}),
        ...(hint === undefined ? {} : { retryAfterMs: hint }),
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // No cause: a parser's message quotes the body, which may echo the credentials.
      throw new KisApprovalError(`KIS approval answer is not JSON (HTTP ${res.status}, ${text.length} chars)`, { status: res.status });
    }
    const key = (json as { approval_key?: unknown } | null)?.approval_key;
    if (typeof key !== 'string' || key === '') {
      throw new KisApprovalError('KIS approval answer has no approval_key', { status: res.status });
    }
    if (!APPROVAL_KEY.test(key)) {
      throw new KisApprovalError(`KIS approval_key is not 36 printable characters (got ${key.length})`, { status: res.status });
    }
    return { token: key, expiresInMs: ttlMs };
  };
}

function originOf(u: string | undefined): string {
  try {
    return u ? new URL(u).origin : 'unknown';
  } catch {
    return 'unknown';
  }
}

interface ServiceError {
  code?: string;
  description?: string;
}

/** `{ error_code, error_description }` of a KIS error body, scrubbed, then bounded; `{}` when it is not that. */
function readServiceError(text: string, scrub: (s: string) => string): ServiceError {
  try {
    const j = JSON.parse(text) as Record<string, unknown> | null;
    // Scrub before cutting: a cut through the secret would leave a piece no scrub recognises.
    const code = typeof j?.['error_code'] === 'string' ? scrub(j['error_code']).slice(0, 40) : undefined;
    const description = typeof j?.['error_description'] === 'string' ? scrub(j['error_description']).slice(0, 120) : undefined;
    return { ...(code ? { code } : {}), ...(description ? { description } : {}) };
  } catch {
    return {};
  }
}
