/** The test server's transport: an HTTP listener on 127.0.0.1 that answers plain requests with 426, tracks every TCP socket, and turns upgrades into `ws` sockets. */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';

/** The only address the test server ever listens on. */
export const HOST = '127.0.0.1';

/** An upgrade request, before the test server decides to accept it. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Listen on `HOST:port` (0: a free port); resolves once listening. */
export async function listen(port: number): Promise<Listener> {
  const http = createServer(answerPlainHttp);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, HOST, () => {
      http.off('error', reject);
      resolve();
    });
  });
  return new Listener(http, port);
}

/** A plain HTTP request (no upgrade) gets 426. */
function answerPlainHttp(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('WebSocket upgrade required');
}

/** A listening HTTP server and the `ws` server its accepted upgrades go to. */
export class Listener {
  /** The port it listens on. */
  readonly port: number;
  readonly #http: Server;
  readonly #wss = new WebSocketServer({ noServer: true, autoPong: false, clientTracking: false });
  /** Every TCP socket, upgraded or not, so `close()` can destroy them all. */
  readonly #sockets = new Set<Socket>();

  constructor(http: Server, port: number) {
    this.#http = http;
    const address = http.address();
    this.port = typeof address === 'object' && address !== null ? address.port : port;
    http.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** Route every upgrade request to `handler` (once, before any client connects). */
  onUpgrade(handler: UpgradeHandler): void {
    this.#http.on('upgrade', handler);
  }

  /**
   * Complete an accepted upgrade: `adopt` gets the open `ws` socket. Generic so that the
   * published `testing.d.ts` names no `ws` type (consumers need not install `@types/ws`).
   */
  upgrade<W>(req: IncomingMessage, socket: Duplex, head: Buffer, adopt: (ws: W) => void): void {
    this.#wss.handleUpgrade(req, socket, head, adopt as unknown as (ws: WebSocket) => void);
  }

  /** Destroy every TCP socket still open. */
  destroySockets(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Stop listening; resolves once the listening handle is closed. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
    // 'close' comes before libuv has closed the listening handle; it goes in the next
    // close-callbacks phase, which two immediates are sure to be past.
    for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
