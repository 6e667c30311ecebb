/**
 * (a) inbound dispatch throughput, (b) client CPU per message and heap after GC, (e) the cost
 * of stale bookkeeping: every client kind receives the same pre-built frames from the server
 * process, in interleaved rounds (each round runs every kind once, in rotating order).
 *
 * A run is timed from its first data message to its N-th, so connect, subscribe and the
 * server's frame building are outside the measurement; CPU is `process.cpuUsage()` over the
 * same span (this process holds only the client). A run that does not deliver all N messages
 * within the bound fails (that is a correctness check too: no message may be lost).
 */
import WebSocket from 'ws';
import RWS from 'reconnecting-websocket';
import PartySocketWs from 'partysocket/ws';
import { createClient } from 'graphql-ws';
import type { WebSocketConstructor } from '../src/index.js';
import type { Ours } from './ours.js';
import { gc, median, min, max, within, type BenchServer } from './util.js';
import { topicName } from './frames.js';

/** Collects the timing of one run. The handler of every kind calls `tick` once per message. */
export class Probe {
  count = 0;
  sink = 0;
  t0 = 0;
  t1 = 0;
  cpu0: NodeJS.CpuUsage = { user: 0, system: 0 };
  cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  readonly done: Promise<void>;
  #resolve!: () => void;

  constructor(readonly n: number) {
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  tick(price: number): void {
    const c = ++this.count;
    if (c === 1) {
      this.t0 = performance.now();
      this.cpu0 = process.cpuUsage();
    }
    this.sink += price;
    if (c === this.n) {
      this.t1 = performance.now();
      this.cpu = process.cpuUsage(this.cpu0);
      this.#resolve();
    }
  }
}

export interface RunResult {
  msgsPerSec: number;
  cpuUsPerMsg: number;
  heapAfterGc: number;
}

/** Connect, subscribe to every topic, await the probe, measure, close. */
type Runner = (ctx: { server: BenchServer; n: number; topics: number; probe: Probe }) => Promise<() => Promise<void>>;

export interface ClientKind {
  id: string;
  label: string;
  /** The floor this kind is compared with (json kinds: raw ws; gql kinds: the graphql-ws client). */
  group: 'json' | 'gql';
  run: Runner;
}

const WS = WebSocket as unknown as WebSocketConstructor;

function topicsList(topics: number): string[] {
  return Array.from({ length: topics }, (_, i) => topicName(i));
}

const subscribeFrame = (topic: string) => `{"op":"subscribe","topic":${JSON.stringify(topic)}}`;

function waitClose(ws: { readyState: number; addEventListener(e: 'close', f: () => void): void }): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === 3) return resolve();
    ws.addEventListener('close', () => resolve());
  });
}

/** (1) The floor: `ws` + `JSON.parse(buf.toString())` + a Map<topic, handler>. */
const rawWs: ClientKind = {
  id: 'raw-ws',
  label: 'raw ws + JSON.parse + Map (floor)',
  group: 'json',
  run: async ({ server, n, topics, probe }) => {
    const handlers = new Map<string, (data: { price: number }, seq: number) => void>();
    for (const t of topicsList(topics)) handlers.set(t, (data) => probe.tick(data.price));
    const ws = new WebSocket(server.url(`/json?topics=${topics}&n=${n}`));
    ws.on('message', (buf: Buffer) => {
      const m = JSON.parse(buf.toString());
      if (m.op !== 'data') return;
      const h = handlers.get(m.topic);
      if (h !== undefined) h(m.data, m.seq);
    });
    ws.on('open', () => {
      for (const t of handlers.keys()) ws.send(subscribeFrame(t));
    });
    ws.on('error', () => {});
    return async () => {
      const closed = waitClose(ws);
      ws.close();
      await closed;
    };
  },
};

/** The floor for graphql-ws frames: `ws` + `JSON.parse(buf.toString())` + a Map<operation id, handler>. */
const rawWsGql: ClientKind = {
  id: 'raw-ws-gql',
  label: 'raw ws + JSON.parse + Map by id (floor, gql frames)',
  group: 'gql',
  run: async ({ server, n, topics, probe }) => {
    const handlers = new Map<string, (data: { tick: { data: { price: number } } }) => void>();
    const names = topicsList(topics);
    names.forEach((_, i) => handlers.set(String(i + 1), (d) => probe.tick(d.tick.data.price)));
    const ws = new WebSocket(server.url(`/gql?topics=${topics}&n=${n}`), 'graphql-transport-ws');
    ws.on('message', (buf: Buffer) => {
      const m = JSON.parse(buf.toString());
      if (m.type === 'next') {
        const h = handlers.get(m.id);
        if (h !== undefined) h(m.payload.data);
      } else if (m.type === 'connection_ack') {
        names.forEach((topic, i) => ws.send(JSON.stringify({ id: String(i + 1), type: 'subscribe', payload: { query: GQL_QUERY, variables: { topic } } })));
      }
    });
    ws.on('open', () => ws.send('{"type":"connection_init"}'));
    ws.on('error', () => {});
    return async () => {
      const closed = waitClose(ws);
      ws.close();
      await closed;
    };
  },
};

function steadystream(ours: Ours, id: string, label: string, staleAfterMs: number): ClientKind {
  const { StreamClient, jsonProtocol } = ours;
  return {
    id,
    label,
    group: 'json',
    run: async ({ server, n, topics, probe }) => {
      const client = new StreamClient({
        url: server.url(`/json?topics=${topics}&n=${n}`),
        protocol: jsonProtocol(),
        stale: { afterMs: staleAfterMs },
        WebSocket: WS,
      });
      client.on('error', () => {});
      for (const t of topicsList(topics)) client.subscribe<{ price: number }>(t, (data) => probe.tick(data.price));
      await client.start();
      return () => client.close();
    },
  };
}

/** Stale monitoring on: the threshold a dashboard would use. */
export const STALE_ON_MS = 1_000;
/** "Off": a threshold no run reaches (below 2^31-1, the largest timer delay). */
export const STALE_OFF_MS = 2_000_000_000;

interface EventTargetSocket {
  readyState: number;
  send(data: string): void;
  close(code?: number): void;
  addEventListener(type: string, fn: (ev: { data?: unknown }) => void): void;
}

function eventTargetKind(id: string, label: string, make: (url: string) => EventTargetSocket): ClientKind {
  return {
    id,
    label,
    group: 'json',
    run: async ({ server, n, topics, probe }) => {
      const handlers = new Map<string, (data: { price: number }, seq: number) => void>();
      for (const t of topicsList(topics)) handlers.set(t, (data) => probe.tick(data.price));
      const s = make(server.url(`/json?topics=${topics}&n=${n}`));
      s.addEventListener('message', (ev) => {
        const m = JSON.parse(ev.data as string);
        if (m.op !== 'data') return;
        const h = handlers.get(m.topic);
        if (h !== undefined) h(m.data, m.seq);
      });
      s.addEventListener('open', () => {
        for (const t of handlers.keys()) s.send(subscribeFrame(t));
      });
      s.addEventListener('error', () => {});
      return async () => {
        const closed = waitClose(s);
        s.close(1000);
        await within(closed, 5_000, `${id} close`).catch(() => {});
      };
    },
  };
}

/** (3) reconnecting-websocket 4.4 over `ws`. */
const rws = eventTargetKind(
  'reconnecting-websocket',
  'reconnecting-websocket + JSON.parse + Map',
  (url) => new (RWS as unknown as new (u: string, p: string[], o: object) => EventTargetSocket)(url, [], { WebSocket, maxRetries: 0 }),
);

/** (4) partysocket's ReconnectingWebSocket (`partysocket/ws`) over `ws`. */
const party = eventTargetKind(
  'partysocket',
  'partysocket + JSON.parse + Map',
  (url) => new (PartySocketWs as unknown as new (u: string, p: undefined, o: object) => EventTargetSocket)(url, undefined, { WebSocket, maxRetries: 0 }),
);

const GQL_QUERY = 'subscription Tick($topic: String!) { tick(topic: $topic) { topic seq data } }';

interface TickResult {
  data?: { tick: { data: { price: number } } } | null;
}

/** (5) graphql-ws's own client; ids from a counter like ours, so the frames are the same size. */
const gqlClient: ClientKind = {
  id: 'graphql-ws',
  label: 'graphql-ws client (createClient)',
  group: 'gql',
  run: async ({ server, n, topics, probe }) => {
    let nextId = 0;
    const client = createClient({
      url: server.url(`/gql?topics=${topics}&n=${n}`),
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      generateID: () => String(++nextId),
    });
    const disposers: (() => void)[] = [];
    for (const topic of topicsList(topics)) {
      disposers.push(
        client.subscribe<TickResult['data']>(
          { query: GQL_QUERY, variables: { topic } },
          {
            next: (r: TickResult) => probe.tick(r.data!.tick.data.price),
            error: () => {},
            complete: () => {},
          },
        ),
      );
    }
    return async () => {
      for (const d of disposers) d();
      await client.dispose();
    };
  },
};

/** (6) steadystream with graphqlWsProtocol, when src/protocol/graphql-ws.ts exists and works. */
function oursGqlKind(ours: Ours): ClientKind | undefined {
  const { StreamClient, graphqlWsProtocol: make } = ours;
  if (!make) return undefined;
  return {
    id: 'steadystream-gql',
    label: 'steadystream graphqlWsProtocol (stale on)',
    group: 'gql',
    run: async ({ server, n, topics, probe }) => {
      const client = new StreamClient({
        url: server.url(`/gql?topics=${topics}&n=${n}`),
        protocol: make({ operation: (topic) => ({ query: GQL_QUERY, variables: { topic } }) }),
        stale: { afterMs: STALE_ON_MS },
        WebSocket: WS,
      });
      client.on('error', () => {});
      for (const t of topicsList(topics)) {
        client.subscribe<{ tick: { data: { price: number } } }>(t, (data) => probe.tick(data.tick.data.price));
      }
      await client.start();
      return () => client.close();
    },
  };
}

export function dispatchKinds(ours: Ours): { kinds: ClientKind[]; notes: string[] } {
  const kinds = [
    rawWs,
    steadystream(ours, 'steadystream', 'steadystream jsonProtocol (stale on)', STALE_ON_MS),
    steadystream(ours, 'steadystream-stale-off', 'steadystream jsonProtocol (stale off)', STALE_OFF_MS),
    rws,
    party,
    rawWsGql,
    gqlClient,
  ];
  const notes: string[] = [];
  const g = oursGqlKind(ours);
  if (g) kinds.push(g);
  else notes.push(`(6) steadystream graphqlWsProtocol skipped: ${ours.gqlNote ?? 'unavailable'}`);
  return { kinds, notes };
}

/** One run of one kind. Bounded: a run that does not finish in `timeoutMs` throws. */
export async function runOnce(kind: ClientKind, server: BenchServer, n: number, topics: number, timeoutMs: number): Promise<RunResult> {
  gc();
  const probe = new Probe(n);
  let close: (() => Promise<void>) | undefined;
  try {
    close = await within(kind.run({ server, n, topics, probe }), timeoutMs, `${kind.id} connect`);
    await within(probe.done, timeoutMs, `${kind.id} (${probe.count}/${n} messages)`);
    gc();
    const heapAfterGc = process.memoryUsage().heapUsed;
    const secs = (probe.t1 - probe.t0) / 1000;
    const msgs = n - 1; // timed from the first message to the last
    return {
      msgsPerSec: msgs / secs,
      cpuUsPerMsg: (probe.cpu.user + probe.cpu.system) / msgs,
      heapAfterGc,
    };
  } finally {
    await close?.().catch(() => {});
  }
}

export interface KindStats {
  kind: ClientKind;
  runs: RunResult[];
  failures: string[];
}

/**
 * Interleaved rounds: round r runs every kind once, starting at kind r (rotating order), so
 * drift in the machine's load spreads over all kinds instead of one. One warm-up round first.
 */
export async function runDispatch(
  server: BenchServer,
  kinds: readonly ClientKind[],
  opts: { rounds: number; messages: number; topics: number; log: (s: string) => void },
): Promise<KindStats[]> {
  const stats = kinds.map((kind): KindStats => ({ kind, runs: [], failures: [] }));
  const timeoutMs = Math.max(30_000, opts.messages / 5); // >= 5k msg/s or it is broken
  await server.prebuild(opts.topics, opts.messages);
  opts.log(`  warm-up (${Math.round(opts.messages / 4)} messages each)`);
  await server.prebuild(opts.topics, Math.round(opts.messages / 4));
  for (const s of stats) {
    await runOnce(s.kind, server, Math.round(opts.messages / 4), opts.topics, timeoutMs).catch((err) => {
      s.failures.push(`warm-up: ${(err as Error).message}`);
    });
  }
  await server.prebuild(opts.topics, opts.messages);
  for (let r = 0; r < opts.rounds; r++) {
    const order = stats.map((_, i) => stats[(i + r) % stats.length]!);
    const line: string[] = [];
    for (const s of order) {
      try {
        const res = await runOnce(s.kind, server, opts.messages, opts.topics, timeoutMs);
        s.runs.push(res);
        line.push(`${s.kind.id} ${Math.round(res.msgsPerSec / 1000)}k`);
      } catch (err) {
        s.failures.push(`round ${r + 1}: ${(err as Error).message}`);
        line.push(`${s.kind.id} FAILED`);
      }
    }
    opts.log(`  round ${r + 1}/${opts.rounds}: ${line.join(', ')}`);
  }
  return stats;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
}

export function summarize(xs: readonly number[]): Summary {
  return { median: median(xs), min: min(xs), max: max(xs) };
}
