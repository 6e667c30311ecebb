/**
 * (c) Idle heap (+ external) per connection: open N connections of one client kind to the
 * server process, wait until all are open (and, for graphql-ws, acknowledged), GC, and divide
 * the growth of heapUsed + external by N. Then close them all and wait for the closes.
 */
import WebSocket from 'ws';
import RWS from 'reconnecting-websocket';
import PartySocketWs from 'partysocket/ws';
import { createClient, type Client } from 'graphql-ws';
import { io as ioClient } from 'socket.io-client';
import type { WebSocketConstructor } from '../src/index.js';
import type { Ours } from './ours.js';
import { median, settledHeap, within, type BenchServer } from './util.js';

interface Opened {
  ready: Promise<void>;
  close: () => Promise<void>;
}

export interface IdleKind {
  id: string;
  label: string;
  /** A what-if row for the analysis, not a client users get with these options. */
  diagnostic?: boolean;
  open(url: string): Opened;
}

function onceOpen(s: { addEventListener(t: string, f: () => void): void }): Promise<void> {
  return new Promise((resolve, reject) => {
    s.addEventListener('open', () => resolve());
    s.addEventListener('error', () => reject(new Error('error before open')));
  });
}

interface EtSocket {
  readyState: number;
  close(code?: number): void;
  addEventListener(t: string, f: () => void): void;
}

function etClose(s: EtSocket): Promise<void> {
  return new Promise((resolve) => {
    if (s.readyState === 3) return resolve();
    s.addEventListener('close', () => resolve());
    s.close(1000);
  });
}

/** Resolves when `done()` holds, polling every 5 ms; rejects after `ms`. */
function until(done: () => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const poll = () => {
      if (done()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`${what} not within ${ms} ms`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

export function idleKinds(ours: Ours, server: BenchServer): IdleKind[] {
  const { StreamClient } = ours;
  // A jsonProtocol server path that acks every subscribe and never streams (it waits for 10^9 topics).
  const ackOnly = server.url('/json?topics=1000000000&n=1');
  return [
    {
      id: 'raw-ws',
      label: 'raw ws',
      open: (url) => {
        const ws = new WebSocket(url);
        ws.on('error', () => {});
        return {
          ready: new Promise((resolve, reject) => {
            ws.once('open', () => resolve());
            ws.once('error', reject);
          }),
          close: () =>
            new Promise((resolve) => {
              if (ws.readyState === WebSocket.CLOSED) return resolve();
              ws.once('close', () => resolve());
              ws.close();
            }),
        };
      },
    },
    {
      id: 'steadystream',
      label: 'steadystream (defaults, no subscription)',
      open: (url) => {
        const client = new StreamClient({ url, WebSocket: WebSocket as unknown as WebSocketConstructor });
        client.on('error', () => {});
        return { ready: client.start(), close: () => client.close() };
      },
    },
    {
      id: 'steadystream-sub',
      label: 'steadystream (defaults, one acknowledged subscription)',
      open: () => {
        const client = new StreamClient({ url: ackOnly, WebSocket: WebSocket as unknown as WebSocketConstructor });
        client.on('error', () => {});
        const sub = client.subscribe('SYM00', () => {});
        return { ready: client.start().then(() => until(() => sub.state === 'active', 10_000, 'subscription ack')), close: () => client.close() };
      },
    },
    {
      id: 'steadystream-no-heartbeat',
      label: 'diagnostic: steadystream with heartbeat: false',
      diagnostic: true,
      open: (url) => {
        const client = new StreamClient({ url, WebSocket: WebSocket as unknown as WebSocketConstructor, heartbeat: false });
        client.on('error', () => {});
        return { ready: client.start(), close: () => client.close() };
      },
    },
    {
      id: 'reconnecting-websocket',
      label: 'reconnecting-websocket',
      open: (url) => {
        const s = new (RWS as unknown as new (u: string, p: string[], o: object) => EtSocket)(url, [], { WebSocket });
        return { ready: onceOpen(s), close: () => etClose(s) };
      },
    },
    {
      id: 'partysocket',
      label: 'partysocket (partysocket/ws)',
      open: (url) => {
        const s = new (PartySocketWs as unknown as new (u: string, p: undefined, o: object) => EtSocket)(url, undefined, { WebSocket });
        return { ready: onceOpen(s), close: () => etClose(s) };
      },
    },
    {
      id: 'socket.io-client',
      label: 'socket.io-client (defaults, connected)',
      open: () => {
        const s = ioClient(`http://127.0.0.1:${server.ioPort}`);
        return {
          ready: new Promise<void>((resolve, reject) => {
            s.once('connect', () => resolve());
            s.once('connect_error', reject);
          }),
          close: () =>
            new Promise<void>((resolve) => {
              if (!s.connected) {
                s.close();
                return resolve();
              }
              s.once('disconnect', () => resolve());
              s.close();
            }),
        };
      },
    },
    {
      id: 'graphql-ws',
      label: 'graphql-ws client (lazy: false)',
      open: (url) => {
        let client!: Client;
        const ready = new Promise<void>((resolve, reject) => {
          client = createClient({
            url,
            webSocketImpl: WebSocket,
            lazy: false,
            retryAttempts: 0,
            onNonLazyError: reject,
            on: { connected: () => resolve() },
          });
        });
        return { ready, close: () => Promise.resolve(client.dispose()) };
      },
    },
  ];
}

export interface IdleResult {
  kind: IdleKind;
  /** (heapUsed + external) growth per connection, one value per round. */
  bytesPerConn: number[];
  heapPerConn: number[];
  failures: string[];
}

async function measureOnce(kind: IdleKind, url: string, count: number): Promise<{ total: number; heap: number }> {
  const base = await settledHeap();
  const baseHeap = process.memoryUsage().heapUsed;
  const opened: Opened[] = [];
  try {
    // In batches: a burst of hundreds of handshakes at once only measures the accept queue.
    for (let i = 0; i < count; i += 50) {
      const batch = Array.from({ length: Math.min(50, count - i) }, () => kind.open(url));
      opened.push(...batch);
      await within(Promise.all(batch.map((o) => o.ready)), 30_000, `${kind.id} open`);
    }
    await new Promise((r) => setTimeout(r, 50)); // let handshake leftovers settle
    const total = ((await settledHeap()) - base) / count;
    const heap = (process.memoryUsage().heapUsed - baseHeap) / count;
    return { total, heap };
  } finally {
    await within(Promise.all(opened.map((o) => o.close().catch(() => {}))), 30_000, `${kind.id} close`).catch(() => {});
    opened.length = 0; // nothing of this batch may be reachable when the next one measures its base
  }
}

/** Rounds interleave the kinds (rotating order); each value is one round's (heap + external) / N. */
export async function runIdle(
  server: BenchServer,
  ours: Ours,
  opts: { connections: number; rounds: number; log: (s: string) => void; only?: readonly string[] },
): Promise<IdleResult[]> {
  const url = server.url('/idle');
  const kinds = idleKinds(ours, server).filter((k) => !opts.only || opts.only.includes(k.id));
  const results = kinds.map((kind): IdleResult => ({ kind, bytesPerConn: [], heapPerConn: [], failures: [] }));
  // Warm-up: load every module and JIT the connect paths, so the first kind measured pays nothing extra.
  for (const r of results) await measureOnce(r.kind, url, 20).catch((e) => r.failures.push(`warm-up: ${(e as Error).message}`));
  for (let round = 0; round < opts.rounds; round++) {
    const line: string[] = [];
    for (let i = 0; i < results.length; i++) {
      const r = results[(i + round) % results.length]!;
      try {
        const m = await measureOnce(r.kind, url, opts.connections);
        r.bytesPerConn.push(m.total);
        r.heapPerConn.push(m.heap);
        line.push(`${r.kind.id} ${(m.total / 1024).toFixed(1)} KB`);
      } catch (err) {
        r.failures.push(`round ${round + 1}: ${(err as Error).message}`);
        line.push(`${r.kind.id} FAILED`);
      }
    }
    opts.log(`  round ${round + 1}/${opts.rounds}: ${line.join(', ')}`);
  }
  return results;
}

export { median };
