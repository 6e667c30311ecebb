import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'eventemitter3';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { waitFor } from '../wait-for.js';
import type { WaitForOptions } from '../wait-for.js';
import { ApprovalEndpoint } from './approval-endpoint.js';
import { resolveKisSimulatorOptions } from './options.js';
import type { KisSimulatorCounters, KisSimulatorEventName, KisSimulatorEvents, KisSimulatorOptions, ResolvedKisSimulatorOptions } from './options.js';
import { KisSimSession, type KisSessionHost } from './session.js';
import { dataFrame, recordText, type KisSimRecord } from './wire.js';

/** The only address the simulator ever listens on. */
const HOST = '127.0.0.1';

/**
 * Starts a loopback KIS (Korea Investment & Securities) simulator on 127.0.0.1, a free port:
 * the approval endpoint (`POST {httpUrl}/oauth2/Approval`) and the realtime socket (`wsUrl`)
 * on one listener. It enforces what the real service enforces: approval keys that expire,
 * 41 registrations per session, one session per app key (OPSP8996 with `"tr_id":"(null)"`,
 * then the socket is closed), a half-open session held for `halfOpenHoldMs`, tr_id/tr_key
 * validation (OPSP8991/8992), HTS ids (OPSP0017), injected transient failures, and
 * PINGPONG answers (text echo or pong) within `pongTimeoutMs` when one is set.
 * @example
 * const sim = await createKisSimulator({ pingIntervalMs: 1_000 });
 * const client = new StreamClient({
 *   url: sim.wsUrl,
 *   protocol: kisProtocol(),
 *   auth: { fetchToken: kisApprovalKey({ baseUrl: sim.httpUrl, appKey: 'app', appSecret: 'secret' }) },
 * });
 * sim.publish('H0STCNT0', '005930', [{ price: 71_000, change: 500, changeRate: 0.71 }]);
 */
export async function createKisSimulator(options: KisSimulatorOptions = {}): Promise<KisSimulator> {
  const resolved = resolveKisSimulatorOptions(options);
  const http = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, HOST, () => {
      http.off('error', reject);
      resolve();
    });
  });
  return new KisSimulator(resolved, http);
}

/** A KIS realtime + approval simulator. Create it with `createKisSimulator()`. */
export class KisSimulator extends EventEmitter<KisSimulatorEvents> implements AsyncDisposable {
  /** `http://127.0.0.1:<port>`: the `baseUrl` of `kisApprovalKey`. */
  readonly httpUrl: string;
  /** `ws://127.0.0.1:<port>`: the realtime socket. */
  readonly wsUrl: string;
  /** The port both endpoints listen on (127.0.0.1). */
  readonly port: number;
  readonly #o: ResolvedKisSimulatorOptions;
  readonly #http: Server;
  readonly #wss = new WebSocketServer({ noServer: true, clientTracking: false });
  readonly #approval: ApprovalEndpoint;
  readonly #sessions = new Set<KisSimSession>();
  /** app key -> the live session holding it. */
  readonly #holders = new Map<string, KisSimSession>();
  readonly #sockets = new Set<Socket>();
  readonly #paused = new Set<string>();
  /** Transient failures to answer the next subscribes with, in order. */
  readonly #injected: string[] = [];
  readonly #closed = new AbortController();
  readonly #counters: Omit<KisSimulatorCounters, 'liveSessions'>;
  #nextId = 1;
  #closing: Promise<void> | undefined;

  /** @internal Use `createKisSimulator()`. */
  constructor(options: ResolvedKisSimulatorOptions, http: Server) {
    super();
    this.#o = options;
    this.#http = http;
    const address = http.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    this.httpUrl = `http://${HOST}:${this.port}`;
    this.wsUrl = `ws://${HOST}:${this.port}`;
    this.#counters = {
      approvalsIssued: 0,
      approvalsRefused: 0,
      sessionsOpened: 0,
      maxSessionsPerAppKey: 0,
      subscribeFrames: new Map(),
      unsubscribeFrames: new Map(),
      invalidKeyRejections: 0,
      inUseRejections: 0,
      invalidRequestRejections: 0,
      transientRejections: 0,
      limitRejections: 0,
      pingsSent: 0,
      pongsReceived: 0,
      pingTimeouts: 0,
    };
    this.#approval = new ApprovalEndpoint({
      credentials: options.credentials,
      ttlMs: options.approvalTtlMs,
      delayMs: options.approvalDelayMs,
      answered: (appKey, status) => {
        if (status === 200) this.#counters.approvalsIssued++;
        else this.#counters.approvalsRefused++;
        this.emit('approval', { appKey, status });
      },
    });
    http.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    http.on('request', (req, res) => this.#approval.handle(req, res));
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head));
  }

  /** Counters so far (a snapshot). */
  get counters(): KisSimulatorCounters {
    const c = this.#counters;
    return { ...c, liveSessions: this.#sessions.size, subscribeFrames: new Map(c.subscribeFrames), unsubscribeFrames: new Map(c.unsubscribeFrames) };
  }

  /** Live sessions, oldest first. */
  sessions(): KisSimSession[] {
    return [...this.#sessions];
  }

  /** Registrations across live sessions: topic -> sessions holding it. */
  subscriptions(): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.#sessions) for (const t of s.topics()) out.set(t, (out.get(t) ?? 0) + 1);
    return out;
  }

  /**
   * Send `records` of `trId` for `symbol` in one frame (`0|TR|NNN|…`, or `1|…` encrypted with
   * each session's key/iv for `trId`) to every session registered to `trId:symbol`. Paused
   * symbols are dropped. Objects are built into full records (H0STCNT0 and H0STASP0 only).
   * @returns the number of sessions the frame went to
   */
  publish(trId: string, symbol: string, records: readonly KisSimRecord[], options: { encrypted?: boolean } = {}): number {
    if (this.#closing !== undefined || this.#paused.has(symbol) || records.length === 0) return 0;
    const body = records.map((r) => recordText(trId, symbol, r)).join('^');
    const encrypted = options.encrypted ?? this.#o.encryptedTrIds.has(trId);
    const topic = `${trId}:${symbol}`;
    let plain: string | undefined;
    let sent = 0;
    for (const s of this.#sessions) {
      if (!s.topics().has(topic)) continue;
      const frame = encrypted ? dataFrame(trId, body, records.length, s.aes(trId)) : (plain ??= dataFrame(trId, body, records.length));
      if (s.send(frame)) sent++;
    }
    return sent;
  }

  /** Stop (or, with `false`, resume) publishing a symbol, on every tr_id. @default on true */
  pauseSymbol(symbol: string, on = true): void {
    if (on) this.#paused.add(symbol);
    else this.#paused.delete(symbol);
  }

  /** Terminate every socket (clients see 1006; the server knows). App keys are free at once. @returns sessions dropped */
  dropAll(): number {
    const sessions = [...this.#sessions];
    for (const s of sessions) s.terminate();
    return sessions.length;
  }

  /**
   * The network path of every session dies without a close (half-open): nothing more reaches
   * the client, nothing from it arrives, its close is never seen. The server keeps each session
   * and its app key for `halfOpenHoldMs` (option), so a reconnect meets OPSP8996 meanwhile.
   * @returns sessions made half-open
   */
  halfOpenAll(holdMs = this.#o.halfOpenHoldMs): number {
    const sessions = [...this.#sessions];
    for (const s of sessions) s.halfOpen(holdMs);
    return sessions.length;
  }

  /**
   * The next `count` valid subscribes get `msgCd` (OPSP0007 subscribe internal error, OPSP0009
   * MCI send failed, OPSP8999 resource not available: KIS's transient codes) instead of an ack.
   */
  failNextSubscribes(count: number, msgCd: 'OPSP0007' | 'OPSP0009' | 'OPSP8999' = 'OPSP0007'): void {
    for (let i = 0; i < count; i++) this.#injected.push(msgCd);
  }

  /** Every approval key issued so far stops working: subscribes with one get OPSP0011. @returns keys expired */
  expireKeys(): number {
    return this.#approval.expireAll();
  }

  /** The next `count` approval requests fail with `status` (e.g. 503 outage, 403 refusal). @default status 503 */
  failApprovals(count: number, status = 503): void {
    this.#approval.fail(count, status);
  }

  /** Send a PINGPONG on every session now. */
  pingAll(): void {
    for (const s of this.#sessions) s.ping();
  }

  /** Resolves with the next `event` (passing `filter`); rejects after `timeoutMs` or on close. */
  waitFor<K extends KisSimulatorEventName>(
    event: K,
    options: Omit<WaitForOptions<KisSimulatorEvents[K][0]>, 'signal'> = {},
  ): Promise<KisSimulatorEvents[K][0]> {
    return waitFor(this, event, { ...options, signal: this.#closed.signal });
  }

  /** Close every socket and the listener; nothing is left behind. Idempotent. */
  close(): Promise<void> {
    return (this.#closing ??= this.#shutdown());
  }

  /** `close()`, for `await using sim = await createKisSimulator()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    this.#closed.abort(new Error('kis simulator closed'));
    this.#approval.dispose();
    const sessions = [...this.#sessions];
    for (const s of sessions) s.terminate();
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(sessions.map((s) => s.closed));
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
    for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    if (this.#closing !== undefined) {
      socket.destroy();
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#adopt(ws));
  }

  #adopt(ws: WebSocket): void {
    if (this.#closing !== undefined) {
      ws.terminate();
      return;
    }
    const session = new KisSimSession(this.#nextId++, ws, this.#sessionHost());
    this.#sessions.add(session);
    this.#counters.sessionsOpened++;
    this.emit('session', { id: session.id });
  }

  #sessionHost(): KisSessionHost {
    const sim = this;
    const c = this.#counters;
    return {
      options: this.#o,
      appKeyOf: (k) => this.#approval.appKeyOf(k),
      claim: (appKey, session) => {
        const holder = this.#holders.get(appKey);
        if (holder !== undefined && holder !== session && holder.open) return false;
        this.#holders.set(appKey, session);
        let holding = 0;
        for (const s of this.#sessions) if (s.open && (s === session || s.appKey === appKey)) holding++;
        c.maxSessionsPerAppKey = Math.max(c.maxSessionsPerAppKey, holding);
        return true;
      },
      release: (session) => {
        this.#sessions.delete(session);
        const appKey = session.appKey;
        if (appKey !== undefined && this.#holders.get(appKey) === session) this.#holders.delete(appKey);
      },
      takeInjected: () => this.#injected.shift(),
      count: (what, topic) => {
        const m = what === 'subscribe' ? c.subscribeFrames : c.unsubscribeFrames;
        m.set(topic, (m.get(topic) ?? 0) + 1);
      },
      bump: (counter) => {
        c[counter]++;
      },
      emit: (event, payload) => {
        (sim.emit as (e: string, p: unknown) => boolean)(event, payload);
      },
    };
  }
}
