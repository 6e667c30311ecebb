import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { StreamClient, type StateChange } from '../../src/index.js';
import { until } from '../helpers/until.js';

// Raw servers on 127.0.0.1:0. A port nothing listens on refuses at once (server down): the
// client probes it under `downMaxDelayMs`. A server that answers the upgrade with HTTP 503 is
// up and over capacity: it keeps the full backoff, so a fleet does not hammer it.

const RECONNECT = { initialDelayMs: 400, maxDelayMs: 8_000, downMaxDelayMs: 200, factor: 2, jitter: 'decorrelated', quickRetryMs: 0 } as const;

let client: StreamClient | undefined;
let http: Server | undefined;

afterEach(async () => {
  await client?.close();
  client = undefined;
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  http = undefined;
});

async function listen(server: Server | WebSocketServer): Promise<number> {
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return (server.address() as AddressInfo).port;
}

async function delaysOf(url: string, count: number): Promise<StateChange[]> {
  const changes: StateChange[] = [];
  client = new StreamClient({ url, reconnect: RECONNECT, heartbeat: false });
  client.on('state', (c) => void (c.to === 'reconnecting' && changes.push(c)));
  void client.start().catch(() => {});
  await until(() => changes.length >= count, [[client, ['state']]], 10_000, `${count} scheduled retries`);
  return changes;
}

describe('a refusing host is probed under downMaxDelayMs; an answering one keeps the full backoff', () => {
  it('a server that is gone (connection refused): every retry after the drop waits 50–200 ms', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    const port = await listen(wss);
    const changes: StateChange[] = [];
    client = new StreamClient({ url: `ws://127.0.0.1:${port}/`, reconnect: RECONNECT, heartbeat: false });
    client.on('state', (c) => void (c.to === 'reconnecting' && changes.push(c)));
    await client.start();
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await until(() => changes.length >= 4, [[client, ['state']]], 10_000, 'four scheduled retries');
    // The first retry follows a drop (no refusal yet): the strategy's range [400, 1,200].
    expect(changes[0]!.reason).toBe('close:1006');
    expect(changes[0]!.delayMs).toBeGreaterThanOrEqual(400);
    for (const c of changes.slice(1, 4)) {
      expect(c.reason).toBe('error');
      expect(c.delayMs).toBeGreaterThanOrEqual(50);
      expect(c.delayMs).toBeLessThanOrEqual(200);
    }
  });

  it('a server that answers the upgrade with HTTP 503: every retry waits at least initialDelayMs (400 ms)', async () => {
    http = createServer((_req, res) => res.writeHead(503).end());
    http.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    http.listen(0, '127.0.0.1');
    const port = await listen(http);
    const changes = await delaysOf(`ws://127.0.0.1:${port}/`, 2);
    for (const c of changes.slice(0, 2)) {
      expect(c.reason).toBe('upgrade:503');
      expect(c.delayMs).toBeGreaterThanOrEqual(400);
    }
  });
});
