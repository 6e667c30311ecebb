import type { TokenResult } from '../../auth/types.js';

/** How long a KIS approval key lives (the service does not say; the docs say about 24 h). */
export const KIS_APPROVAL_TTL_MS = 86_400_000;

/** The `fetch` this needs: the global one, or any WHATWG-compatible implementation. */
export type KisFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;

export interface KisApprovalOptions {
  /** REST base URL, e.g. `https://openapi.koreainvestment.com:9443` (or a simulator's `httpUrl`). */
  baseUrl: string;
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
  readonly status: number | undefined;
  readonly fatal: boolean;
  /** The service's `error_code` (e.g. `EGW00103`), when it sent one. */
  readonly serviceCode: string | undefined;

  constructor(message: string, o: { status?: number; fatal?: boolean; serviceCode?: string; cause?: unknown } = {}) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'KisApprovalError';
    this.status = o.status;
    this.fatal = o.fatal ?? false;
    this.serviceCode = o.serviceCode;
  }
}

function isFatalStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * An `auth.fetchToken` for KIS: `POST {baseUrl}/oauth2/Approval` with
 * `{"grant_type":"client_credentials","appkey","secretkey"}`, answered by `{"approval_key"}`.
 *
 * - network errors, 408, 429 and 5xx: a transient `KisApprovalError` (the refresher retries);
 * - 400/401/403 (bad app key or secret) and other 4xx: `fatal`, with `status`;
 * - the abort signal (timeout, `stop()`, `close()`) aborts the request.
 *
 * The secret is scrubbed from every message this produces.
 * @example
 * new StreamClient({
 *   url: 'ws://ops.koreainvestment.com:21000',
 *   protocol: kisProtocol(),
 *   auth: { fetchToken: kisApprovalKey({ baseUrl, appKey, appSecret }) },
 * });
 */
export function kisApprovalKey(options: KisApprovalOptions): (signal: AbortSignal) => Promise<TokenResult> {
  const { appKey, appSecret } = options;
  if (typeof options.baseUrl !== 'string' || options.baseUrl === '') throw new TypeError('kisApprovalKey: baseUrl is required');
  if (typeof appKey !== 'string' || appKey === '') throw new TypeError('kisApprovalKey: appKey is required');
  if (typeof appSecret !== 'string' || appSecret === '') throw new TypeError('kisApprovalKey: appSecret is required');
  const ttlMs = options.ttlMs ?? KIS_APPROVAL_TTL_MS;
  if (!(ttlMs > 0)) throw new TypeError('kisApprovalKey: ttlMs must be > 0');
  const url = `${options.baseUrl.replace(/\/+$/, '')}/oauth2/Approval`;
  const body = JSON.stringify({ grant_type: 'client_credentials', appkey: appKey, secretkey: appSecret });
  const scrub = (text: string): string => text.split(appSecret).join('[redacted]');

  return async function fetchKisApprovalKey(signal: AbortSignal): Promise<TokenResult> {
    const doFetch = options.fetch ?? (globalThis.fetch as unknown as KisFetch | undefined);
    if (!doFetch) throw new KisApprovalError('kisApprovalKey: no fetch available; pass options.fetch', { fatal: true });
    let res: Awaited<ReturnType<KisFetch>>;
    try {
      res = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body, signal });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const why = err instanceof Error ? err.message : String(err);
      throw new KisApprovalError(`KIS approval request failed: ${scrub(why)}`);
    }
    if (!res.ok) {
      const detail = await res.text().then(readServiceError, () => ({}) as ServiceError);
      const what = [detail.code, detail.description].filter(Boolean).join(' ');
      throw new KisApprovalError(scrub(`KIS approval refused: HTTP ${res.status}${what ? ` (${what})` : ''}`), {
        status: res.status,
        fatal: isFatalStatus(res.status),
        ...(detail.code ? { serviceCode: detail.code } : {}),
      });
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new KisApprovalError('KIS approval answer is not JSON', { status: res.status, cause: err });
    }
    const key = (json as { approval_key?: unknown } | null)?.approval_key;
    if (typeof key !== 'string' || key === '') {
      throw new KisApprovalError('KIS approval answer has no approval_key', { status: res.status });
    }
    return { token: key, expiresInMs: ttlMs };
  };
}

interface ServiceError {
  code?: string;
  description?: string;
}

/** `{ error_code, error_description }` of a KIS error body, bounded; `{}` when it is not that. */
function readServiceError(text: string): ServiceError {
  try {
    const j = JSON.parse(text) as Record<string, unknown> | null;
    const code = typeof j?.['error_code'] === 'string' ? j['error_code'].slice(0, 40) : undefined;
    const description = typeof j?.['error_description'] === 'string' ? j['error_description'].slice(0, 120) : undefined;
    return { ...(code ? { code } : {}), ...(description ? { description } : {}) };
  } catch {
    return {};
  }
}
