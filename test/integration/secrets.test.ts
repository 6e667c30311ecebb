import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { StreamClient, StreamClientError } from '../../src/index.js';
import { waitFor } from '../../src/testing/wait-for.js';
import { captureLogger, testClient } from '../helpers/client.js';
import { reachableText } from '../helpers/secrets.js';

const REDACTED = '[redacted]';
const servers: WebSocketServer[] = [];
const clients: StreamClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A hostile server: accepts any token, then echoes it back as an op name (or in a malformed frame). */
async function echoingServer(echo: (token: string) => string = (token) => JSON.stringify({ op: token })): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await once(wss, 'listening');
  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { op: string; token?: string };
      if (m.op !== 'auth') return;
      ws.send(JSON.stringify({ op: 'auth_ok' }));
      ws.send(echo(m.token ?? ''));
    });
  });
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

function observed(client: StreamClient) {
  const errors: StreamClientError[] = [];
  const events: unknown[] = [];
  client.on('error', (e) => errors.push(e));
  client.on('state', (e) => events.push(e));
  client.on('token', (e) => events.push(e));
  return { errors, events };
}

describe('secrets never leave the library', () => {
  for (const token of ['q7z', 'tok-0123456789abcdef']) {
    it(`a server echoing the token (${token.length} chars) as an op name: the DECODE_ERROR, its logs, health and metrics hold no token`, async () => {
      const url = await echoingServer();
      const { logger, lines } = captureLogger();
      const client = testClient(url, { logger, auth: { fetchToken: async () => ({ token, expiresInMs: 3_600_000 }) } });
      clients.push(client);
      const { errors, events } = observed(client);
      const decoded = waitFor(client as never, 'error', { timeoutMs: 3_000 });
      await client.start();
      await decoded;
      expect(errors.map((e) => e.code)).toEqual(['DECODE_ERROR']);
      expect(errors[0]!.message).toBe(`unknown or malformed frame (op: "${REDACTED}")`);
      expect(client.metrics().decodeErrors).toBe(1);
      const everything = [...reachableText(errors), ...reachableText(events), ...lines, JSON.stringify(client.health()), JSON.stringify(client.metrics())];
      expect(everything.filter((t) => t.includes(token))).toEqual([]);
      expect(lines.some((l) => l.includes('decode.error') && l.includes(REDACTED))).toBe(true);
    });
  }

  it('a malformed frame echoing the token: the parser quoting the frame (which cuts the token short) is not reported', async () => {
    const token = 'tok-abcdefghijklmnopqrstuvwxyz0123456789';
    const url = await echoingServer((t) => `{"op":${t}}`);
    const { logger, lines } = captureLogger();
    const client = testClient(url, { logger, auth: { fetchToken: async () => ({ token, expiresInMs: 3_600_000 }) } });
    clients.push(client);
    const { errors } = observed(client);
    const decoded = waitFor(client as never, 'error', { timeoutMs: 3_000 });
    await client.start();
    await decoded;
    expect(errors.map((e) => [e.code, e.message])).toEqual([['DECODE_ERROR', 'cannot decode frame: SyntaxError']]);
    const prefix = token.slice(0, 8);
    expect([...reachableText(errors), ...lines].filter((t) => t.includes(prefix))).toEqual([]);
  });

  it('a URL the socket refuses: the rejection, the error event, their causes and the logs carry the URL with the token redacted', async () => {
    const token = 'Zx9';
    const { logger, lines } = captureLogger();
    const client = testClient('ws://unused', {
      logger,
      url: ({ token: t }) => `ws://exa mple/feed?token=${t}`,
      auth: { fetchToken: async () => ({ token, expiresInMs: 3_600_000 }) },
    });
    clients.push(client);
    const { errors, events } = observed(client);
    const rejection = await client.start().then(
      () => undefined,
      (e: unknown) => e as StreamClientError,
    );
    expect(client.state).toBe('failed');
    expect(rejection?.code).toBe('CONNECTION_FAILED');
    expect(rejection?.message).toBe(`cannot open socket: SyntaxError: Invalid URL: ws://exa mple/feed?token=${REDACTED}`);
    const cause = rejection?.cause as Error;
    expect(cause.name).toBe('SyntaxError');
    expect(cause.message).toBe(`Invalid URL: ws://exa mple/feed?token=${REDACTED}`);
    expect(errors).toEqual([rejection]);
    const everything = [...reachableText(rejection), ...reachableText(errors), ...reachableText(events), ...lines, JSON.stringify(client.health())];
    expect(everything.filter((t) => t.includes(token))).toEqual([]);
  });

  it('a URL with credentials and an API key in its query is reported with both redacted', async () => {
    const client = testClient('ws://user:pa55w0rd@exa mple/feed?apikey=K3Y-1&topic=x');
    clients.push(client);
    const err = (await client.start().catch((e: unknown) => e)) as StreamClientError;
    expect(err.message).toBe(`cannot open socket: SyntaxError: Invalid URL: ws://${REDACTED}@exa mple/feed?apikey=${REDACTED}&topic=${REDACTED}`);
    const text = reachableText(err).join('\n');
    expect(text).not.toContain('pa55w0rd');
    expect(text).not.toContain('K3Y-1');
  });
});
