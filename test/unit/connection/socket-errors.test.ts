import { describe, expect, it } from 'vitest';
import { classifySocketError } from '../../../src/connection/socket-errors.js';

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

  it('everything else is a retried CONNECTION_FAILED: refused, reset, a proxy answering 502', () => {
    for (const err of [nodeError('ECONNREFUSED'), nodeError('ECONNRESET'), new Error('Unexpected server response: 502'), 'text', undefined]) {
      const loss = classifySocketError(err);
      expect(loss.kind).toBe('retry');
      expect(loss.reason).toBe('error');
      expect(loss.error.code).toBe('CONNECTION_FAILED');
    }
  });
});
