import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'eventemitter3';
import type WebSocket from 'ws';
import { JsonServerSession } from './json-server-session.js';
import { HOST, listen, type Listener } from './listener.js';
import type { SessionHost } from './json-server-session.js';
import type { ReceivedFrame, TestConnection, TestServerEventName, TestServerEvents } from './server-events.js';
import { resolveTestServerOptions } from './server-options.js';
import type { ResolvedTestServerOptions, TestServerOptions } from './server-options.js';
import { RingLog } from './ring-log.js';
import { TopicLog } from './topic-log.js';
import { UpgradeGate } from './upgrade-gate.js';
import type { RefuseOptions } from './upgrade-gate.js';
import { waitFor } from './wait-for.js';
import type { WaitForOptions } from './wait-for.js';

/**
 * Starts a real `ws` server on 127.0.0.1 that speaks jsonProtocol, with controls to push data,
 * drop, refuse, silence and reject auth. Close it with `await server.close()`.
 * @example
 * const server = await createTestServer({ history: 100 });
 * const client = new StreamClient({ url: server.url });
 * await server.waitFor('subscribe', { filter: (e) => e.topic === 'AAPL' });
 * server.publish('AAPL', { price: 1 });
 */
export async function createTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const resolved = resolveTestServerOptions(options);
  return new TestServer(resolved, await listen(resolved.port));
}

/** A jsonProtocol WebSocket server for tests. Create it with `createTestServer()`. */
export class TestServer extends EventEmitter<TestServerEvents> implements AsyncDisposable {
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  readonly #options: ResolvedTestServerOptions;
  readonly #listener: Listener;
  readonly #topics: TopicLog;
  readonly #received: RingLog<ReceivedFrame>;
  readonly #sessions = new Set<JsonServerSession>();
  readonly #paused = new Set<string>();
  readonly #gate = new UpgradeGate();
  /** Aborted by `close()`: pending `waitFor`s reject. */
  readonly #closed = new AbortController();
  readonly #pingTimer: ReturnType<typeof setInterval> | undefined;
  readonly #host: SessionHost;
  #nextId = 1;
  #silent = false;
  #closing: Promise<void> | undefined;

  /** @internal Use `createTestServer()`. */
  constructor(options: ResolvedTestServerOptions, listener: Listener) {
    super();
    this.#options = options;
    this.#listener = listener;
    this.#topics = new TopicLog(options.history);
    this.#received = new RingLog(options.maxReceived);
    this.#host = this.#sessionHost();
    this.port = listener.port;
    this.url = `ws://${HOST}:${this.port}`;
    listener.onUpgrade((req, socket, head) => this.#onUpgrade(req, socket, head));
    this.#pingTimer = options.pingIntervalMs > 0 ? setInterval(() => this.ping(), options.pingIntervalMs) : undefined;
  }

  /** Connections whose socket is open. */
  get connections(): number {
    let n = 0;
    for (const s of this.#sessions) if (s.open) n += 1;
    return n;
  }

  /** Upgrade attempts seen since the start, accepted and refused. */
  get connectionAttempts(): number {
    return this.#gate.attempts;
  }

  /** The last `maxReceived` frames clients sent, oldest first (a copy). */
  get received(): readonly ReceivedFrame[] {
    return this.#received.toArray();
  }

  /** True while `silence()` is on. */
  get silent(): boolean {
    return this.#silent;
  }

  /** Handles on the open connections, oldest first. */
  openConnections(): TestConnection[] {
    return [...this.#sessions].filter((s) => s.open);
  }

  /**
   * Live subscriptions across connections: topic -> count. A connection that subscribed twice
   * to a topic counts twice, so `count > 1` with one connection reveals a duplicate.
   */
  subscriptions(): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.#sessions) {
      for (const [topic, n] of s.subscriptions()) out.set(topic, (out.get(topic) ?? 0) + n);
    }
    return out;
  }

  /**
   * Sends `data` on `topic` with the topic's next `seq` (1, 2, …) to every connection
   * subscribed to it (once per connection) that may receive data. Kept for resume when
   * `history` is on, even while silent. A paused topic drops the publish and uses no seq.
   * @returns the number of connections the frame was sent to
   */
  publish(topic: string, data: unknown): number {
    if (this.#closing !== undefined || this.#paused.has(topic)) return 0;
    const { frame } = this.#topics.append(topic, data);
    let delivered = 0;
    for (const s of this.#sessions) {
      if (s.subscriptionCount(topic) > 0 && s.mayReceiveData && s.send(frame)) delivered += 1;
    }
    return delivered;
  }

  /** The last seq `publish` assigned to `topic`; 0 before the first. */
  lastSeq(topic: string): number {
    return this.#topics.lastSeq(topic);
  }

  /** Sends a raw text frame (malformed ones included) to every connection. @returns connections reached */
  sendRaw(text: string): number {
    let sent = 0;
    for (const s of this.#sessions) if (s.send(text)) sent += 1;
    return sent;
  }

  /** Sends `{"op":"retry","afterMs":…}` to every connection. @returns connections reached */
  sendRetryHint(afterMs: number): number {
    return this.sendRaw(JSON.stringify({ op: 'retry', afterMs }));
  }

  /** Sends `{"op":"ping","t":Date.now()}` to every connection now. @returns connections reached */
  ping(): number {
    return this.sendRaw(JSON.stringify({ op: 'ping', t: Date.now() }));
  }

  /**
   * Rejects the credential of every authenticated connection, as the server would when a
   * token expires mid-session: an `auth_error` frame or a 4401/4403 close (`authRejectMode`).
   * @returns connections affected
   */
  expireAuth(verdict: 'expired' | 'invalid' = 'expired'): number {
    let n = 0;
    for (const s of this.#sessions) {
      if (s.authStatus !== 'authenticated') continue;
      s.rejectAuth(verdict, verdict === 'expired' ? 'token expired' : 'token invalid');
      n += 1;
    }
    return n;
  }

  /**
   * Without a code, terminates every connection (the socket is destroyed, the client sees
   * 1006); with one, closes each with that code. @returns connections affected
   */
  dropAll(code?: number): number {
    const sessions = [...this.#sessions];
    for (const s of sessions) {
      if (code === undefined) s.terminate();
      else s.close(code);
    }
    return sessions.length;
  }

  /** Gracefully closes every connection; resolves once all of them have closed. @default code 1000 */
  async closeAll(code = 1000, reason = ''): Promise<void> {
    const sessions = [...this.#sessions];
    for (const s of sessions) s.close(code, reason);
    await Promise.all(sessions.map((s) => s.closed));
  }

  /**
   * Refuses the next `count` upgrade attempts, then accepts again. `refuse()` refuses until
   * `accept()`. @default count Infinity
   */
  refuse(count = Infinity, options: RefuseOptions = {}): void {
    this.#gate.refuse(count, options);
  }

  /** Accepts upgrades again (ends `refuse()`). */
  accept(): void {
    this.#gate.accept();
  }

  /**
   * Goes silent (half-open simulation): sockets stay open and frames are still received and
   * handled, but nothing is sent: no replies, data, pings, nor pongs to ws-level pings.
   * Whatever would have been sent meanwhile is dropped, not queued. @default on true
   */
  silence(on = true): void {
    this.#silent = on;
  }

  /** Stops (or, with `false`, resumes) publishing `topic`: `publish` drops it. @default on true */
  pauseTopic(topic: string, on = true): void {
    if (on) this.#paused.add(topic);
    else this.#paused.delete(topic);
  }

  /**
   * Resolves with the payload of the next `event` (that passes `filter`); rejects after
   * `timeoutMs` or when the server closes. Call it before the action that causes the event.
   */
  waitFor<K extends TestServerEventName>(event: K, options: Omit<WaitForOptions<TestServerEvents[K][0]>, 'signal'> = {}): Promise<TestServerEvents[K][0]> {
    return waitFor(this, event, { ...options, signal: this.#closed.signal });
  }

  /** Closes every connection and the listener; pending `waitFor`s reject. Idempotent. */
  close(): Promise<void> {
    return (this.#closing ??= this.#shutdown());
  }

  /** `close()`, for `await using server = await createTestServer()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    this.#closed.abort(new Error('test server closed'));
    const sessions = [...this.#sessions];
    for (const s of sessions) s.terminate();
    this.#listener.destroySockets();
    await Promise.all(sessions.map((s) => s.closed));
    await this.#listener.close();
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Peers that reset mid-handshake must not crash the test process.
    socket.on('error', () => {});
    if (this.#closing !== undefined) {
      socket.destroy();
      return;
    }
    const refused = this.#gate.admit(socket);
    if (refused !== undefined) {
      this.emit('refused', { attempt: this.#gate.attempts, mode: refused });
      return;
    }
    this.#listener.upgrade(req, socket, head, (ws: WebSocket) => this.#adopt(ws, req));
  }

  #adopt(ws: WebSocket, req: IncomingMessage): void {
    if (this.#closing !== undefined) {
      ws.terminate();
      return;
    }
    const session = new JsonServerSession(this.#nextId++, ws, req.url ?? '/', req.headers, this.#host);
    this.#sessions.add(session);
    this.emit('connection', session);
  }

  #sessionHost(): SessionHost {
    const server = this;
    return {
      get options() {
        return server.#options;
      },
      get topics() {
        return server.#topics;
      },
      get silent() {
        return server.#silent;
      },
      emit: (event, payload) => {
        (server.emit as (event: string, payload: unknown) => boolean)(event, payload);
      },
      record: (frame) => {
        server.#received.push(frame);
        server.emit('frame', frame);
      },
      detach: (session) => {
        server.#sessions.delete(session);
      },
    };
  }
}
