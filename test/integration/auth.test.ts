import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError, type StreamClient, type StreamClientError } from '../../src/index.js';
import { createTestServer, type TestServer } from '../../src/testing/index.js';
import { waitFor } from '../../src/testing/wait-for.js';
import { barrier } from '../helpers/barrier.js';
import { captureLogger, nextState, testClient } from '../helpers/client.js';

let server: TestServer | undefined;
const clients: StreamClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
});

const GOOD = 'good-token-0123456789';
const OLD = 'old-token-9876543210';

async function subscribed(s: TestServer, topic: string, timeoutMs = 3_000): Promise<void> {
  if ((s.subscriptions().get(topic) ?? 0) > 0) return;
  await waitFor(s, 'subscribe', { timeoutMs, filter: () => (s.subscriptions().get(topic) ?? 0) > 0 });
}

describe('token lifecycle against the real test server', () => {
  it('an expired token (close 4401) causes one refresh, a reconnect, and restored subscriptions', async () => {
    server = await createTestServer({ auth: { validate: (t) => (t === GOOD ? 'ok' : 'expired') }, authRejectMode: 'close' });
    const tokens = [OLD, GOOD];
    const fetchToken = vi.fn(async () => ({ token: tokens.shift() ?? GOOD, expiresInMs: 3_600_000 }));
    const client = testClient(server.url, { auth: { fetchToken } });
    clients.push(client);
    const data: unknown[] = [];
    client.subscribe('A', (d) => data.push(d));
    const sync = barrier(client, server);
    const open = nextState(client, 'open', { timeoutMs: 3_000 });
    void client.start();
    await open;
    await subscribed(server, 'A');
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(client.metrics().authRejections).toBe(1);
    expect(server.subscriptions().get('A')).toBe(1);
    await sync.ready();
    server.publish('A', 1);
    await sync.flush();
    expect(data).toEqual([1]);
  });

  it('a token the server keeps rejecting is fatal on the second rejection (no hot loop)', async () => {
    server = await createTestServer({ auth: { validate: () => 'invalid' }, authRejectMode: 'close' });
    const fetchToken = vi.fn(async () => ({ token: OLD, expiresInMs: 3_600_000 }));
    const client = testClient(server.url, { auth: { fetchToken } });
    clients.push(client);
    const errors: StreamClientError[] = [];
    client.on('error', (e) => errors.push(e));
    const failure = await client.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    // What the user sees: the server's verdict (close 4403, "invalid"), not a generic auth failure.
    expect(failure).toBeInstanceOf(AuthError);
    expect(failure).toMatchObject({ code: 'AUTH_REJECTED', message: 'server closed with 4403' });
    expect(client.state).toBe('failed');
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(server.connectionAttempts).toBe(2);
    expect(errors.map((e) => [e.code, e.message])).toEqual([['AUTH_REJECTED', 'server closed with 4403']]);
    expect(errors[0]).toBe(failure);
  });

  it('in-band re-auth sends the new token on the open socket without reconnecting', async () => {
    server = await createTestServer({ auth: { validate: (t) => (t.startsWith('tok-') ? 'ok' : 'invalid') } });
    let n = 0;
    const fetchToken = vi.fn(async () => ({ token: `tok-${++n}-abcdefgh`, expiresInMs: 1_200 }));
    const client = testClient(server.url, { auth: { fetchToken, refreshBeforeMs: 600 } });
    clients.push(client);
    client.subscribe('A', () => {});
    await client.start();
    const reauthed = waitFor(server, 'auth', { timeoutMs: 3_000, filter: (e: { token?: string }) => e.token === 'tok-2-abcdefgh' });
    await reauthed;
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(server.connectionAttempts).toBe(1);
    expect(client.state).toBe('open');
  });

  it('a token service that fails 3 times then recovers connects without user action', async () => {
    server = await createTestServer({ auth: { validate: (t) => (t === GOOD ? 'ok' : 'invalid') } });
    let calls = 0;
    const fetchToken = vi.fn(async () => {
      if (++calls <= 3) throw Object.assign(new Error('token service unavailable'), { status: 503 });
      return { token: GOOD, expiresInMs: 3_600_000 };
    });
    const client = testClient(server.url, { auth: { fetchToken, retry: { initialDelayMs: 5, maxDelayMs: 20 } } });
    clients.push(client);
    await client.start();
    expect(client.state).toBe('open');
    expect(fetchToken).toHaveBeenCalledTimes(4);
    expect(client.metrics().tokenRefreshFailures).toBe(3);
  });

  it('never writes the token into a log record, an event or an error', async () => {
    server = await createTestServer({ auth: { validate: (t) => (t === GOOD ? 'ok' : 'expired') }, authRejectMode: 'frame' });
    const tokens = [OLD, GOOD];
    const { logger, lines, events } = captureLogger();
    const fetchToken = async () => {
      const token = tokens.shift() ?? GOOD;
      return { token, expiresInMs: 3_600_000 };
    };
    const client = testClient(server.url, { logger, auth: { fetchToken } });
    clients.push(client);
    const seen: string[] = [];
    client.on('state', (e) => seen.push(JSON.stringify(e)));
    client.on('error', (e) => seen.push(`${e.message} ${JSON.stringify(e.details ?? {})}`));
    client.on('token', (e) => seen.push(JSON.stringify(e)));
    await client.start();
    server.sendRaw(`{"op":"bogus","echo":"${GOOD}"}`);
    await waitFor(client as never, 'error', { timeoutMs: 1_000 });
    expect(events()).toContain('auth.refresh.ok');
    expect(events()).toContain('auth.rejected');
    const everything = [...lines, ...seen].join('\n');
    expect(everything).not.toContain(GOOD);
    expect(everything).not.toContain(OLD);
  });
});
