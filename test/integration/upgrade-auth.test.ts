import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import type { StateChange, StreamClient, StreamClientError } from '../../src/index.js';
import { nextState, testClient } from '../helpers/client.js';

const servers: Server[] = [];
const clients: StreamClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  const closing = servers.splice(0);
  for (const s of closing) s.closeAllConnections();
  await Promise.all(closing.map((s) => new Promise((r) => s.close(r))));
});

/**
 * A server that checks the token carried in the URL at the HTTP upgrade: `status(token)` is the
 * HTTP answer (101 accepts; then it speaks jsonProtocol's handshake). Counts upgrade requests.
 */
async function upgradeGate(status: (token: string) => number, extraHeaders = '') {
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((_req, res) => res.writeHead(404).end());
  servers.push(server);
  const seen: string[] = [];
  server.on('upgrade', (req, socket, head) => {
    const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? '';
    seen.push(token);
    const code = status(token);
    if (code !== 101) {
      socket.end(`HTTP/1.1 ${code} Refused\r\n${extraHeaders}Connection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (raw) => {
        if ((JSON.parse(String(raw)) as { op: string }).op === 'auth') ws.send('{"op":"auth_ok"}');
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/feed`, seen };
}

describe('HTTP 401/403 at the WebSocket upgrade is a token rejection', () => {
  it('a revoked token answered with 401 is invalidated, refreshed once, and the client opens with the new one', async () => {
    const gate = await upgradeGate((t) => (t === 'revoked-token-1' ? 401 : 101));
    const tokens = ['revoked-token-1', 'fresh-token-2'];
    const fetchToken = vi.fn(async () => ({ token: tokens.shift() ?? 'extra-token-3', expiresInMs: 3_600_000 }));
    const client = testClient(gate.url, { url: ({ token }) => `${gate.url}?token=${token}`, auth: { fetchToken } });
    clients.push(client);
    const states: StateChange[] = [];
    client.on('state', (s) => states.push(s));
    const open = nextState(client, 'open', { timeoutMs: 3_000 });
    void client.start();
    await open;
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(gate.seen).toEqual(['revoked-token-1', 'fresh-token-2']);
    expect(client.metrics()).toMatchObject({ authRejections: 1, connectAttempts: 2, connectFailures: 1, connects: 1 });
    expect(states.filter((s) => s.to === 'reconnecting').map((s) => s.reason)).toEqual(['upgrade:401']);
  });

  it('a server that answers 403 to every token ends in failed with AUTH_REJECTED after one refresh (no hot loop)', async () => {
    const gate = await upgradeGate(() => 403);
    let n = 0;
    const fetchToken = vi.fn(async () => ({ token: `token-${++n}-abcdef`, expiresInMs: 3_600_000 }));
    const client = testClient(gate.url, { url: ({ token }) => `${gate.url}?token=${token}`, auth: { fetchToken } });
    clients.push(client);
    const errors: StreamClientError[] = [];
    client.on('error', (e) => errors.push(e));
    const err = (await client.start().catch((e: unknown) => e)) as StreamClientError;
    expect(client.state).toBe('failed');
    expect(err.code).toBe('AUTH_REJECTED');
    expect(err.details).toEqual({ status: 403 });
    expect(errors.map((e) => e.code)).toEqual(['AUTH_REJECTED']);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(gate.seen).toHaveLength(2);
    expect(client.metrics()).toMatchObject({ authRejections: 2, connectAttempts: 2, connects: 0 });
  });

  it('another refused upgrade (503) stays a plain retry with its status, the token kept', async () => {
    let refusals = 1;
    const gate = await upgradeGate(() => (refusals-- > 0 ? 503 : 101));
    const fetchToken = vi.fn(async () => ({ token: 'steady-token-1', expiresInMs: 3_600_000 }));
    const client = testClient(gate.url, { url: ({ token }) => `${gate.url}?token=${token}`, auth: { fetchToken } });
    clients.push(client);
    const states: StateChange[] = [];
    client.on('state', (s) => states.push(s));
    await client.start();
    expect(fetchToken).toHaveBeenCalledTimes(1);
    expect(client.metrics()).toMatchObject({ authRejections: 0, connectAttempts: 2, connects: 1 });
    expect(states.filter((s) => s.to === 'reconnecting').map((s) => s.reason)).toEqual(['upgrade:503']);
  });

  it('a 503 with Retry-After: 30 waits the hint (jittered, never shorter) instead of the 20 ms backoff', async () => {
    const gate = await upgradeGate(() => 503, 'Retry-After: 30\r\n');
    const client = testClient(gate.url);
    clients.push(client);
    const reconnecting = nextState(client, 'reconnecting', { timeoutMs: 3_000 });
    void client.start().catch(() => {});
    const change = await reconnecting;
    expect(change).toMatchObject({ reason: 'upgrade:503', hintMs: 30_000 });
    // random() is 0.5 in testClient: the hinted delay is drawn in [hint, 1.2 * hint).
    expect(change.delayMs).toBe(33_000);
    expect(gate.seen).toHaveLength(1);
  });
});
