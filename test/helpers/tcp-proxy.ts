import { EventEmitter, once } from 'node:events';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';

/** The only address the proxy listens on and connects to. Never anything else. */
const HOST = '127.0.0.1';

/** Bytes queued per direction of one connection (our queue plus the socket's) before the source is paused. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/** `'pass'`: bytes flow. `'blackhole'`: see {@link TcpProxy.blackhole}. `'refuse'`: see {@link TcpProxy.refuse}. */
export type ProxyMode = 'pass' | 'blackhole' | 'refuse';

/**
 * How new connections are refused. `'unlisten'` closes the listener, so a client gets
 * ECONNREFUSED, like a server that is down. `'reset'` accepts and resets at once (counted in
 * `refused`), like a load balancer with no healthy backend.
 */
export type RefuseHow = 'unlisten' | 'reset';

/** Slow drip: every chunk is split into pieces of at most `bytesPerChunk`, one released per `intervalMs`. */
export interface DripOptions {
  bytesPerChunk: number;
  intervalMs: number;
}

export interface TcpProxyOptions {
  /** Port on 127.0.0.1 to forward to. */
  target: number;
  /** Per direction of a connection; beyond it the sending side is paused (TCP backpressure). @default 1 MiB */
  maxBufferedBytes?: number;
}

/** What `closeStorm()` did. `complete`: all `count` resets happened within the window. */
export interface StormResult {
  readonly resets: number;
  readonly elapsedMs: number;
  readonly complete: boolean;
}

/** Events of the proxy, for bounded waits (`waitFor(proxy, 'disconnect', …)`). */
export interface TcpProxyEvents {
  /** A connection was accepted and is being forwarded. */
  connection: [];
  /** A forwarded connection ended (both sides closed). */
  disconnect: [];
  /** A connection was reset by the proxy (resetAll, storm, refusal by reset, blackhole lifted). */
  reset: [];
  /** A chunk came in from one side (before any delay); `'up'` is client to target. */
  chunk: [direction: 'up' | 'down', bytes: number];
  /** The blackhole dropped a chunk of `bytes`. */
  drop: [bytes: number];
  /** The blackhole swallowed a FIN from one side (`'up'`: the client's). */
  finHidden: [direction: 'up' | 'down'];
}

interface Settings {
  latencyMs: number;
  drip: DripOptions | undefined;
  readonly maxBufferedBytes: number;
}

interface Piece {
  readonly chunk: Buffer;
  readonly dueAt: number;
}

/** Resets `socket` (RST); one still connecting is reset once connected (Node waits for it). */
function rst(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}

/**
 * One direction of a connection: a queue of timestamped pieces released in order by a single
 * timer, so latency is pipelined (each chunk leaves at arrival + latency), never serialized.
 */
class Pipe {
  #queue: Piece[] = [];
  /** Index of the next piece to release (no O(n) shift per piece on a long drip). */
  #head = 0;
  #queuedBytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastDueAt = 0;
  #sourceEnded = false;
  bytes = 0;
  writes = 0;
  peak = 0;

  constructor(
    readonly from: Socket,
    readonly to: Socket,
    readonly settings: Settings,
  ) {
    to.on('drain', () => this.#maybeResume());
  }

  push(chunk: Buffer): void {
    const { latencyMs, drip } = this.settings;
    if (latencyMs === 0 && drip === undefined && this.#pending() === 0) return this.#write(chunk);
    const now = performance.now();
    const step = drip?.intervalMs ?? 0;
    const size = drip?.bytesPerChunk ?? chunk.length;
    for (let at = 0; at < chunk.length; at += size) {
      // In order even when latency was lowered meanwhile; a drip keeps its spacing.
      const dueAt = Math.max(now + latencyMs, this.#pending() > 0 || step > 0 ? this.#lastDueAt + step : 0);
      this.#lastDueAt = dueAt;
      const piece = chunk.subarray(at, at + size);
      this.#queue.push({ chunk: piece, dueAt });
      this.#queuedBytes += piece.length;
    }
    this.peak = Math.max(this.peak, this.#buffered());
    if (this.#buffered() > this.settings.maxBufferedBytes) this.from.pause();
    this.#arm();
  }

  /** The source sent FIN: forward it once everything queued is out. */
  end(): void {
    this.#sourceEnded = true;
    if (this.#pending() === 0 && !this.to.destroyed) this.to.end();
  }

  /** Drop everything queued and the timer (blackhole, reset, close). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
  }

  #pending(): number {
    return this.#queue.length - this.#head;
  }

  #buffered(): number {
    return this.#queuedBytes + this.to.writableLength;
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    const head = this.#queue[this.#head];
    if (head === undefined) return;
    this.#timer = setTimeout(() => this.#release(), Math.max(0, Math.ceil(head.dueAt - performance.now())));
  }

  #release(): void {
    this.#timer = undefined;
    const now = performance.now() + 1; // timers have ms resolution
    const dripping = this.settings.drip !== undefined;
    // A drip releases one piece per tick so pieces do not merge into one write.
    for (let head = this.#queue[this.#head]; head !== undefined && head.dueAt <= now; head = this.#queue[this.#head]) {
      this.#head += 1;
      this.#queuedBytes -= head.chunk.length;
      this.#write(head.chunk);
      if (dripping) break;
    }
    if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#pending() === 0 && this.#sourceEnded && !this.to.destroyed) this.to.end();
    this.#maybeResume();
    this.#arm();
  }

  #write(chunk: Buffer): void {
    if (this.to.destroyed || this.to.writableEnded) return;
    this.bytes += chunk.length;
    this.writes += 1;
    if (!this.to.write(chunk) && this.#buffered() > this.settings.maxBufferedBytes) this.from.pause();
  }

  #maybeResume(): void {
    if (this.from.isPaused() && !this.from.destroyed && this.#buffered() <= this.settings.maxBufferedBytes / 2) this.from.resume();
  }
}

/** A client socket and its upstream socket. */
class Pair {
  readonly up: Pipe;
  readonly down: Pipe;
  /** Was blackholed: its bytes were dropped, so it never carries data again. */
  dead = false;
  /** Being reset by the proxy: close events are not propagated. */
  resetting = false;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    settings: Settings,
  ) {
    this.up = new Pipe(client, upstream, settings);
    this.down = new Pipe(upstream, client, settings);
  }

  blackhole(): void {
    this.dead = true;
    this.up.clear();
    this.down.clear();
    // A source paused for backpressure must read again, or its bytes wait instead of dropping.
    if (!this.client.destroyed) this.client.resume();
    if (!this.upstream.destroyed) this.upstream.resume();
  }

  reset(): void {
    this.resetting = true;
    this.up.clear();
    this.down.clear();
    rst(this.client);
    rst(this.upstream);
  }
}

/**
 * A loopback TCP proxy for fault injection: it listens on 127.0.0.1 (a free port) and forwards
 * every connection to 127.0.0.1:`target`. Faults: RST of every connection, refusal (server
 * down), blackhole (half-open), latency, slow drip, close storms. Every timer it starts is
 * cleared by `close()`, which leaves no handle behind. Buffers are bounded per direction.
 * @example
 * const proxy = await createTcpProxy({ target: server.port });
 * const client = new StreamClient({ url: proxy.url() });
 * proxy.resetAll();
 */
export async function createTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const proxy = new TcpProxy(options);
  await proxy.refuse(false);
  return proxy;
}

export class TcpProxy extends EventEmitter<TcpProxyEvents> {
  readonly target: number;
  /** Connections accepted, whatever happened to them next. */
  accepted = 0;
  /** Connections reset on arrival by `refuse(true, 'reset')`. */
  refused = 0;
  /** Connections the proxy reset (every cause). */
  resets = 0;
  /** Bytes dropped by the blackhole. */
  droppedBytes = 0;
  readonly #settings: Settings;
  readonly #pairs = new Set<Pair>();
  readonly #sockets = new Set<Socket>();
  /** Listeners not yet closed (a closed one waits for the connections it accepted). */
  readonly #servers = new Set<Server>();
  #listener: Server | undefined;
  #port = 0;
  #refusing: RefuseHow | undefined;
  #blackholed = false;
  #storm:
    | { remaining: number; resets: number; started: number; count: number; timer: ReturnType<typeof setTimeout>; done: (r: StormResult) => void }
    | undefined;
  /** Listen/unlisten run one at a time. */
  #ops: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  /** Traffic totals of connections that have ended, plus live ones in `stats()`. */
  readonly #done = { bytesUp: 0, bytesDown: 0, writesUp: 0, writesDown: 0, peakBuffered: 0 };

  /** @internal Use `createTcpProxy()`. */
  constructor(options: TcpProxyOptions) {
    super();
    const { target, maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES } = options;
    if (!Number.isInteger(target) || target < 1 || target > 65_535)
      throw new RangeError(`createTcpProxy: target must be a port in 1..65535 (got ${String(target)})`);
    if (!Number.isInteger(maxBufferedBytes) || maxBufferedBytes < 1)
      throw new RangeError(`createTcpProxy: maxBufferedBytes must be a positive integer (got ${String(maxBufferedBytes)})`);
    this.target = target;
    this.#settings = { latencyMs: 0, drip: undefined, maxBufferedBytes };
  }

  /** The port on 127.0.0.1 (stable across `refuse()` on/off). */
  get port(): number {
    return this.#port;
  }

  /** Connections being forwarded now. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** The current mode. */
  get currentMode(): ProxyMode {
    return this.#refusing !== undefined ? 'refuse' : this.#blackholed ? 'blackhole' : 'pass';
  }

  /** `ws://127.0.0.1:<port><path>` */
  url(path = ''): string {
    return `ws://${HOST}:${this.#port}${path}`;
  }

  /** Traffic forwarded so far (writes: separate socket writes, which a drip multiplies). */
  stats(): { bytesUp: number; bytesDown: number; writesUp: number; writesDown: number; peakBuffered: number } {
    const s = { ...this.#done };
    for (const p of this.#pairs) {
      s.bytesUp += p.up.bytes;
      s.bytesDown += p.down.bytes;
      s.writesUp += p.up.writes;
      s.writesDown += p.down.writes;
      s.peakBuffered = Math.max(s.peakBuffered, p.up.peak, p.down.peak);
    }
    return s;
  }

  /** Switch to one mode: `'pass'` lifts refusal and blackhole. */
  async mode(next: ProxyMode): Promise<void> {
    if (next === 'refuse') return this.refuse(true);
    this.blackhole(next === 'blackhole');
    await this.refuse(false);
  }

  /** RST both sides of every forwarded connection (the client sees ECONNRESET / 1006). @returns connections reset */
  resetAll(): number {
    const pairs = [...this.#pairs];
    for (const p of pairs) this.#reset(p);
    return pairs.length;
  }

  /**
   * Refuse new connections (server down) until `refuse(false)`; open ones are left alone
   * (pair with `resetAll()` for a crash). Resolves once the listener is in the new state.
   * @default on true, how 'unlisten'
   */
  refuse(on = true, how: RefuseHow = 'unlisten'): Promise<void> {
    this.#assertOpen();
    this.#refusing = on ? how : undefined;
    const listen = !on || how === 'reset';
    const op = this.#ops.catch(() => {}).then(() => (listen ? this.#listen() : this.#unlisten()));
    this.#ops = op;
    return op;
  }

  /**
   * Half-open: every connection, open or new, stays open while nothing flows either way;
   * bytes are dropped, not buffered, and closes are not passed on (a partition hides them).
   * Lifting it (`blackhole(false)`) resets the connections it hit: their streams lost bytes,
   * and on a healed network each side learns the other is gone. @default on true
   */
  blackhole(on = true): void {
    this.#assertOpen();
    this.#blackholed = on;
    for (const p of this.#pairs) {
      if (on) p.blackhole();
      else if (p.dead) this.#reset(p);
    }
  }

  /** One-way delay added to every chunk from now on, each direction. `0` turns it off. */
  latency(ms: number): void {
    this.#assertOpen();
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`latency: ms must be a finite number >= 0 (got ${ms})`);
    this.#settings.latencyMs = ms;
  }

  /** Split chunks and release them slowly; `false` turns it off. */
  drip(options: DripOptions | false): void {
    this.#assertOpen();
    if (options === false) {
      this.#settings.drip = undefined;
      return;
    }
    const { bytesPerChunk, intervalMs } = options;
    if (!Number.isInteger(bytesPerChunk) || bytesPerChunk < 1) throw new RangeError(`drip: bytesPerChunk must be a positive integer (got ${bytesPerChunk})`);
    if (!(intervalMs >= 0) || !Number.isFinite(intervalMs)) throw new RangeError(`drip: intervalMs must be a finite number >= 0 (got ${intervalMs})`);
    this.#settings.drip = { bytesPerChunk, intervalMs };
  }

  /**
   * A close storm: resets every open connection, then each new one as it arrives, until
   * `count` resets happened or `withinMs` passed. Resolves with what it did.
   */
  closeStorm(count: number, withinMs: number): Promise<StormResult> {
    this.#assertOpen();
    if (this.#storm) throw new Error('closeStorm: a storm is already running');
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`closeStorm: count must be a positive integer (got ${count})`);
    if (!(withinMs > 0) || !Number.isFinite(withinMs)) throw new RangeError(`closeStorm: withinMs must be a finite number > 0 (got ${withinMs})`);
    return new Promise<StormResult>((done) => {
      const timer = setTimeout(() => this.#endStorm(), withinMs);
      this.#storm = { remaining: count, resets: 0, started: performance.now(), count, timer, done };
      for (const p of [...this.#pairs]) {
        if (!this.#storm) break;
        this.#reset(p);
        this.#stormHit();
      }
    });
  }

  /** Reset everything, clear every timer, stop listening. Leaves no handle. Idempotent. */
  close(): Promise<void> {
    return (this.#closing ??= this.#shutdown());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #shutdown(): Promise<void> {
    this.#endStorm();
    this.#refusing = 'unlisten';
    await this.#ops.catch(() => {});
    for (const p of this.#pairs) p.reset();
    for (const s of this.#sockets) s.destroy();
    await this.#unlisten();
    const closing = [...this.#sockets].map((s) => (s.closed ? undefined : once(s, 'close')));
    closing.push(...[...this.#servers].map((s) => once(s, 'close')));
    await Promise.all(closing);
    // Handles are released in the next close-callbacks phase; two immediates are past it.
    for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  #assertOpen(): void {
    if (this.#closing) throw new Error('tcp proxy is closed');
  }

  async #listen(): Promise<void> {
    if (this.#listener || this.#closing) return;
    const server = createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: HOST, port: this.#port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (typeof address === 'object' && address !== null) this.#port = address.port;
    this.#listener = server;
    this.#servers.add(server);
    server.once('close', () => this.#servers.delete(server));
  }

  async #unlisten(): Promise<void> {
    const server = this.#listener;
    this.#listener = undefined;
    // close() shuts the listening socket now; its 'close' waits for the accepted connections.
    server?.close();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('error', () => {}); // resets are the point here
    socket.once('close', () => this.#sockets.delete(socket));
  }

  #accept(client: Socket): void {
    this.#track(client);
    this.accepted += 1;
    if (this.#closing) return void client.destroy();
    if (this.#storm) {
      this.#rstOnArrival(client);
      return this.#stormHit();
    }
    if (this.#refusing === 'reset') {
      this.refused += 1;
      return this.#rstOnArrival(client);
    }
    const upstream = connect({ host: HOST, port: this.target, allowHalfOpen: true });
    this.#track(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair = new Pair(client, upstream, this.#settings);
    this.#pairs.add(pair);
    if (this.#blackholed) pair.blackhole();
    const pass = (pipe: Pipe, direction: 'up' | 'down') => (chunk: Buffer) => {
      this.emit('chunk', direction, chunk.length);
      if (!pair.dead) return pipe.push(chunk);
      this.droppedBytes += chunk.length;
      this.emit('drop', chunk.length);
    };
    client.on('data', pass(pair.up, 'up'));
    upstream.on('data', pass(pair.down, 'down'));
    client.on('end', () => (pair.dead ? this.emit('finHidden', 'up') : pair.up.end()));
    upstream.on('end', () => (pair.dead ? this.emit('finHidden', 'down') : pair.down.end()));
    const closed = (other: Socket, toSide: Pipe) => (hadError: boolean) => {
      if (other.closed) return this.#forget(pair);
      if (pair.dead || pair.resetting) return; // a partition hides closes; a reset is already both ways
      toSide.clear(); // nobody left to receive it
      if (hadError) rst(other); // an RST is passed on as an RST
    };
    client.once('close', closed(upstream, pair.down));
    upstream.once('close', closed(client, pair.up));
    this.emit('connection');
  }

  #rstOnArrival(client: Socket): void {
    this.resets += 1;
    client.resetAndDestroy();
    this.emit('reset');
  }

  #reset(p: Pair): void {
    if (p.resetting) return;
    this.resets += 1;
    p.reset();
    this.emit('reset');
  }

  #forget(p: Pair): void {
    if (!this.#pairs.delete(p)) return;
    p.up.clear();
    p.down.clear();
    const d = this.#done;
    d.bytesUp += p.up.bytes;
    d.bytesDown += p.down.bytes;
    d.writesUp += p.up.writes;
    d.writesDown += p.down.writes;
    d.peakBuffered = Math.max(d.peakBuffered, p.up.peak, p.down.peak);
    this.emit('disconnect');
  }

  #stormHit(): void {
    const s = this.#storm;
    if (!s) return;
    s.resets += 1;
    s.remaining -= 1;
    if (s.remaining <= 0) this.#endStorm();
  }

  #endStorm(): void {
    const s = this.#storm;
    if (!s) return;
    this.#storm = undefined;
    clearTimeout(s.timer);
    s.done({ resets: s.resets, elapsedMs: performance.now() - s.started, complete: s.resets >= s.count });
  }
}
