import { AuthError, ConnectionError, describeError, isStreamClientError, type StreamClientError } from '../core/errors.js';
import { defaultCloseKind } from '../protocol/close-codes.js';
import type { CloseKind, Protocol } from '../protocol/types.js';

/** Why a server certificate (or the TLS handshake) was refused; `details.reason` of a `TLS_ERROR`. */
export type TlsFailure = 'expired' | 'not-yet-valid' | 'self-signed' | 'untrusted-ca' | 'hostname-mismatch' | 'revoked' | 'invalid-certificate' | 'handshake';

/** Node's (OpenSSL's) verification codes, by what a person has to fix. */
const TLS_REASONS: Readonly<Record<string, TlsFailure>> = {
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted-ca',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted-ca',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname-mismatch',
  HOSTNAME_MISMATCH: 'hostname-mismatch',
  CERT_REVOKED: 'revoked',
  CERT_SIGNATURE_FAILURE: 'invalid-certificate',
  CERT_UNTRUSTED: 'untrusted-ca',
  CERT_REJECTED: 'untrusted-ca',
  INVALID_CA: 'untrusted-ca',
  INVALID_PURPOSE: 'invalid-certificate',
  ERR_TLS_CERT_SIGNATURE_ALGORITHM_UNSUPPORTED: 'invalid-certificate',
};

/** How an attempt or a session ends: what the connection's one loss path is told. */
export interface Loss {
  kind: CloseKind;
  /** The `reason` of the state event (`error`, `close:1006`, `upgrade:503`, `tls:expired`…). */
  reason: string;
  error?: StreamClientError;
  /** A server's retry hint (`Retry-After`, a close reason, the protocol's): only lengthens the wait. */
  hintMs?: number;
  /** The credential refused, when it is not the one the state holds (a refused re-auth's). */
  token?: string;
}

/** A loss the socket reported: it always carries its error. */
export type SocketLoss = Loss & { error: StreamClientError };

/** A failed protocol handshake: a rejected token is an auth loss, anything else a retry. */
export function handshakeLoss(err: unknown): Loss {
  if (isStreamClientError(err) && err.code === 'AUTH_REJECTED') return { kind: 'auth', reason: 'auth-rejected', error: err };
  const error = isStreamClientError(err) ? err : new ConnectionError('CONNECTION_FAILED', `handshake failed: ${describeError(err)}`, { cause: err });
  return { kind: 'retry', reason: 'handshake-failed', error };
}

/** A close frame, classified by the protocol (`closeKind`, `retryAfterMs`) or the default table. */
export function closeLoss(p: Protocol, code: number, reason: string): Loss {
  const kind = (p.closeKind ?? defaultCloseKind).call(p, code, reason);
  const hintMs = p.retryAfterMs?.call(p, code, reason);
  const details = { details: { code } };
  const error =
    kind === 'fatal'
      ? new ConnectionError('FATAL_CLOSE', `server closed with ${code}`, details)
      : kind === 'auth'
        ? new AuthError('AUTH_REJECTED', `server closed with ${code}`, details)
        : undefined;
  return { kind, reason: `close:${code}`, ...(error ? { error } : {}), ...(hintMs === undefined ? {} : { hintMs }) };
}

/** The HTTP status of a refused upgrade: as the transport reports it, a `statusCode` on the value, or ws's error message. */
function upgradeStatus(err: unknown): number | undefined {
  const s = isStreamClientError(err) ? err.details?.['status'] : (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof s === 'number') return s;
  const m = err instanceof Error ? /^Unexpected server response: (\d{3})$/.exec(err.message) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * Classify what the socket reported before it opened (or while open), in one place:
 * - a certificate the client cannot verify, or a failed TLS handshake: `TLS_ERROR`, fatal —
 *   the same certificate is refused again, so retrying would loop; `details.reason` says why;
 * - `407` from the proxy: `PROXY_AUTH`, fatal — the same credentials are refused again;
 * - `401`/`403` at the upgrade: a token rejection, like close 4401/4403 (the token is refreshed once);
 * - another HTTP status: retry, its `Retry-After` the next delay's hint;
 * - anything else (refused, reset, DNS, a proxy that is down or refuses CONNECT): retry.
 */
export function classifySocketError(err: unknown): SocketLoss {
  const code = (err as { code?: unknown } | null)?.code;
  const tls = typeof code === 'string' ? (TLS_REASONS[code] ?? (code.startsWith('ERR_SSL_') ? 'handshake' : undefined)) : undefined;
  if (tls !== undefined) {
    const error = new ConnectionError('TLS_ERROR', `TLS ${tls}: ${describeError(err)}`, { cause: err, details: { reason: tls, tlsCode: code } });
    return { kind: 'fatal', reason: `tls:${tls}`, error };
  }
  const status = upgradeStatus(err);
  if (status === 407) {
    const error = new ConnectionError('PROXY_AUTH', 'the proxy refused the credentials (407 Proxy Authentication Required)', {
      cause: err,
      details: { status: 407 },
    });
    return { kind: 'fatal', reason: 'proxy-auth', error };
  }
  if (status === 401 || status === 403) {
    return {
      kind: 'auth',
      reason: `upgrade:${status}`,
      error: new AuthError('AUTH_REJECTED', `server refused the token at the WebSocket upgrade (HTTP ${status})`, { details: { status } }),
    };
  }
  if (status !== undefined) {
    const error = isStreamClientError(err)
      ? err
      : new ConnectionError('CONNECTION_FAILED', `server refused the WebSocket upgrade with HTTP ${status}`, { details: { status } });
    const hintMs = error.details?.['retryAfterMs'];
    return { kind: 'retry', reason: `upgrade:${status}`, error, ...(typeof hintMs === 'number' ? { hintMs } : {}) };
  }
  return { kind: 'retry', reason: 'error', error: new ConnectionError('CONNECTION_FAILED', `socket error: ${describeError(err)}`, { cause: err }) };
}
