/**
 * In-process dispatch, no sockets: the same frames handed straight to each client's message
 * listener in a tight loop. It isolates the per-message cost of the library (decode, route,
 * seq check, timestamps, meta, callback) from the kernel, `ws`'s frame parser and the load of
 * the machine, so differences of tens of ns are measurable: stale bookkeeping on vs off, and
 * what sharing one clock read per job saves (a custom clock, which is read once per frame).
 *
 * steadystream gets a fake `ws`-shaped socket (the `on`/`terminate`/`ping` surface, so the
 * transport takes its `ws` path and calls `data.toString()` like with a real socket); the
 * graphql-ws client gets a fake WHATWG socket whose `onmessage` receives `{ data: string }`.
 */
import { createClient } from 'graphql-ws';
import type { Clock, WebSocketConstructor } from '../src/index.js';
import type { GqlFactory, Ours } from './ours.js';
import { gqlFrameText, jsonFrameText, topicName } from './frames.js';
import { gc, median, min, max, within } from './util.js';
import { STALE_OFF_MS, STALE_ON_MS } from './dispatch.js';

// biome-ignore lint/suspicious/noExplicitAny: the listeners of every `ws` event through one signature
type Listener = (...args: any[]) => void;

/** A `ws`-shaped socket that opens on the next turn and answers graphql-ws's connection_init. */
class FakeNodeWs {
  static last: FakeNodeWs | undefined;
  readyState = 0;
  readonly sent: string[] = [];
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  readonly #l = new Map<string, Listener[]>();

  constructor(_url: string, _protocols?: string | string[]) {
    FakeNodeWs.last = this;
    setImmediate(() => {
      this.readyState = 1;
      this.#emit('open');
    });
  }

  on(ev: string, fn: Listener): this {
    this.#l.set(ev, [...(this.#l.get(ev) ?? []), fn]);
    return this;
  }

  once(ev: string, fn: Listener): this {
    const w: Listener = (...a) => {
      this.#l.set(
        ev,
        (this.#l.get(ev) ?? []).filter((x) => x !== w),
      );
      fn(...a);
    };
    return this.on(ev, w);
  }

  removeAllListeners(): this {
    this.#l.clear();
    return this;
  }

  listener(ev: string): Listener {
    const fn = this.#l.get(ev)?.[0];
    if (!fn) throw new Error(`no ${ev} listener`);
    return fn;
  }

  ping(): void {}

  terminate(): void {
    this.readyState = 3;
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    setImmediate(() => this.#emit('close', code, Buffer.from(reason)));
  }

  send(data: string | Uint8Array): void {
    const s = String(data);
    this.sent.push(s);
    if (s.includes('"connection_init"')) queueMicrotask(() => this.#emit('message', Buffer.from('{"type":"connection_ack"}'), false));
  }

  #emit(ev: string, ...args: unknown[]): void {
    for (const fn of this.#l.get(ev) ?? []) fn(...args);
  }
}

/** A WHATWG-shaped socket for graphql-ws's client. */
class FakeWhatwg {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static last: FakeWhatwg | undefined;
  readyState = 0;
  readonly protocol = 'graphql-transport-ws';
  readonly subscribes: { id: string; topic: string }[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(_url: string, _protocol?: string) {
    FakeWhatwg.last = this;
    setImmediate(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: string): void {
    const m = JSON.parse(data) as { type: string; id?: string; payload?: { variables?: { topic?: string } } };
    if (m.type === 'connection_init') queueMicrotask(() => this.onmessage?.({ data: '{"type":"connection_ack"}' }));
    else if (m.type === 'subscribe') this.subscribes.push({ id: m.id!, topic: m.payload?.variables?.topic ?? '' });
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    setImmediate(() => this.onclose?.({ code, reason, wasClean: true }));
  }
}

interface Prepared {
  /** Hand one frame to the client, as its socket would. */
  push: (buf: Buffer) => void;
  received: () => number;
  close: () => Promise<void>;
}

/**
 * A client ready to receive, subscribed to every topic. gql kinds must have used operation ids
 * "1".."T" in topic order, so every kind of a group consumes the very same frames.
 */
export interface InprocKind {
  id: string;
  label: string;
  group: 'json' | 'gql';
  prepare(topics: number): Promise<Prepared>;
}

/** The operation ids every gql kind uses: a counter, in subscribe (= topic) order. */
const gqlIds = (topics: number) => Array.from({ length: topics }, (_, i) => String(i + 1));

function assertIds(kind: string, ids: readonly string[], topicOf: readonly string[], topics: number): void {
  const want = gqlIds(topics);
  const names = topicsList(topics);
  if (ids.length !== topics || ids.some((id, i) => id !== want[i] || topicOf[i] !== names[i])) {
    throw new Error(`${kind}: operation ids are not "1".."${topics}" in topic order (${ids.slice(0, 3).join(',')}…)`);
  }
}

const topicsList = (topics: number) => Array.from({ length: topics }, (_, i) => topicName(i));

function jsonBuffers(n: number, topics: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from(jsonFrameText(i, topics)));
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not ready within 10 s`);
    await new Promise((r) => setImmediate(r));
  }
}

const floor: InprocKind = {
  id: 'raw-floor',
  label: 'JSON.parse(buf.toString()) + Map (floor)',
  group: 'json',
  prepare: async (topics) => {
    let count = 0;
    let sink = 0;
    const handlers = new Map<string, (data: { price: number }, seq: number) => void>();
    for (const t of topicsList(topics)) handlers.set(t, (d) => void (count++, (sink += d.price)));
    const onMessage = (buf: Buffer, _isBinary: boolean) => {
      const m = JSON.parse(buf.toString());
      if (m.op !== 'data') return;
      const h = handlers.get(m.topic);
      if (h !== undefined) h(m.data, m.seq);
    };
    return { push: (b) => onMessage(b, false), received: () => count + (sink < 0 ? 1 : 0), close: async () => {} };
  },
};

/**
 * A reference, not a product: the same per-message semantics as steadystream's data path
 * (route by topic, drop seq <= last, one clock read for the last-seen timestamp and
 * `meta.receivedAt`, a counter, a fresh meta object, each callback isolated by try/catch),
 * written as one function. The gap between it and steadystream is the cost of the layering.
 */
const semantics: InprocKind = {
  id: 'minimal-same-semantics',
  label: 'reference: same semantics, one function (seq check, 1 clock read, meta, try/catch)',
  group: 'json',
  prepare: async (topics) => {
    let count = 0;
    let sink = 0;
    interface E {
      topic: string;
      lastSeq: number;
      lastDataAt: number;
      handles: ((data: { price: number }, meta: object) => void)[];
    }
    const counters = { messagesIn: 0, duplicatesDropped: 0, callbackErrors: 0 };
    const byTopic = new Map<string, E>();
    for (const t of topicsList(topics)) byTopic.set(t, { topic: t, lastSeq: -1, lastDataAt: 0, handles: [(d) => void (count++, (sink += d.price))] });
    const onMessage = (buf: Buffer, _isBinary: boolean) => {
      counters.messagesIn++;
      const m = JSON.parse(buf.toString());
      if (m.op !== 'data') return;
      const e = byTopic.get(m.topic);
      if (e === undefined) return;
      const seq = m.seq;
      if (typeof seq === 'number') {
        if (seq <= e.lastSeq) return void counters.duplicatesDropped++;
        e.lastSeq = seq;
      }
      const now = Date.now();
      e.lastDataAt = now;
      const meta = { topic: e.topic, seq, source: 'stream', receivedAt: now };
      const hs = e.handles;
      for (let i = 0; i < hs.length; i++) {
        try {
          hs[i]!(m.data, meta);
        } catch {
          counters.callbackErrors++;
        }
      }
    };
    return { push: (b) => onMessage(b, false), received: () => count + (sink < 0 ? 1 : 0), close: async () => {} };
  },
};

/** The floor for graphql-ws frames: `JSON.parse(buf.toString())` + a Map<operation id, handler>. */
const floorGql: InprocKind = {
  id: 'raw-floor-gql',
  label: 'JSON.parse(buf.toString()) + Map by id (floor, gql frames)',
  group: 'gql',
  prepare: async (topics) => {
    let count = 0;
    let sink = 0;
    const handlers = new Map<string, (data: { tick: { data: { price: number } } }) => void>();
    for (const id of gqlIds(topics)) handlers.set(id, (d) => void (count++, (sink += d.tick.data.price)));
    const onMessage = (buf: Buffer) => {
      const m = JSON.parse(buf.toString());
      if (m.type !== 'next') return;
      const h = handlers.get(m.id);
      if (h !== undefined) h(m.payload.data);
    };
    return { push: onMessage, received: () => count + (sink < 0 ? 1 : 0), close: async () => {} };
  },
};

/**
 * A user's clock over `Date.now`: the client reads it once per frame (only the system clock in
 * real time is read once per job), so this kind shows what the per-job read saves.
 */
const perFrameClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

function oursJson(ours: Ours, id: string, label: string, staleAfterMs: number, clock?: Clock): InprocKind {
  const { StreamClient, jsonProtocol } = ours;
  return {
    id,
    label,
    group: 'json',
    prepare: async (topics) => {
      let count = 0;
      let sink = 0;
      const client = new StreamClient({
        url: 'ws://fake.invalid/json',
        protocol: jsonProtocol(),
        stale: { afterMs: staleAfterMs },
        WebSocket: FakeNodeWs as unknown as WebSocketConstructor,
        heartbeat: { intervalMs: 60_000, timeoutMs: 60_000 },
        ...(clock ? { clock } : {}),
      });
      client.on('error', () => {});
      for (const t of topicsList(topics)) client.subscribe<{ price: number }>(t, (d) => void (count++, (sink += d.price)));
      await within(client.start(), 10_000, `${id} start`);
      const listener = FakeNodeWs.last!.listener('message');
      return { push: (b) => listener(b, false), received: () => count + (sink < 0 ? 1 : 0), close: () => client.close() };
    },
  };
}

const GQL_QUERY = 'subscription Tick($topic: String!) { tick(topic: $topic) { topic seq data } }';

const gqlClient: InprocKind = {
  id: 'graphql-ws',
  label: 'graphql-ws client (createClient)',
  group: 'gql',
  prepare: async (topics) => {
    let count = 0;
    let sink = 0;
    let nextId = 0;
    const client = createClient({
      url: 'ws://fake.invalid/gql',
      webSocketImpl: FakeWhatwg,
      lazy: true,
      retryAttempts: 0,
      generateID: () => String(++nextId),
    });
    const disposers = topicsList(topics).map((topic) =>
      client.subscribe<{ tick: { data: { price: number } } }>(
        { query: GQL_QUERY, variables: { topic } },
        { next: (r) => void (count++, (sink += r.data!.tick.data.price)), error: () => {}, complete: () => {} },
      ),
    );
    await until(() => (FakeWhatwg.last?.subscribes.length ?? 0) >= topics, 'graphql-ws subscribes');
    const sock = FakeWhatwg.last!;
    assertIds(
      'graphql-ws',
      sock.subscribes.map((s) => s.id),
      sock.subscribes.map((s) => s.topic),
      topics,
    );
    return {
      // ws's WHATWG adapter hands a text frame over as a string inside an event object.
      push: (b) => sock.onmessage!({ data: b.toString() }),
      received: () => count + (sink < 0 ? 1 : 0),
      close: async () => {
        for (const d of disposers) d();
        await client.dispose();
      },
    };
  },
};

function oursGql(ours: Ours, make: GqlFactory): InprocKind {
  const { StreamClient } = ours;
  return {
    id: 'steadystream-gql',
    label: 'steadystream graphqlWsProtocol (stale on)',
    group: 'gql',
    prepare: async (topics) => {
      let count = 0;
      let sink = 0;
      const client = new StreamClient({
        url: 'ws://fake.invalid/gql',
        protocol: make({ operation: (topic) => ({ query: GQL_QUERY, variables: { topic } }) }),
        stale: { afterMs: STALE_ON_MS },
        WebSocket: FakeNodeWs as unknown as WebSocketConstructor,
        heartbeat: { intervalMs: 60_000, timeoutMs: 60_000 },
      });
      client.on('error', () => {});
      for (const t of topicsList(topics)) client.subscribe<{ tick: { data: { price: number } } }>(t, (d) => void (count++, (sink += d.tick.data.price)));
      await within(client.start(), 10_000, 'steadystream-gql start');
      const sock = FakeNodeWs.last!;
      const subs = sock.sent
        .map((s) => JSON.parse(s) as { type: string; id: string; payload?: { variables?: { topic?: string } } })
        .filter((m) => m.type === 'subscribe');
      if (subs.length < topics) throw new Error(`steadystream-gql sent ${subs.length}/${topics} subscribes`);
      const listener = sock.listener('message');
      assertIds(
        'steadystream-gql',
        subs.map((s) => s.id),
        subs.map((s) => s.payload?.variables?.topic ?? ''),
        topics,
      );
      return { push: (b) => listener(b, false), received: () => count + (sink < 0 ? 1 : 0), close: () => client.close() };
    },
  };
}

export function inprocKinds(ours: Ours): { kinds: InprocKind[]; notes: string[] } {
  const kinds: InprocKind[] = [
    floor,
    semantics,
    oursJson(ours, 'steadystream', 'steadystream jsonProtocol (stale on)', STALE_ON_MS),
    oursJson(ours, 'steadystream-stale-off', 'steadystream jsonProtocol (stale off)', STALE_OFF_MS),
    oursJson(
      ours,
      'steadystream-clock-per-frame',
      'steadystream jsonProtocol (stale on, a custom clock: one clock read per frame)',
      STALE_ON_MS,
      perFrameClock,
    ),
    floorGql,
    gqlClient,
  ];
  const notes: string[] = [];
  if (ours.graphqlWsProtocol) kinds.push(oursGql(ours, ours.graphqlWsProtocol));
  else notes.push(`steadystream graphqlWsProtocol skipped: ${ours.gqlNote ?? 'unavailable'}`);
  return { kinds, notes };
}

export interface InprocRun {
  /** Process CPU time (user + system) per message: robust to a loaded machine, unlike wall time. */
  nsPerMsg: number;
  /** Wall time per message, for reference. */
  wallNsPerMsg: number;
}

export interface InprocStats {
  kind: InprocKind;
  /** One value per measured chunk. */
  runs: InprocRun[];
  failures: string[];
}

/**
 * Every kind is prepared once; the frames of each group (shared, read-only) are cut into
 * `chunks + 1` consecutive chunks. Chunk 0 warms every kind up; then round r feeds chunk r
 * to every kind, in rotating order, so slow drift of the machine hits all kinds alike and
 * each kind's figure is the median over many short paired chunks. Sequence numbers only
 * grow, as on a real stream.
 */
export async function runInproc(
  kinds: readonly InprocKind[],
  opts: { chunks: number; messages: number; topics: number; log: (s: string) => void },
): Promise<InprocStats[]> {
  const { messages: n, topics } = opts;
  const frames = {
    json: jsonBuffers(n, topics),
    gql: ((ids, names) => Array.from({ length: n }, (_, i) => Buffer.from(gqlFrameText(i, ids, names))))(gqlIds(topics), topicsList(topics)),
  };
  const stats = kinds.map((kind): InprocStats => ({ kind, runs: [], failures: [] }));
  const ready: (Prepared | undefined)[] = [];
  for (const s of stats) {
    ready.push(await s.kind.prepare(topics).catch((e: Error) => void s.failures.push(`prepare: ${e.message}`)));
  }
  const size = Math.floor(n / (opts.chunks + 1));
  const feed = (i: number, chunk: number): InprocRun => {
    const p = ready[i]!;
    const f = frames[stats[i]!.kind.group];
    const from = chunk * size;
    const to = chunk === opts.chunks ? n : from + size;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let k = from; k < to; k++) p.push(f[k]!);
    const cpu = process.cpuUsage(c0);
    const ns = Number(process.hrtime.bigint() - t0);
    return { nsPerMsg: ((cpu.user + cpu.system) * 1000) / (to - from), wallNsPerMsg: ns / (to - from) };
  };
  try {
    gc();
    for (let i = 0; i < stats.length; i++) if (ready[i]) feed(i, 0);
    for (let r = 1; r <= opts.chunks; r++) {
      for (let j = 0; j < stats.length; j++) {
        const i = (j + r) % stats.length;
        if (!ready[i]) continue;
        try {
          stats[i]!.runs.push(feed(i, r));
        } catch (err) {
          stats[i]!.failures.push(`chunk ${r}: ${(err as Error).message}`);
          ready[i] = undefined;
        }
      }
    }
    for (let i = 0; i < stats.length; i++) {
      const got = ready[i]?.received();
      if (got !== undefined && got !== n) stats[i]!.failures.push(`delivered ${got}/${n} messages`);
    }
    opts.log(`  ${stats.map((s) => `${s.kind.id} ${s.runs.length ? median(s.runs.map((x) => x.nsPerMsg)).toFixed(0) : 'n/a'} ns`).join(', ')}`);
  } finally {
    for (const p of ready) await p?.close().catch(() => {});
  }
  return stats;
}

export function summary(xs: readonly number[]): { median: number; min: number; max: number } {
  return { median: median(xs), min: min(xs), max: max(xs) };
}
