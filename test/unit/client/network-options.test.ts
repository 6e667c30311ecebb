import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StreamClientOptions } from '../../../src/client/options.js';
import { resolveOptions } from '../../../src/client/resolve.js';
import { isStreamClientError } from '../../../src/core/errors.js';
import { createMemoryNetwork } from '../../../src/testing/index.js';

const url = 'wss://feed.example/ws';

/** The exact INVALID_OPTIONS message `options` is refused with. */
function refusal(options: Partial<StreamClientOptions> & Record<string, unknown>): string {
  try {
    resolveOptions({ url, ...options } as StreamClientOptions);
  } catch (err) {
    expect(isStreamClientError(err, 'INVALID_OPTIONS')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

describe('headers, tls and agent options', () => {
  it('refuses header records that http would mangle or throw on, naming the header', () => {
    expect(refusal({ headers: { 'X-Count': 3 as unknown as string } })).toBe('headers.X-Count must be a string (got number)');
    expect(refusal({ headers: { 'X-Inject': 'a\r\nHost: evil' } })).toBe('headers.X-Inject must not contain CR, LF or NUL');
    expect(refusal({ headers: { 'Bad Name': 'v' } })).toBe('headers["Bad Name"] is not a valid header name');
    expect(refusal({ headers: ['Authorization', 'x'] as never })).toBe('headers must be an object of header names to strings');
  });

  it('refuses TLS settings a socket would ignore or reject', () => {
    expect(refusal({ tls: { caFile: '/etc/ca.pem' } as never })).toBe('tls.caFile is not a TLS option (one of ca, cert, key, servername, rejectUnauthorized)');
    expect(refusal({ tls: { cert: 'PEM' } })).toBe('tls.key must be given together with tls.cert');
    expect(refusal({ tls: { ca: 42 as never } })).toBe('tls.ca must be PEM text or bytes, or a non-empty array of them (got 42)');
    expect(refusal({ tls: { rejectUnauthorized: 'no' as never } })).toBe('tls.rejectUnauthorized must be a boolean (got string)');
    expect(refusal({ tls: { servername: '' } })).toBe('tls.servername must be a non-empty string (got string)');
    expect(refusal({ url: 'ws://feed.example/ws', tls: { ca: 'PEM' } })).toBe('tls applies to wss:// URLs only (url is ws://)');
  });

  it('refuses an agent that is not an http.Agent', () => {
    expect(refusal({ agent: {} })).toBe('agent.addRequest must be a function');
  });

  it('in a browser (no process.versions.node) refuses headers, tls and agent instead of dropping them', () => {
    vi.stubGlobal('process', undefined);
    let message: string;
    try {
      message = refusal({ headers: { Authorization: 'Bearer abcdefgh' } });
    } finally {
      vi.unstubAllGlobals();
    }
    expect(message).toBe('headers is not supported in browsers: the browser owns headers, TLS and proxies (carry the token in `url`)');
  });

  it('refuses them with a native WHATWG WebSocket, which takes no third argument', () => {
    class NativeWebSocket {}
    vi.stubGlobal('WebSocket', NativeWebSocket);
    expect(refusal({ tls: { rejectUnauthorized: true }, WebSocket: NativeWebSocket as never })).toBe(
      'tls needs the `ws` package: the native WebSocket takes no headers, TLS or agent',
    );
  });

  it('without them, and with no proxy in the environment, a connect builds no socket options', () => {
    expect(resolveOptions({ url, WebSocket: createMemoryNetwork().WebSocket }).socketInit).toBeUndefined();
  });

  it('a test double never loads the proxy modules, even with HTTPS_PROXY set: headers arrive synchronously', () => {
    vi.stubEnv('HTTPS_PROXY', 'http://127.0.0.1:3128');
    const o = resolveOptions({ url, WebSocket: createMemoryNetwork().WebSocket, headers: ({ token }) => ({ Authorization: `Bearer ${token}` }) });
    const added: (string | undefined)[] = [];
    const init = o.socketInit!(url, 'tok-123456', { add: (s) => added.push(s) });
    expect(init).toEqual({ headers: { Authorization: 'Bearer tok-123456' } });
    expect(added).toEqual(['Bearer tok-123456']);
  });
});
