import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStreamClientError, type StateChange, type StreamClient, type StreamClientError } from '../../src/index.js';
import { captureLogger, nextState, testClient } from '../helpers/client.js';
import { connectProxy, observed, plainProtocol, upgradeServer, type ConnectProxy, type UpgradeServer } from '../helpers/network-servers.js';
import { makeTestPki, type TestPki } from '../helpers/tls-certs.js';

const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'];

let pki: TestPki;
let server: UpgradeServer | undefined;
let proxy: ConnectProxy | undefined;
const clients: StreamClient[] = [];

beforeAll(async () => {
  pki = await makeTestPki();
});
beforeEach(() => {
  // Whatever the machine running the tests has set, each test names its own proxy.
  for (const v of PROXY_VARS) vi.stubEnv(v, '');
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
  await proxy?.close();
  server = proxy = undefined;
  vi.unstubAllEnvs();
});

function track(client: StreamClient): { states: StateChange[]; errors: StreamClientError[] } {
  clients.push(client);
  const states: StateChange[] = [];
  const errors: StreamClientError[] = [];
  client.on('state', (s) => states.push(s));
  client.on('error', (e) => errors.push(e));
  return { states, errors };
}

/** A 127.0.0.1 port with nothing listening. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('proxies from the environment (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, any case)', () => {
  it('goes through HTTP_PROXY for a ws:// URL: one CONNECT to the target', async () => {
    server = await upgradeServer();
    proxy = await connectProxy();
    vi.stubEnv('HTTP_PROXY', proxy.url);
    const client = testClient(server.url, { protocol: plainProtocol() });
    track(client);
    await client.start();
    expect(proxy.connects).toEqual([{ target: `127.0.0.1:${server.port}`, status: 200 }]);
    expect(server.upgrades).toHaveLength(1);
  });

  it('honours lower-case https_proxy for a wss:// URL, TLS to the target inside the tunnel', async () => {
    server = await upgradeServer({ pem: pki.good });
    proxy = await connectProxy();
    vi.stubEnv('https_proxy', proxy.url);
    const client = testClient(server.url, { protocol: plainProtocol(), tls: { ca: pki.ca.cert } });
    track(client);
    await client.start();
    expect(proxy.connects).toEqual([{ target: `127.0.0.1:${server.port}`, status: 200 }]);
    expect(server.upgrades).toHaveLength(1);
  });

  it('sends Basic credentials from the proxy URL and connects', async () => {
    server = await upgradeServer();
    proxy = await connectProxy({ user: 'alice', password: 'pr0xy-s3cret-pw' });
    vi.stubEnv('HTTP_PROXY', `http://alice:pr0xy-s3cret-pw@127.0.0.1:${proxy.port}`);
    const client = testClient(server.url, { protocol: plainProtocol() });
    track(client);
    await client.start();
    expect(proxy.connects).toEqual([{ target: `127.0.0.1:${server.port}`, status: 200 }]);
  });

  it('a 407 from the proxy is a fatal PROXY_AUTH after one attempt; the password appears nowhere', async () => {
    server = await upgradeServer();
    proxy = await connectProxy({ user: 'alice', password: 'the-right-password' });
    const password = 'wr0ng-pr0xy-pw';
    vi.stubEnv('HTTP_PROXY', `http://alice:${password}@127.0.0.1:${proxy.port}`);
    const cap = captureLogger();
    const client = testClient(server.url, { protocol: plainProtocol(), logger: cap.logger });
    const seen = track(client);
    const err = await client.start().catch((e: unknown) => e);
    expect(isStreamClientError(err, 'PROXY_AUTH')).toBe(true);
    expect((err as StreamClientError).details).toEqual({ status: 407 });
    expect(seen.states.map((s) => s.to)).toEqual(['connecting', 'failed']);
    expect(seen.states[1]!.reason).toBe('proxy-auth');
    expect(seen.errors.map((e) => e.code)).toEqual(['PROXY_AUTH']);
    expect(proxy.connects).toEqual([{ target: `127.0.0.1:${server.port}`, status: 407 }]);
    expect(server.upgrades).toHaveLength(0);
    const text = observed(cap.lines, [err, ...seen.states, ...seen.errors]);
    expect(text).toContain('PROXY_AUTH');
    expect(text).not.toContain(password);
    expect(text).not.toContain(Buffer.from(`alice:${password}`).toString('base64'));
  });

  it('NO_PROXY excluding the target connects directly', async () => {
    server = await upgradeServer();
    proxy = await connectProxy();
    vi.stubEnv('HTTP_PROXY', proxy.url);
    vi.stubEnv('no_proxy', 'example.com,127.0.0.1');
    const client = testClient(server.url, { protocol: plainProtocol() });
    track(client);
    await client.start();
    expect(proxy.connects).toEqual([]);
    expect(server.upgrades).toHaveLength(1);
  });

  it('a proxy that is down follows the reconnect policy: CONNECTION_FAILED, retried, then MAX_ATTEMPTS', async () => {
    server = await upgradeServer();
    vi.stubEnv('HTTP_PROXY', `http://127.0.0.1:${await deadPort()}`);
    const client = testClient(server.url, { protocol: plainProtocol(), reconnect: { initialDelayMs: 20, maxDelayMs: 200, jitter: 'equal', maxAttempts: 2 } });
    const seen = track(client);
    const err = await client.start().catch((e: unknown) => e);
    expect(isStreamClientError(err, 'MAX_ATTEMPTS')).toBe(true);
    expect(isStreamClientError((err as Error).cause, 'CONNECTION_FAILED')).toBe(true);
    expect(seen.states.map((s) => s.to)).toEqual(['connecting', 'reconnecting', 'connecting', 'reconnecting', 'connecting', 'failed']);
    expect(client.metrics().connectAttempts).toBe(3);
    expect(server.upgrades).toHaveLength(0);
  });

  it('a proxy that refuses CONNECT (502) is retried like any failed connect', async () => {
    server = await upgradeServer();
    // A gateway that cannot reach the target answers CONNECT with 502.
    const gateway = createHttpServer();
    const gatewayConnects: string[] = [];
    gateway.on('connect', (req, socket) => {
      gatewayConnects.push(req.url ?? '');
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    try {
      vi.stubEnv('HTTP_PROXY', `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`);
      const client = testClient(server.url, { protocol: plainProtocol() });
      const seen = track(client);
      void client.start().catch(() => {});
      const plan = await nextState(client, 'reconnecting');
      expect(plan).toMatchObject({ from: 'connecting', reason: 'upgrade:502', attempt: 1 });
      expect(seen.errors).toEqual([]);
      expect(gatewayConnects).toEqual([`127.0.0.1:${server.port}`]);
      await nextState(client, 'reconnecting', { filter: (s) => s.attempt === 2 });
      expect(gatewayConnects).toHaveLength(2);
      await client.close();
    } finally {
      gateway.closeAllConnections();
      await new Promise<void>((r) => gateway.close(() => r()));
    }
  });

  it('a malformed proxy URL fails the connect with INVALID_OPTIONS that does not echo it (it may hold a password)', async () => {
    server = await upgradeServer();
    vi.stubEnv('HTTP_PROXY', 'http://alice:malformed-pw-77@[127.0.0.1');
    const cap = captureLogger();
    const client = testClient(server.url, { protocol: plainProtocol(), logger: cap.logger });
    const seen = track(client);
    const err = await client.start().catch((e: unknown) => e);
    expect(isStreamClientError(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toBe('the proxy named by HTTPS_PROXY/HTTP_PROXY/ALL_PROXY is not a valid URL');
    expect(seen.states.map((s) => s.to)).toEqual(['connecting', 'failed']);
    expect(observed(cap.lines, [err, ...seen.states, ...seen.errors])).not.toContain('malformed-pw-77');
  });

  it('agent: false connects directly although HTTP_PROXY is set; a given agent is used as is', async () => {
    server = await upgradeServer();
    proxy = await connectProxy();
    vi.stubEnv('HTTP_PROXY', `http://127.0.0.1:${await deadPort()}`);
    const direct = testClient(server.url, { protocol: plainProtocol(), agent: false });
    track(direct);
    await direct.start();
    const viaAgent = testClient(server.url, { protocol: plainProtocol(), agent: new HttpsProxyAgent(proxy.url) });
    track(viaAgent);
    await viaAgent.start();
    expect(proxy.connects).toEqual([{ target: `127.0.0.1:${server.port}`, status: 200 }]);
    expect(server.upgrades).toHaveLength(2);
  });
});

describe('headers from the current token', () => {
  it('a refreshed token changes the Authorization header on the next connect; no log line shows either', async () => {
    server = await upgradeServer();
    const tokens = ['token-one-aaaaaaaa', 'token-two-bbbbbbbb'];
    let fetches = 0;
    const cap = captureLogger();
    const client = testClient(server.url, {
      protocol: plainProtocol(),
      logger: cap.logger,
      auth: { fetchToken: async () => ({ token: tokens[fetches++]!, expiresAt: Date.now() + 3_600_000 }) },
      headers: ({ token }) => ({ Authorization: `Bearer ${token}` }),
    });
    const seen = track(client);
    await client.start();
    // The server refuses the first token (4401): the client refreshes and reconnects.
    const reopened = nextState(client, 'open');
    for (const ws of server.wss.clients) ws.close(4401, 'token expired');
    await reopened;
    expect(server.upgrades.map((r) => r.headers.authorization)).toEqual(['Bearer token-one-aaaaaaaa', 'Bearer token-two-bbbbbbbb']);
    expect(fetches).toBe(2);
    const text = observed(cap.lines, [...seen.states, ...seen.errors]);
    for (const t of tokens) expect(text).not.toContain(t);
  });

  it('a headers() result that is not a header record fails the connect with INVALID_OPTIONS naming it', async () => {
    server = await upgradeServer();
    const client = testClient(server.url, { protocol: plainProtocol(), headers: () => ({ 'X-Count': 3 as unknown as string }) });
    track(client);
    const err = await client.start().catch((e: unknown) => e);
    expect(isStreamClientError(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toBe('headers().X-Count must be a string (got number)');
    expect(server.upgrades).toHaveLength(0);
  });
});
