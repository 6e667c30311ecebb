import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { prepareLane, requireChromium, typecheck } from './lane.js';

/**
 * A plain `ws` server speaking steadystream's JSON wire format, written here so the lane does
 * not trust our own test server: `generation` tags its data, and it accepts only `tokens`.
 */
class StreamServer {
  readonly wss: WebSocketServer;
  readonly seen: { op: string; token?: string; from?: number }[] = [];
  readonly sockets = new Set<WebSocket>();

  constructor(
    port: number,
    readonly generation: number,
    readonly tokens: ReadonlySet<string>,
    firstSeq: number,
  ) {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port });
    this.wss.on('connection', (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as { op: string; token?: string; topic?: string; from?: number; t?: number };
        this.seen.push({ op: m.op, ...(m.token === undefined ? {} : { token: m.token }), ...(m.from === undefined ? {} : { from: m.from }) });
        if (m.op === 'auth') {
          ws.send(JSON.stringify(this.tokens.has(m.token ?? '') ? { op: 'auth_ok' } : { op: 'auth_error', code: 'expired', message: 'token expired' }));
        } else if (m.op === 'ping') {
          ws.send(JSON.stringify({ op: 'pong', t: m.t }));
        } else if (m.op === 'subscribe') {
          // Resumes after `from` when asked, else starts at its own first sequence.
          let seq = m.from ?? firstSeq - 1;
          ws.send(JSON.stringify({ op: 'subscribed', topic: m.topic, seq }));
          for (let i = 0; i < 3; i++) ws.send(JSON.stringify({ op: 'data', topic: m.topic, seq: ++seq, data: { gen: generation, n: seq } }));
        }
      });
    });
  }

  async listening(): Promise<number> {
    if (!this.wss.address()) await once(this.wss, 'listening');
    return (this.wss.address() as AddressInfo).port;
  }

  /** Killed: every socket dropped without a closing handshake, the port released. */
  async kill(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

let http: Server;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let server: StreamServer;
let tokenCount = 0;

type Lane = {
  received: { seq: number | undefined; data: { gen: number; n: number } }[];
  states: string[];
  tokenFetches: number;
  state: string;
  close(): Promise<{ liveTimers: number; pendingTimers: number }>;
};
declare const lane: Lane;

const BOUND = { timeout: 15_000 };

beforeAll(async () => {
  const executablePath = requireChromium();
  const { bundle } = await prepareLane();
  http = createServer((req, res) => {
    if (req.url === '/token' && req.method === 'POST') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `tok-${++tokenCount}`, expiresInMs: 3_600_000 }));
    } else if (req.url === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else if (req.url?.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/bundle.js"></script>');
    } else res.writeHead(404).end();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  server = new StreamServer(0, 1, new Set(['tok-1']), 1);
  await server.listening();
  browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context = await browser.newContext();
  page = await context.newPage();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.kill();
  await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
});

describe('steadystream in Chromium, bundled from the packed package', () => {
  it('its declarations compile under lib ES2022 + DOM without @types/node, and under Node types without DOM', () => {
    expect(typecheck('types-browser')).toBe('');
    expect(typecheck('types-node')).toBe('');
  }, 180_000);

  it('connects with no WebSocket option, authenticates with a fetched token, subscribes and receives', async () => {
    const wsPort = await server.listening();
    const httpPort = (http.address() as AddressInfo).port;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${httpPort}/?ws=${encodeURIComponent(`ws://127.0.0.1:${wsPort}/`)}`);
    await page.waitForFunction(() => typeof lane !== 'undefined' && lane.received.length === 3, undefined, BOUND);
    expect(await page.evaluate(() => lane.received)).toEqual([1, 2, 3].map((n) => ({ seq: n, data: { gen: 1, n } })));
    expect(await page.evaluate(() => lane.state)).toBe('open');
    expect(server.seen).toEqual([{ op: 'auth', token: 'tok-1' }, { op: 'subscribe' }]);
    expect(errors).toEqual([]);
  });

  it('after the server is killed and restarted on the same port, refreshes its refused token, resubscribes and receives the new data', async () => {
    const port = await server.listening();
    await server.kill();
    await page.waitForFunction(() => lane.state !== 'open', undefined, BOUND);
    // The restarted server no longer accepts tok-1: the client must refresh over the reconnect.
    server = new StreamServer(port, 2, new Set(['tok-2']), 1);
    await server.listening();
    await page.waitForFunction(() => lane.received.length === 6, undefined, BOUND);
    expect(await page.evaluate(() => lane.received.slice(3))).toEqual([4, 5, 6].map((n) => ({ seq: n, data: { gen: 2, n } })));
    expect(server.seen.filter((m) => m.op !== 'ping')).toEqual([
      { op: 'auth', token: 'tok-1' },
      { op: 'auth', token: 'tok-2' },
      { op: 'subscribe', from: 3 },
    ]);
    expect(await page.evaluate(() => lane.tokenFetches)).toBe(2);
  });

  it('offline (the browser event) drops the socket at once; back online, the feed resumes where it stopped', async () => {
    await context.setOffline(true);
    await page.waitForFunction(() => lane.states.includes('reconnecting:offline'), undefined, BOUND);
    await context.setOffline(false);
    await page.waitForFunction(() => lane.received.length === 9, undefined, BOUND);
    expect(await page.evaluate(() => lane.received.slice(6))).toEqual([7, 8, 9].map((n) => ({ seq: n, data: { gen: 2, n } })));
    expect(server.seen.filter((m) => m.op === 'subscribe')).toEqual([
      { op: 'subscribe', from: 3 },
      { op: 'subscribe', from: 6 },
    ]);
    expect(await page.evaluate(() => lane.state)).toBe('open');
  });

  it('close() leaves no timer in the page', async () => {
    expect(await page.evaluate(() => lane.close())).toEqual({ liveTimers: 0, pendingTimers: 0 });
    expect(await page.evaluate(() => lane.state)).toBe('closed');
  });
});
