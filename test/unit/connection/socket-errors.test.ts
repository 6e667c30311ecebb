import { describe, expect, it } from 'vitest';
import { classifySocketError } from '../../../src/connection/socket-errors.js';
import { ConnectionError } from '../../../src/core/errors.js';

const nodeError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('classifySocketError', () => {
  it('names the reason of every certificate failure Node reports, fatal', () => {
    const cases: [string, string][] = [
      ['CERT_HAS_EXPIRED', 'expired'],
      ['CERT_NOT_YET_VALID', 'not-yet-valid'],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed'],
      ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed'],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted-ca'],
      ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'untrusted-ca'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'hostname-mismatch'],
      ['CERT_REVOKED', 'revoked'],
      ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'handshake'],
      ['ERR_SSL_WRONG_VERSION_NUMBER', 'handshake'],
    ];
    for (const [code, reason] of cases) {
      const loss = classifySocketError(nodeError(code, 'certificate problem'));
      expect(loss.kind).toBe('fatal');
      expect(loss.reason).toBe(`tls:${reason}`);
      expect(loss.error.code).toBe('TLS_ERROR');
      expect(loss.error.details).toEqual({ reason, tlsCode: code });
      expect(loss.error.message).toBe(`TLS ${reason}: Error: certificate problem`);
    }
  });

  it('a 407 at the upgrade (ws message or a statusCode) is a fatal PROXY_AUTH', () => {
    for (const err of [new Error('Unexpected server response: 407'), { statusCode: 407 }]) {
      const loss = classifySocketError(err);
      expect(loss).toMatchObject({ kind: 'fatal', reason: 'proxy-auth' });
      expect(loss.error.code).toBe('PROXY_AUTH');
      expect(loss.error.details).toEqual({ status: 407 });
    }
  });

  it('everything else is a retried CONNECTION_FAILED: refused, reset, text, nothing', () => {
    for (const err of [nodeError('ECONNREFUSED'), nodeError('ECONNRESET'), 'text', undefined]) {
      const loss = classifySocketError(err);
      expect(loss.kind).toBe('retry');
      expect(loss.reason).toBe('error');
      expect(loss.error.code).toBe('CONNECTION_FAILED');
    }
  });

  it('a refused upgrade with another status (a proxy answering 502) is a retried CONNECTION_FAILED naming the status', () => {
    for (const err of [new Error('Unexpected server response: 502'), new ConnectionError('CONNECTION_FAILED', 'server refused the WebSocket upgrade with HTTP 502', { details: { status: 502 } })]) {
      const loss = classifySocketError(err);
      expect(loss).toMatchObject({ kind: 'retry', reason: 'upgrade:502' });
      expect(loss.error.code).toBe('CONNECTION_FAILED');
      expect(loss.error.details).toEqual({ status: 502 });
      expect(loss.hintMs).toBeUndefined();
    }
  });

  it('401/403 at the upgrade is a token rejection; a Retry-After becomes the hint', () => {
    expect(classifySocketError(new ConnectionError('CONNECTION_FAILED', 'x', { details: { status: 401 } }))).toMatchObject({ kind: 'auth', reason: 'upgrade:401' });
    expect(classifySocketError(new Error('Unexpected server response: 403')).error.code).toBe('AUTH_REJECTED');
    expect(classifySocketError(new ConnectionError('CONNECTION_FAILED', 'x', { details: { status: 503, retryAfterMs: 30_000 } }))).toMatchObject({ kind: 'retry', reason: 'upgrade:503', hintMs: 30_000 });
  });

  it('407 reported by the transport (details.status) is PROXY_AUTH', () => {
    const loss = classifySocketError(new ConnectionError('CONNECTION_FAILED', 'x', { details: { status: 407 } }));
    expect(loss).toMatchObject({ kind: 'fatal', reason: 'proxy-auth' });
    expect(loss.error.code).toBe('PROXY_AUTH');
  });
});
