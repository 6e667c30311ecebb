import { describe, expect, it } from 'vitest';
import { classifySocketError, closeLoss, handshakeLoss } from '../../../src/connection/socket-errors.js';
import { AuthError, ConnectionError, ProtocolError } from '../../../src/core/errors.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { Protocol } from '../../../src/protocol/types.js';

const nodeError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('classifySocketError', () => {
  it('names the reason of every certificate failure Node reports, fatal', () => {
    const cases: [string, string][] = [
      ['CERT_HAS_EXPIRED', 'expired'],
      ['CERT_NOT_YET_VALID', 'not-yet-valid'],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed'],
      ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed'],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted-ca'],
      ['UNABLE_TO_GET_ISSUER_CERT', 'untrusted-ca'],
      ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'untrusted-ca'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'hostname-mismatch'],
      ['HOSTNAME_MISMATCH', 'hostname-mismatch'],
      ['CERT_REVOKED', 'revoked'],
      ['CERT_SIGNATURE_FAILURE', 'invalid-certificate'],
      ['CERT_UNTRUSTED', 'untrusted-ca'],
      ['CERT_REJECTED', 'untrusted-ca'],
      ['INVALID_CA', 'untrusted-ca'],
      ['INVALID_PURPOSE', 'invalid-certificate'],
      ['ERR_TLS_CERT_SIGNATURE_ALGORITHM_UNSUPPORTED', 'invalid-certificate'],
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
    for (const err of [
      new Error('Unexpected server response: 502'),
      new ConnectionError('CONNECTION_FAILED', 'server refused the WebSocket upgrade with HTTP 502', { details: { status: 502 } }),
    ]) {
      const loss = classifySocketError(err);
      expect(loss).toMatchObject({ kind: 'retry', reason: 'upgrade:502' });
      expect(loss.error.code).toBe('CONNECTION_FAILED');
      expect(loss.error.details).toEqual({ status: 502 });
      expect(loss.hintMs).toBeUndefined();
    }
  });

  it('401/403 at the upgrade is a token rejection; a Retry-After becomes the hint', () => {
    expect(classifySocketError(new ConnectionError('CONNECTION_FAILED', 'x', { details: { status: 401 } }))).toMatchObject({
      kind: 'auth',
      reason: 'upgrade:401',
    });
    expect(classifySocketError(new Error('Unexpected server response: 403')).error.code).toBe('AUTH_REJECTED');
    expect(classifySocketError(new ConnectionError('CONNECTION_FAILED', 'x', { details: { status: 503, retryAfterMs: 30_000 } }))).toMatchObject({
      kind: 'retry',
      reason: 'upgrade:503',
      hintMs: 30_000,
    });
  });

  it('407 reported by the transport (details.status) is PROXY_AUTH', () => {
    const loss = classifySocketError(new ConnectionError('CONNECTION_FAILED', 'x', { details: { status: 407 } }));
    expect(loss).toMatchObject({ kind: 'fatal', reason: 'proxy-auth' });
    expect(loss.error.code).toBe('PROXY_AUTH');
  });

  it('a code that is not a string (a number, on a plain object or an Error) is a retried socket error, never a TLS one', () => {
    for (const err of [{ code: 35 }, Object.assign(new Error('connect failed'), { code: -111 })]) {
      const loss = classifySocketError(err);
      expect(loss.kind).toBe('retry');
      expect(loss.reason).toBe('error');
      expect(loss.error.code).toBe('CONNECTION_FAILED');
    }
  });

  it('says what the socket reported, with the original as the cause', () => {
    const refused = nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1');
    const loss = classifySocketError(refused);
    expect(loss.error.message).toBe('socket error: Error: connect ECONNREFUSED 127.0.0.1:1');
    expect(loss.error.cause).toBe(refused);
    expect(classifySocketError(null).error.message).toBe('socket error: non-error value thrown');
    expect(classifySocketError('reset by peer').error.message).toBe('socket error: reset by peer');
  });

  it('a refused upgrade names the status in its message and keeps no Retry-After it was not given', () => {
    const loss = classifySocketError(new Error('Unexpected server response: 503'));
    expect(loss.error.message).toBe('server refused the WebSocket upgrade with HTTP 503');
    expect('hintMs' in loss).toBe(false);
    const auth = classifySocketError({ statusCode: 401 });
    expect(auth).toMatchObject({ kind: 'auth', reason: 'upgrade:401' });
    expect(auth.error).toBeInstanceOf(AuthError);
    expect(auth.error.message).toBe('server refused the token at the WebSocket upgrade (HTTP 401)');
    expect(auth.error.details).toEqual({ status: 401 });
    const proxy = classifySocketError({ statusCode: 407 });
    expect(proxy.error.message).toBe('the proxy refused the credentials (407 Proxy Authentication Required)');
  });

  it('a library error without details is classified by its message: a plain retry, or the upgrade status ws reported', () => {
    const timeout = new ConnectionError('CONNECT_TIMEOUT', 'no answer');
    expect(classifySocketError(timeout)).toMatchObject({ kind: 'retry', reason: 'error' });
    const refused = new ConnectionError('CONNECTION_FAILED', 'Unexpected server response: 502');
    const loss = classifySocketError(refused);
    expect(loss).toStrictEqual({ kind: 'retry', reason: 'upgrade:502', error: refused });
  });

  it('a message only mentioning a status, or a status that is not a number, is not a refused upgrade', () => {
    for (const err of [new Error('proxy: Unexpected server response: 401'), new Error('Unexpected server response: 4010'), { statusCode: '401' }]) {
      const loss = classifySocketError(err);
      expect(loss).toMatchObject({ kind: 'retry', reason: 'error' });
      expect(loss.error.code).toBe('CONNECTION_FAILED');
    }
  });
});

describe('closeLoss', () => {
  const json = jsonProtocol();

  it('a policy close is a fatal FATAL_CLOSE naming the code; a 4401 an AUTH_REJECTED', () => {
    const fatal = closeLoss(json, 1008, 'policy');
    expect(fatal).toMatchObject({ kind: 'fatal', reason: 'close:1008' });
    expect(fatal.error).toBeInstanceOf(ConnectionError);
    expect(fatal.error?.code).toBe('FATAL_CLOSE');
    expect(fatal.error?.message).toBe('server closed with 1008');
    expect(fatal.error?.details).toEqual({ code: 1008 });
    const auth = closeLoss(json, 4401, 'expired');
    expect(auth).toMatchObject({ kind: 'auth', reason: 'close:4401' });
    expect(auth.error).toBeInstanceOf(AuthError);
    expect(auth.error?.code).toBe('AUTH_REJECTED');
    expect(auth.error?.message).toBe('server closed with 4401');
    expect(auth.error?.details).toEqual({ code: 4401 });
  });

  it('a retried close carries no error, and a hint only when the protocol reads one', () => {
    expect(closeLoss(json, 1006, '')).toStrictEqual({ kind: 'retry', reason: 'close:1006' });
    expect(closeLoss(json, 1013, 'retry-after=2500')).toStrictEqual({ kind: 'retry', reason: 'close:1013', hintMs: 2500 });
  });

  it("calls the protocol's own classification as a method, and the default table without one", () => {
    const own = {
      ...json,
      fatalCodes: new Set([4999]),
      closeKind(this: { fatalCodes: Set<number> }, code: number) {
        return this.fatalCodes.has(code) ? 'fatal' : 'retry';
      },
      hintFor: 700,
      retryAfterMs(this: { hintFor: number }) {
        return this.hintFor;
      },
    } as unknown as Protocol;
    expect(closeLoss(own, 4999, '')).toMatchObject({ kind: 'fatal', reason: 'close:4999', hintMs: 700 });
    const bare = { ...json, closeKind: undefined, retryAfterMs: undefined } as unknown as Protocol;
    expect(closeLoss(bare, 4403, '')).toMatchObject({ kind: 'auth', reason: 'close:4403' });
    expect('hintMs' in closeLoss(bare, 1013, 'retry-after=5')).toBe(false);
  });
});

describe('handshakeLoss', () => {
  it('a rejected token is an auth loss keeping the error', () => {
    const rejected = new AuthError('AUTH_REJECTED', 'bad token');
    expect(handshakeLoss(rejected)).toStrictEqual({ kind: 'auth', reason: 'auth-rejected', error: rejected });
  });

  it('any other library error is retried as it is; anything else becomes a CONNECTION_FAILED naming it', () => {
    const decode = new ProtocolError('DECODE_ERROR', 'bad frame');
    expect(handshakeLoss(decode)).toStrictEqual({ kind: 'retry', reason: 'handshake-failed', error: decode });
    const boom = new Error('boom');
    const loss = handshakeLoss(boom);
    expect(loss).toMatchObject({ kind: 'retry', reason: 'handshake-failed' });
    expect(loss.error).toBeInstanceOf(ConnectionError);
    expect(loss.error?.code).toBe('CONNECTION_FAILED');
    expect(loss.error?.message).toBe('handshake failed: Error: boom');
    expect(loss.error?.cause).toBe(boom);
  });
});
