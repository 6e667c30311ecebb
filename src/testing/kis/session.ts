import type { KisSimulatorEvents, ResolvedKisSimulatorOptions } from './options.js';
import { pingFrame, randomText, replyFrame } from './wire.js';

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
  bump(counter: 'invalidKeyRejections' | 'inUseRejections' | 'limitRejections' | 'pingsSent' | 'pongsReceived' | 'pingTimeouts'): void;
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
  send(text: string): void;
  terminate(): void;
  close(code: number, reason: string): void;
}

/** The close the simulator sends after OPSP8996 (one session per app key). */
export const IN_USE_CLOSE = { code: 1000, reason: 'ALREADY IN USE appkey' } as const;

/**
 * One client socket of the KIS simulator: request frames, the registrations of this session
 * (bounded by `maxSubscriptions`), the AES key/iv per tr_id, and the PINGPONG keep-alive.
 */
export class KisSimSession {
  readonly id: number;
  readonly #ws: KisSimSocket;
  readonly #host: KisSessionHost;
  readonly #topics = new Set<string>();
  readonly #aes = new Map<string, { key: string; iv: string }>();
  readonly #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
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
        this.#gone();
        host.emit('disconnect', { id, code, reason: reason.toString() });
        resolve();
      });
    });
    ws.on('error', () => {}); // a reset peer must not crash the test process
    ws.on('message', (data: Buffer) => this.#onMessage(data.toString('utf8')));
    const every = host.options.pingIntervalMs;
    this.#pingTimer = every > 0 ? setInterval(() => this.ping(), every) : undefined;
  }

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
  aes(trId: string): { key: string; iv: string } {
    let k = this.#aes.get(trId);
    if (!k) this.#aes.set(trId, (k = { key: randomText(32), iv: randomText(16) }));
    return k;
  }

  send(text: string): boolean {
    if (!this.#open) return false;
    this.#ws.send(text);
    return true;
  }

  /** Send a PINGPONG now (unless one is still unanswered) and arm the echo deadline. */
  ping(): void {
    if (!this.#open || this.#pendingPing !== undefined) return;
    const text = pingFrame();
    this.#pendingPing = text;
    this.#host.bump('pingsSent');
    this.#host.emit('ping', { id: this.id });
    this.#pongTimer = setTimeout(() => {
      this.#host.bump('pingTimeouts');
      this.#host.emit('ping-timeout', { id: this.id });
      this.terminate();
    }, this.#host.options.pongTimeoutMs);
    this.send(text);
  }

  /** Abrupt loss (the client sees 1006). The app key is free at once: the server knows. */
  terminate(): void {
    this.#gone();
    this.#ws.terminate();
  }

  close(code: number, reason: string): void {
    this.#gone();
    this.#ws.close(code, reason);
  }

  #gone(): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#host.release(this);
  }

  #onMessage(text: string): void {
    if (!this.#open) return;
    if (this.#pendingPing !== undefined && text === this.#pendingPing) {
      this.#pendingPing = undefined;
      clearTimeout(this.#pongTimer);
      this.#host.bump('pongsReceived');
      this.#host.emit('pong', { id: this.id });
      return;
    }
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
    const answer = (rtCd: '0' | '1', msgCd: string, msg1: string, output?: { iv: string; key: string }): void => {
      this.send(replyFrame(trId, trKey, rtCd, msgCd, msg1, output));
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
        answer('1', 'OPSP8996', 'ALREADY IN USE appkey');
        return this.close(IN_USE_CLOSE.code, IN_USE_CLOSE.reason);
      }
      this.#appKey = appKey;
    }
    if (trType === '2') {
      return this.#topics.delete(topic)
        ? answer('0', 'OPSP0001', 'UNSUBSCRIBE SUCCESS')
        : answer('1', 'OPSP0003', 'UNSUBSCRIBE ERROR(not found!)');
    }
    if (this.#topics.has(topic)) return answer('1', 'OPSP0002', 'ALREADY IN SUBSCRIBE');
    if (this.#topics.size >= host.options.maxSubscriptions) {
      host.bump('limitRejections');
      return answer('1', 'OPSP0008', 'MAX SUBSCRIBE OVER');
    }
    this.#topics.add(topic);
    const { key, iv } = this.aes(trId);
    answer('0', 'OPSP0000', 'SUBSCRIBE SUCCESS', { iv, key });
  }
}
