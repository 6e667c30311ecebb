import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { WebSocketServer } from 'ws';
import type { Protocol } from '../../src/index.js';
import type { Pem } from './tls-certs.js';

/** A protocol with no handshake: the socket's open is the session's open. */
export function plainProtocol(): Protocol {
  return { name: 'plain', decode: () => [], subscribe: () => undefined, unsubscribe: () => undefined };
}

/** A WebSocket server on 127.0.0.1 that records each upgrade request; TLS when given a certificate. */
export interface UpgradeServer {
  readonly url: string;
  readonly port: number;
  readonly upgrades: IncomingMessage[];
  readonly wss: WebSocketServer;
  close(): Promise<void>;
}

export async function upgradeServer(tls?: { pem: Pem; clientCa?: string }): Promise<UpgradeServer> {
  const upgrades: IncomingMessage[] = [];
  const server: HttpServer | HttpsServer = tls
    ? createHttpsServer({ cert: tls.pem.cert, key: tls.pem.key, ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) })
    : createHttpServer();
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    upgrades.push(req);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  // A refused TLS handshake must not crash the server side of the test.
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    port,
    upgrades,
    wss,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A real HTTP CONNECT proxy (node:http), optionally with Basic auth; counts CONNECTs and what it answered. */
export interface ConnectProxy {
  readonly url: string;
  readonly port: number;
  readonly connects: { target: string; status: number }[];
  close(): Promise<void>;
}

export async function connectProxy(auth?: { user: string; password: string }): Promise<ConnectProxy> {
  const connects: { target: string; status: number }[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    const target = req.url ?? '';
    const expected = auth ? `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` : undefined;
    if (expected !== undefined && req.headers['proxy-authorization'] !== expected) {
      connects.push({ target, status: 407 });
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    connects.push({ target, status: 200 });
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const upstream = netConnect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Everything a user can observe, as text: log lines, events, errors with every `cause` and hidden property. */
export function observed(lines: readonly string[], events: readonly unknown[]): string {
  return [...lines, ...events.map((e) => inspect(e, { depth: 12, showHidden: true, breakLength: Infinity }))].join('\n');
}
