/**
 * Recovery over real sockets (issue 16): each library with its DEFAULT options against its own
 * server on 127.0.0.1. The server is killed (every TCP connection destroyed, the listener
 * closed: what a crashed process looks like from the client) and listens again on the same
 * port, either at once ("restart") or after an outage. Measured: time from the new server's
 * `listening` until the client has received data again (the server sends one message per
 * (re)connection or (re)subscription). All libraries run their cycles concurrently, each
 * against its own server, so the section takes as long as the slowest library.
 *
 * Between cycles the connection stays up for `uptimeMs`, longer than any peer's "healthy
 * connection" window (reconnecting-websocket and partysocket reset their retry count after
 * 5 s of uptime), so every cycle is "a blip after a healthy connection".
 *
 * centrifuge is not measured here: it needs a Centrifugo-protocol server, and no runnable one
 * (the Go server) exists on this machine offline. Its backoff formula is in the simulation.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import RWS from 'reconnecting-websocket';
import PartySocketWs from 'partysocket/ws';
import { createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { buildSchema } from 'graphql';
import { Server as IoServer } from 'socket.io';
import { io as ioClient } from 'socket.io-client';
import type { Ours } from './ours.js';
import { sleep } from './util.js';

/** How long a library's close (and its server's) may take before the run moves on. */
const CLOSE_BOUND_MS = 5_000;

/** A wait that keeps the process alive (util's `sleep` is unref'd: it would let the loop empty). */
const held = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One library's server, as a process that can be killed and started again on its port. */
interface LibServer {
  /** Destroy every connection and stop listening (a crash, not a graceful shutdown). */
  kill(): Promise<void>;
}

interface RealKind {
  id: string;
  label: string;
  /** Its delay is drawn once per process: every sample of one run shares that draw, so a run is one sample across runs. */
  drawsPerProcess?: boolean;
  /** Listen on `port` (0: any); resolves when listening. */
  serve(port: number): Promise<{ server: LibServer; port: number }>;
  /** Connect with the library's defaults; `onData` on every message from the server, `onGiveUp` when the library stops retrying. */
  connect(port: number, onData: () => void, onGiveUp: () => void): { close(): Promise<void> | void };
}

/** An http server whose raw sockets are tracked, so kill() can destroy them. */
function httpWithKill(): { http: Server; kill: (extra?: () => void) => Promise<void> } {
  const http = createServer();
  const sockets = new Set<Socket>();
  http.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const kill = (extra?: () => void) =>
    new Promise<void>((resolve) => {
      extra?.();
      for (const s of sockets) s.destroy();
      sockets.clear();
      http.close(() => resolve());
      http.closeAllConnections();
    });
  return { http, kill };
}

function listen(http: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => {
      http.off('error', reject);
      const a = http.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

/** A stream that outlives its server processes: seq keeps growing across restarts. */
let seq = 0;

/** Plain `ws` server that sends one message on every connection (for the socket-level peers). */
async function serveHello(port: number): Promise<{ server: LibServer; port: number }> {
  const { http, kill } = httpWithKill();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.send(JSON.stringify({ hello: ++seq }));
  });
  const p = await listen(http, port);
  return { port: p, server: { kill: () => kill(() => wss.close()) } };
}

/** jsonProtocol server: acks each subscribe and sends one data frame for it; answers pings. */
async function serveJson(port: number): Promise<{ server: LibServer; port: number }> {
  const { http, kill } = httpWithKill();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (raw) => {
      let m: { op?: string; topic?: string; t?: unknown };
      try {
        m = JSON.parse(String(raw));
      } catch {
        return;
      }
      if (m.op === 'ping') return ws.send(JSON.stringify({ op: 'pong', t: m.t }));
      if (m.op !== 'subscribe' || typeof m.topic !== 'string') return;
      ws.send(JSON.stringify({ op: 'subscribed', topic: m.topic }));
      ws.send(JSON.stringify({ op: 'data', topic: m.topic, seq: ++seq, data: { price: 100 } }));
    });
  });
  const p = await listen(http, port);
  return { port: p, server: { kill: () => kill(() => wss.close()) } };
}

const schema = buildSchema('type Query { ok: Boolean } type Subscription { tick: Int }');

/** graphql-ws's own server (`useServer`): a subscription that yields once, then waits for the end. */
async function serveGql(port: number): Promise<{ server: LibServer; port: number }> {
  const { http, kill } = httpWithKill();
  const wss = new WebSocketServer({ server: http });
  const ends = new Set<() => void>();
  const tick = async function* () {
    yield { tick: ++seq };
    await new Promise<void>((resolve) => ends.add(resolve));
  };
  useServer({ schema, roots: { subscription: { tick } } }, wss);
  const p = await listen(http, port);
  return {
    port: p,
    server: {
      // The pending generators end only after the sockets closed: ended earlier, graphql-ws would write `complete` to a destroyed socket.
      kill: async () => {
        await kill(() => wss.close());
        await sleep(50);
        for (const end of ends) end();
        ends.clear();
      },
    },
  };
}

/** socket.io server: emits one `tick` per connection. */
async function serveIo(port: number): Promise<{ server: LibServer; port: number }> {
  const { http, kill } = httpWithKill();
  const io = new IoServer(http);
  io.on('connection', (socket) => socket.emit('tick', ++seq));
  const p = await listen(http, port);
  return { port: p, server: { kill: () => kill(() => io.engine.close()) } };
}

interface EtSocket {
  close(code?: number): void;
  addEventListener(t: string, f: () => void): void;
}

export function realKinds(ours: Ours): RealKind[] {
  return [
    {
      id: 'steadystream',
      label: 'steadystream (defaults, one subscription)',
      serve: serveJson,
      connect: (port, onData) => {
        const client = new ours.StreamClient({ url: `ws://127.0.0.1:${port}/` });
        client.on('error', () => {});
        client.subscribe('SYM', () => onData());
        void client.start().catch(() => {});
        return { close: () => client.close() };
      },
    },
    {
      id: 'reconnecting-websocket',
      label: 'reconnecting-websocket 4.4',
      drawsPerProcess: true, // minReconnectionDelay: 1000 + Math.random() * 4000 in its module-level DEFAULT
      serve: serveHello,
      connect: (port, onData) => {
        const s = new (RWS as unknown as new (u: string, p: string[], o: object) => EtSocket)(`ws://127.0.0.1:${port}/`, [], { WebSocket });
        s.addEventListener('message', onData);
        return { close: () => s.close(1000) };
      },
    },
    {
      id: 'partysocket',
      label: 'partysocket (partysocket/ws)',
      serve: serveHello,
      connect: (port, onData) => {
        // Node 20 has no global WebSocket: partysocket needs the constructor (its one required option here).
        const s = new (PartySocketWs as unknown as new (u: string, p: undefined, o: object) => EtSocket)(`ws://127.0.0.1:${port}/`, undefined, { WebSocket });
        s.addEventListener('message', onData);
        return { close: () => s.close(1000) };
      },
    },
    {
      id: 'graphql-ws',
      label: 'graphql-ws client (defaults: lazy, retryAttempts 5)',
      serve: serveGql,
      connect: (port, onData, onGiveUp) => {
        const client = createClient({ url: `ws://127.0.0.1:${port}/`, webSocketImpl: WebSocket });
        let closed = false;
        // After the default retries it gives up (the subscription errors): that cycle counts as
        // not back; subscribe again, as an app would, so the next cycles measure something.
        const gaveUp = () => {
          if (closed) return;
          onGiveUp();
          setTimeout(sub, 0);
        };
        const sub = () => client.subscribe({ query: 'subscription { tick }' }, { next: onData, error: gaveUp, complete: () => {} });
        sub();
        return {
          close: () => {
            closed = true;
            return client.dispose();
          },
        };
      },
    },
    {
      id: 'socket.io-client',
      label: 'socket.io-client 4.8 (socket.io server)',
      serve: serveIo,
      connect: (port, onData) => {
        const s = ioClient(`http://127.0.0.1:${port}`);
        s.on('tick', onData);
        return { close: () => void s.close() };
      },
    },
  ];
}

export interface RealResult {
  kind: RealKind;
  /** ms from the server's return to data again, per client and cycle; NaN when not back within the bound. */
  restartMs: number[];
  outageMs: number[];
  /** Client-cycles in which the library gave up retrying (counted as not back). */
  gaveUp: number;
  failures: string[];
}

export interface RealOptions {
  cycles: number;
  outageCycles: number;
  outageMs: number;
  uptimeMs: number;
  /** Clients per library: more samples of each library's jitter per cycle. */
  clients: number;
  /** A client not back within this after the server's return counts as not back (NaN). */
  boundMs: number;
  log: (s: string) => void;
}

/** Resolves on the next `onData` after `since`, or after `boundMs` with NaN. */
function waiter(): { onData: () => void; next(since: number, boundMs: number): Promise<number> } {
  let last = -Infinity;
  let wake: (() => void) | undefined;
  return {
    onData: () => {
      last = performance.now();
      wake?.();
    },
    next: (since, boundMs) =>
      new Promise<number>((resolve) => {
        if (last >= since) return resolve(last - since);
        const timer = setTimeout(() => {
          wake = undefined;
          resolve(NaN);
        }, boundMs);
        wake = () => {
          if (last < since) return;
          clearTimeout(timer);
          wake = undefined;
          resolve(last - since);
        };
      }),
  };
}

async function runKind(kind: RealKind, o: RealOptions): Promise<RealResult> {
  const r: RealResult = { kind, restartMs: [], outageMs: [], gaveUp: 0, failures: [] };
  let { server, port } = await kind.serve(0);
  const clients = Array.from({ length: o.clients }, () => {
    const w = waiter();
    const c = { w, gaveUp: 0, conn: undefined as { close(): Promise<void> | void } | undefined };
    c.conn = kind.connect(port, w.onData, () => c.gaveUp++);
    return c;
  });
  try {
    const first = await Promise.all(clients.map((c) => c.w.next(0, 15_000)));
    if (!first.every(Number.isFinite)) throw new Error('no first data within 15 s');
    const cycle = async (downMs: number, into: number[]) => {
      await sleep(o.uptimeMs);
      const before = clients.map((c) => c.gaveUp);
      await server.kill();
      if (downMs > 0) await sleep(downMs);
      ({ server } = await kind.serve(port));
      const t0 = performance.now();
      const back = await Promise.all(clients.map((c) => c.w.next(t0, o.boundMs)));
      clients.forEach((c, i) => {
        const gaveUp = c.gaveUp > before[i]!;
        if (gaveUp) r.gaveUp++;
        into.push(gaveUp ? NaN : back[i]!);
      });
    };
    for (let i = 0; i < o.cycles; i++) await cycle(0, r.restartMs);
    for (let i = 0; i < o.outageCycles; i++) await cycle(o.outageMs, r.outageMs);
  } catch (err) {
    r.failures.push((err as Error).message);
  } finally {
    // Bounded: graphql-ws's dispose() can stay pending after a reconnect with nothing left to keep
    // the process alive, which ended the whole bench silently (exit 0, no report).
    await Promise.all(clients.map((c) => Promise.race([Promise.resolve(c.conn?.close()).catch(() => {}), held(CLOSE_BOUND_MS)])));
    await Promise.race([server.kill(), held(CLOSE_BOUND_MS)]);
  }
  return r;
}

/** Every library at once, each against its own server. */
export async function runRealRecovery(ours: Ours, o: RealOptions): Promise<RealResult[]> {
  const kinds = realKinds(ours);
  const results = await Promise.all(kinds.map((k) => runKind(k, o)));
  for (const r of results) {
    const show = (xs: number[]) => xs.map((x) => (Number.isFinite(x) ? Math.round(x) : 'never')).join(' ');
    o.log(`  ${r.kind.id}: restart ${show(r.restartMs)} | outage ${show(r.outageMs)}${r.failures.length ? ` | ${r.failures.join('; ')}` : ''}`);
  }
  return results;
}
