import type { KisSimulatorEvents, ResolvedKisSimulatorOptions } from './options.js';
import { nullReplyFrame, pingFrame, randomText, replyFrame } from './wire.js';

/** What a session asks of its simulator. */
export interface KisSessionHost {
  readonly options: ResolvedKisSimulatorOptions;
  /** The app key of a valid approval key, else `undefined`. */
  appKeyOf(approvalKey: unknown): string | undefined;
  /** Take the app key for this session; false when another live session holds it. */
  claim(appKey: string, session: KisSimSession): boolean;
  /** The session is gone: free its app key. Idempotent. */
  release(session: KisSimSession): void;
  count(what: 'subscribe' | 'unsubscribe', topic: string): void;
  bump(
    counter:
      | 'invalidKeyRejections'
      | 'inUseRejections'
      | 'limitRejections'
      | 'pingsSent'
      | 'pongsReceived'
      | 'pingTimeouts'
      | 'invalidRequestRejections'
      | 'transientRejections',
  ): void;
  /** The next injected transient failure (OPSP0007/0009/8999), if any is queued. */
  takeInjected(): string | undefined;
  emit<K extends keyof KisSimulatorEvents>(event: K, payload: KisSimulatorEvents[K][0]): void;
}

/**
 * The members of a server-side `ws` socket a session uses. Structural, so that the published
 * declarations of `steadystream/testing` need no `@types/ws`.
 */
export interface KisSimSocket {
  once(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'message', listener: (data: Buffer) => void): unknown;
  on(event: 'pong', listener: (data: Buffer) => void): unknown;
  send(text: string): void;
  terminate(): void;
  close(code: number, reason: string): void;
}

/** The close the simulator sends after OPSP8996 (one session per app key). Code and reason assumed. */
export const IN_USE_CLOSE = {
  /** The close code. */
  code: 1000,
  /** The close reason. */
  reason: 'ALREADY IN USE appkey',
} as const;

/** Notice TRs: subscribed with the HTS id (open-trading-api `ws_domestic_overseas_all.py`). */
const NOTICE_TRS: ReadonlySet<string> = new Set(['H0STCNI0', 'H0STCNI9', 'H0GSCNI0']);
/** Domestic market TRs take a 6-character short code, e.g. `005930` (assumed from the samples' keys). */
const DOMESTIC_KEY = /^[0-9A-Z]{6}$/;

/** What a tr_key must look like for `trId`: false answers OPSP8992 (the rule is assumed). */
function validTrKey(trId: string, trKey: string): boolean {
  if (/^H0(ST|NX|UN)/.test(trId) && !NOTICE_TRS.has(trId)) return DOMESTIC_KEY.test(trKey);
  return trKey.length <= 32;
}

/**
 * One client socket of the KIS simulator: request frames, the registrations of this session
 * (bounded by `maxSubscriptions`), the AES key/iv per tr_id, and the PINGPONG keep-alive.
 */
export class KisSimSession {
  /** Sequential id, also in the simulator's events. */
  readonly id: number;
  readonly #ws: KisSimSocket;
  readonly #host: KisSessionHost;
  readonly #topics = new Set<string>();
  readonly #aes = new Map<string, { key: string; iv: string }>();
  #pingTimer: unknown;
  #pongTimer: unknown;
  #holdTimer: unknown;
  /** Half-open: the path is dead. Nothing goes out, nothing comes in; the server still holds the session. */
  #muted = false;
  #pendingPing: string | undefined;
  #appKey: string | undefined;
  #open = true;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;

  /** @internal Created by the simulator for each accepted socket. */
  constructor(id: number, ws: KisSimSocket, host: KisSessionHost) {
    this.id = id;
    this.#ws = ws;
    this.#host = host;
    this.closed = new Promise<void>((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => {
        // A half-open session's close never reaches the real server: it keeps holding it.
        if (!this.#muted) this.#gone();
        host.emit('disconnect', { id, code, reason: reason.toString() });
        resolve();
      });
    });
    ws.on('error', () => {}); // a reset peer must not crash the test process
    ws.on('message', (data: Buffer) => this.#onMessage(data.toString('utf8')));
    // KIS's main sample answers PINGPONG with a WebSocket pong carrying the text (open-trading-api `kis_auth.py`).
    ws.on('pong', (data: Buffer) => this.#answered(data.toString('utf8'), 'pong'));
    this.#armPing();
  }

  #armPing(): void {
    const every = this.#host.options.pingIntervalMs;
    if (every <= 0 || !this.#open) return;
    this.#pingTimer = this.#host.options.timers.setTimeout(() => {
      this.ping();
      this.#armPing();
    }, every);
  }

  /** True until the socket closes. */
  get open(): boolean {
    return this.#open;
  }

  /** The app key this session holds (set by its first valid subscribe). */
  get appKey(): string | undefined {
    return this.#appKey;
  }

  /** Topics registered on this session. */
  topics(): ReadonlySet<string> {
    return this.#topics;
  }

  /** The AES key/iv of `trId` on this session (created on first use, as on a subscribe reply). */
  aes(trId: string): {
    /** AES-256 key, 32 characters. */
    key: string;
    /** CBC iv, 16 characters. */
    iv: string;
  } {
    let k = this.#aes.get(trId);
    if (!k) this.#aes.set(trId, (k = { key: randomText(32), iv: randomText(16) }));
    return k;
  }

  /** Send a text frame; false when the session is closed or muted. */
  send(text: string): boolean {
    if (!this.#open || this.#muted) return false;
    this.#ws.send(text);
    return true;
  }

  /**
   * Send a PINGPONG now. With a `pongTimeoutMs`, arm the answer deadline (and send no other
   * while one is unanswered); without, a missing answer is never punished.
   */
  ping(): void {
    const { pongTimeoutMs, timers } = this.#host.options;
    if (!this.#open || this.#muted || (pongTimeoutMs > 0 && this.#pendingPing !== undefined)) return;
    const text = pingFrame();
    this.#pendingPing = text;
    this.#host.bump('pingsSent');
    this.#host.emit('ping', { id: this.id });
    if (pongTimeoutMs > 0) {
      this.#pongTimer = timers.setTimeout(() => {
        this.#host.bump('pingTimeouts');
        this.#host.emit('ping-timeout', { id: this.id });
        this.terminate();
      }, pongTimeoutMs);
    }
    this.send(text);
  }

  /**
   * The path dies without a close (half-open): nothing more is sent or read, the client's
   * close never arrives, and the server keeps the session and its app key for `holdMs`.
   */
  halfOpen(holdMs: number): void {
    if (!this.#open || this.#muted) return;
    this.#muted = true;
    this.#clearTimers();
    this.#holdTimer = this.#host.options.timers.setTimeout(() => {
      this.terminate();
      this.#host.emit('hold-expired', { id: this.id });
    }, holdMs);
  }

  /** Abrupt loss (the client sees 1006). The app key is free at once: the server knows. */
  terminate(): void {
    this.#gone();
    this.#ws.terminate();
  }

  /** Close the socket with `code` and `reason`; the app key is free at once. */
  close(code: number, reason: string): void {
    this.#gone();
    this.#ws.close(code, reason);
  }

  #clearTimers(): void {
    const { timers } = this.#host.options;
    timers.clearTimeout(this.#pingTimer);
    timers.clearTimeout(this.#pongTimer);
    timers.clearTimeout(this.#holdTimer);
  }

  #gone(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#clearTimers();
    this.#host.release(this);
  }

  /** A PINGPONG answer (text echo or pong payload); anything else is not one. */
  #answered(text: string, how: 'text' | 'pong'): boolean {
    if (!this.#open || this.#muted || this.#pendingPing === undefined || text !== this.#pendingPing) return false;
    this.#pendingPing = undefined;
    this.#host.options.timers.clearTimeout(this.#pongTimer);
    this.#host.bump('pongsReceived');
    this.#host.emit('pong', { id: this.id, how });
    return true;
  }

  #onMessage(text: string): void {
    if (!this.#open || this.#muted) return;
    if (this.#answered(text, 'text')) return;
    let m: { header?: Record<string, unknown>; body?: { input?: Record<string, unknown> } } | undefined;
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      m = undefined;
    }
    const header = m?.header;
    if (header?.['tr_id'] === 'PINGPONG') return; // a stale echo: harmless
    const input = m?.body?.input;
    const trId = typeof input?.['tr_id'] === 'string' ? input['tr_id'] : '';
    const trKey = typeof input?.['tr_key'] === 'string' ? input['tr_key'] : '';
    const trType = header?.['tr_type'];
    if (!trId || !trKey || (trType !== '1' && trType !== '2')) {
      this.send(replyFrame(trId, trKey, '1', 'OPSP9999', 'simulator: malformed request'));
      return;
    }
    this.#request(trType, trId, trKey, header?.['approval_key']);
  }

  #request(trType: '1' | '2', trId: string, trKey: string, approvalKey: unknown): void {
    const host = this.#host;
    const topic = `${trId}:${trKey}`;
    host.count(trType === '1' ? 'subscribe' : 'unsubscribe', topic);
    const answer = (rtCd: '0' | '1', msgCd: string, msg1: string, output?: { iv: string; key: string }, encrypt: 'Y' | 'N' = 'N'): void => {
      this.send(replyFrame(trId, trKey, rtCd, msgCd, msg1, output, encrypt));
      host.emit('subscribe', { id: this.id, topic, trType, msgCd });
    };
    const refuse = (msgCd: string, msg1: string): void => {
      host.bump('invalidRequestRejections');
      this.send(nullReplyFrame('1', msgCd, msg1));
      host.emit('subscribe', { id: this.id, topic, trType, msgCd });
    };
    const appKey = host.appKeyOf(approvalKey);
    if (appKey === undefined) {
      host.bump('invalidKeyRejections');
      return answer('1', 'OPSP0011', 'invalid approval : NOT FOUND');
    }
    if (this.#appKey === undefined) {
      if (!host.claim(appKey, this)) {
        host.bump('inUseRejections');
        // The exact frame KIS sends, then it ends the session (open-trading-api samples, issue 13).
        this.send(nullReplyFrame('9', 'OPSP8996', 'ALREADY IN USE appkey'));
        host.emit('subscribe', { id: this.id, topic, trType, msgCd: 'OPSP8996' });
        return this.close(IN_USE_CLOSE.code, IN_USE_CLOSE.reason);
      }
      this.#appKey = appKey;
    }
    if (trType === '2') {
      return this.#topics.delete(topic) ? answer('0', 'OPSP0001', 'UNSUBSCRIBE SUCCESS') : answer('1', 'OPSP0003', 'UNSUBSCRIBE ERROR(not found!)');
    }
    // Not tied to a topic: "(null)" tr_id (as in KIS's samples; the msg1 texts are assumed).
    if (!host.options.trIds.has(trId)) return refuse('OPSP8991', 'invalid tr_id');
    if (NOTICE_TRS.has(trId) && host.options.htsIds !== undefined && !host.options.htsIds.has(trKey)) return refuse('OPSP0017', 'invalid hts_id');
    if (!validTrKey(trId, trKey)) return refuse('OPSP8992', 'invalid tr_key');
    const injected = host.takeInjected();
    if (injected !== undefined) {
      host.bump('transientRejections');
      return answer('1', injected, 'simulator: injected transient failure'); // tied to the topic: assumed
    }
    if (this.#topics.has(topic)) return answer('1', 'OPSP0002', 'ALREADY IN SUBSCRIBE');
    if (this.#topics.size >= host.options.maxSubscriptions) {
      host.bump('limitRejections');
      return answer('1', 'OPSP0008', 'MAX SUBSCRIBE OVER');
    }
    this.#topics.add(topic);
    const { key, iv } = this.aes(trId);
    answer('0', 'OPSP0000', 'SUBSCRIBE SUCCESS', { iv, key }, host.options.encryptedTrIds.has(trId) ? 'Y' : 'N');
  }
}
