import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
// graphql/index.js, not 'graphql': vitest would resolve the bare name to graphql's ESM build
// while graphql-ws (run by Node) loads the CommonJS one, and graphql refuses a schema "from
// another module or realm". One path, one realm.
import { buildSchema } from 'graphql/index.js';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';

/** The subscription document the tests use: `ticks(topic)` with the topic as a variable. */
export const TICKS_QUERY = 'subscription Ticks($topic: String!) { ticks(topic: $topic) { topic seq value } }';

const SCHEMA = buildSchema(`
  type Tick { topic: String!, seq: Int!, value: Float }
  type Query { version: String }
  type Subscription { ticks(topic: String!): Tick }
`);

/** Bound on events queued for one operation that is not reading (a slow test is a bug). */
const MAX_QUEUED = 1_000;
/** How long a closing client gets to answer the close frame before its socket is destroyed. */
const CLOSE_GRACE_MS = 1_000;

export interface Tick {
  readonly seq: number;
  readonly value?: number;
}

export interface GraphqlTestServerOptions {
  /** `connection_init` token check; false closes the socket with 4403. @default accept all */
  validate?: (token: string | undefined) => boolean;
  /** graphql-ws keep-alive (ws-level ping) period; 0 disables it. @default 0 */
  keepAliveMs?: number;
}

/** One operation's event stream: what the `ticks` resolver returns. Ends on `return()`. */
class TickStream implements AsyncIterableIterator<unknown> {
  readonly #queue: unknown[] = [];
  #waiter: ((r: IteratorResult<unknown>) => void) | undefined;
  #done = false;

  constructor(
    readonly topic: string,
    private readonly ended: (s: TickStream) => void,
  ) {}

  push(value: unknown): void {
    if (this.#done) return;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter({ value, done: false });
    else if (this.#queue.length < MAX_QUEUED) this.#queue.push(value);
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#queue.length > 0) return Promise.resolve({ value: this.#queue.shift(), done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  return(): Promise<IteratorResult<unknown>> {
    if (!this.#done) {
      this.#done = true;
      this.#queue.length = 0;
      this.ended(this);
      this.#waiter?.({ value: undefined, done: true });
      this.#waiter = undefined;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err: unknown): Promise<IteratorResult<unknown>> {
    void this.return();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

interface Listening {
  http: Server;
  wss: WebSocketServer;
  dispose(): Promise<void>;
  sockets: Set<Socket>;
}

/**
 * The real `graphql-ws` server (graphql-transport-ws over `ws`) on 127.0.0.1 with a `ticks`
 * subscription fed by `publish()`. Events (all with one payload object):
 * `connect` { token, accepted } · `subscribe` { id, topic } · `complete` { id, topic } ·
 * `live` { topic, live } whenever the number of running operations of a topic changes.
 */
export class GraphqlTestServer extends EventEmitter {
  readonly #validate: (token: string | undefined) => boolean;
  readonly #keepAliveMs: number;
  readonly #streams = new Map<string, Set<TickStream>>();
  #listening: Listening | undefined;
  #port = 0;
  /** connection_init messages received (accepted or not). */
  connectionAttempts = 0;
  /** connection_init messages refused with 4403. */
  rejected = 0;
  /** `subscribe` messages received (onSubscribe calls). */
  subscribes = 0;
  /** Operations ended (onComplete calls: client complete, server complete, socket close). */
  completes = 0;
  /** Every token seen in a connection_init, in order. */
  readonly tokens: (string | undefined)[] = [];

  private constructor(options: GraphqlTestServerOptions) {
    super();
    this.#validate = options.validate ?? (() => true);
    this.#keepAliveMs = options.keepAliveMs ?? 0;
  }

  /** Start listening on 127.0.0.1 and a free port. */
  static async start(options: GraphqlTestServerOptions = {}): Promise<GraphqlTestServer> {
    const server = new GraphqlTestServer(options);
    await server.#listen(0);
    return server;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.#port}/graphql`;
  }

  /** Running operations of `topic` (resolver streams not yet ended). */
  live(topic: string): number {
    return this.#streams.get(topic)?.size ?? 0;
  }

  /** Running operations by topic. */
  liveOperations(): Record<string, number> {
    return Object.fromEntries([...this.#streams].map(([t, s]) => [t, s.size]));
  }

  /** Resolves when `topic` has exactly `n` running operations (now or later), bounded. */
  async waitLive(topic: string, n: number, timeoutMs = 3_000): Promise<void> {
    if (this.live(topic) === n) return;
    await new Promise<void>((resolve, reject) => {
      const listener = (e: { topic: string; live: number }): void => {
        if (e.topic !== topic || e.live !== n) return;
        clearTimeout(timer);
        this.off('live', listener);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('live', listener);
        reject(new Error(`graphql server: ${topic} did not reach ${n} live operations within ${timeoutMs} ms (now ${this.live(topic)})`));
      }, timeoutMs);
      this.on('live', listener);
    });
  }

  /** Send one event to every running operation of `topic`; returns how many got it. */
  publish(topic: string, tick: Tick): number {
    const streams = this.#streams.get(topic);
    for (const s of streams ?? []) s.push({ ticks: { topic, ...tick } });
    return streams?.size ?? 0;
  }

  /** End every operation of `topic` from the server side (the client receives `complete`). */
  complete(topic: string): void {
    for (const s of [...(this.#streams.get(topic) ?? [])]) void s.return();
  }

  /** Close every client with 1001 (terminate them when `abrupt`) and listen again on the same port. */
  async restart(options: { abrupt?: boolean } = {}): Promise<void> {
    await this.#stop(options.abrupt === true);
    await this.#listen(this.#port);
  }

  /** Close every client and the listener; leaves no socket or timer. Idempotent. */
  async close(): Promise<void> {
    await this.#stop(false);
    this.removeAllListeners();
  }

  #stream(topic: string): TickStream {
    const stream = new TickStream(topic, (s) => {
      const set = this.#streams.get(topic);
      set?.delete(s);
      if (set?.size === 0) this.#streams.delete(topic);
      this.emit('live', { topic, live: set?.size ?? 0 });
    });
    const set = this.#streams.get(topic) ?? new Set();
    set.add(stream);
    this.#streams.set(topic, set);
    this.emit('live', { topic, live: set.size });
    return stream;
  }

  async #listen(port: number): Promise<void> {
    const http = createServer((_req, res) => res.writeHead(426).end());
    const sockets = new Set<Socket>();
    http.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
    this.#port = (http.address() as AddressInfo).port;
    const wss = new WebSocketServer({ server: http, path: '/graphql' });
    const topicOf = (payload: { variables?: Record<string, unknown> | null | undefined }): unknown => payload.variables?.['topic'];
    const gql = useServer(
      {
        schema: SCHEMA,
        roots: { subscription: { ticks: ({ topic }: { topic: string }) => this.#stream(topic) } },
        onConnect: (ctx) => {
          const params = ctx.connectionParams;
          const token = typeof params?.['token'] === 'string' ? params['token'] : undefined;
          const accepted = this.#validate(token);
          this.connectionAttempts++;
          this.tokens.push(token);
          if (!accepted) this.rejected++;
          this.emit('connect', { token, accepted });
          return accepted;
        },
        onSubscribe: (_ctx, id, payload) => {
          this.subscribes++;
          this.emit('subscribe', { id, topic: topicOf(payload) });
        },
        onComplete: (_ctx, id, payload) => {
          this.completes++;
          this.emit('complete', { id, topic: topicOf(payload) });
        },
      },
      wss,
      this.#keepAliveMs,
    );
    this.#listening = { http, wss, dispose: () => gql.dispose() as Promise<void>, sockets };
  }

  async #stop(abrupt: boolean): Promise<void> {
    const l = this.#listening;
    if (!l) return;
    this.#listening = undefined;
    const clients = [...l.wss.clients];
    const closed = Promise.all(clients.map((c) => closedPromise(c)));
    if (abrupt) for (const c of clients) c.terminate();
    await l.dispose(); // graphql-ws: 1001 to every client, then the ws server closes
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    for (const s of l.sockets) s.destroy();
    await new Promise<void>((resolve) => l.http.close(() => resolve()));
  }
}

function closedPromise(ws: WebSocket): Promise<void> {
  return ws.readyState === ws.CLOSED ? Promise.resolve() : new Promise((resolve) => ws.once('close', () => resolve()));
}
