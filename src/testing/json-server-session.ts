import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import type { RawData } from 'ws';
import type { AuthStatus, ReceivedFrame, TestConnection, TestServerEvents } from './server-events.js';
import type { AuthVerdict, ResolvedTestServerOptions } from './server-options.js';
import type { TopicLog } from './topic-log.js';

/** What a session needs from its server. */
export interface SessionHost {
  readonly options: ResolvedTestServerOptions;
  readonly topics: TopicLog;
  /** While true, nothing is sent: no replies, data, pongs (application or ws-level). */
  readonly silent: boolean;
  emit<K extends keyof TestServerEvents>(event: K, payload: TestServerEvents[K][0]): void;
  /** Logs a received frame (and emits `frame`). */
  record(frame: ReceivedFrame): void;
  /** The socket closed: forget the session. */
  detach(session: JsonServerSession): void;
}

const CLOSE_CODE: Record<Exclude<AuthVerdict, 'ok'>, number> = { expired: 4401, invalid: 4403 };

/** ws hands every frame over as bytes; text and binary frames alike are read as UTF-8. */
function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The server side of jsonProtocol for one socket: auth state, subscriptions, replies. */
export class JsonServerSession implements TestConnection {
  readonly id: number;
  readonly path: string;
  readonly headers: Readonly<IncomingHttpHeaders>;
  /** Settles when the socket has closed, however it closed. Never rejects. */
  readonly closed: Promise<void>;
  readonly #socket: WebSocket;
  readonly #host: SessionHost;
  readonly #subs = new Map<string, number>();
  #subCount = 0;
  #auth: AuthStatus;

  constructor(id: number, socket: WebSocket, path: string, headers: IncomingHttpHeaders, host: SessionHost) {
    this.id = id;
    this.path = path;
    this.headers = headers;
    this.#socket = socket;
    this.#host = host;
    this.#auth = host.options.requireAuth ? 'awaiting' : 'not-required';
    socket.on('message', (data) => this.#onMessage(data));
    // autoPong is off on the server so that `silence()` also swallows ws-level pongs.
    socket.on('ping', (data) => {
      if (!this.#host.silent) socket.pong(data);
    });
    // A peer's protocol violation surfaces here; the socket then closes, which is what we report.
    socket.on('error', () => {});
    let markClosed!: () => void;
    this.closed = new Promise((resolve) => (markClosed = resolve));
    socket.once('close', (code, reason) => {
      markClosed();
      host.detach(this);
      host.emit('disconnect', { connection: this, code, reason: reason.toString('utf8') });
    });
  }

  get open(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  get authStatus(): AuthStatus {
    return this.#auth;
  }

  /** True when data frames may be delivered (auth not required, or accepted). */
  get mayReceiveData(): boolean {
    return this.#auth === 'not-required' || this.#auth === 'authenticated';
  }

  subscriptions(): ReadonlyMap<string, number> {
    return new Map(this.#subs);
  }

  subscriptionCount(topic: string): number {
    return this.#subs.get(topic) ?? 0;
  }

  send(text: string): boolean {
    if (this.#host.silent || this.#socket.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(text);
    return true;
  }

  close(code = 1000, reason = ''): void {
    this.#socket.close(code, reason);
  }

  terminate(): void {
    this.#socket.terminate();
  }

  /** Rejects the current credential from the server side, as `authRejectMode` says. */
  rejectAuth(verdict: Exclude<AuthVerdict, 'ok'>, message: string): void {
    this.#auth = this.#auth === 'not-required' ? 'not-required' : 'rejected';
    if (this.#host.options.authRejectMode === 'close') this.close(CLOSE_CODE[verdict], message);
    else this.#json({ op: 'auth_error', code: verdict, message });
  }

  #json(frame: Record<string, unknown>): boolean {
    return this.send(JSON.stringify(frame));
  }

  #onMessage(data: RawData): void {
    const raw = rawText(data);
    const message = parseObject(raw);
    const op = typeof message?.['op'] === 'string' ? message['op'] : undefined;
    this.#host.record({ connectionId: this.id, raw, op, message });
    if (message === undefined) {
      this.#json({ op: 'error', code: 'bad_request', message: 'frame is not a JSON object' });
      return;
    }
    switch (op) {
      case 'auth':
        return this.#onAuth(message['token']);
      case 'subscribe':
        return this.#onSubscribe(message);
      case 'unsubscribe':
        return this.#onUnsubscribe(message['topic']);
      case 'ping':
        this.#json({ op: 'pong', t: message['t'] });
        return;
      case 'pong':
        return;
      default:
        this.#json({ op: 'error', code: 'bad_request', message: `unknown op ${JSON.stringify(op ?? null)}` });
    }
  }

  #onAuth(token: unknown): void {
    const text = typeof token === 'string' ? token : '';
    const verdict: AuthVerdict = typeof token === 'string' ? this.#host.options.validate(text) : 'invalid';
    this.#host.emit('auth', { connection: this, token: text, verdict });
    if (verdict === 'ok') {
      if (this.#auth !== 'not-required') this.#auth = 'authenticated';
      this.#json({ op: 'auth_ok' });
    } else {
      this.rejectAuth(verdict, verdict === 'expired' ? 'token expired' : 'token invalid');
    }
  }

  #onSubscribe(message: Record<string, unknown>): void {
    const topic = message['topic'];
    if (typeof topic !== 'string' || topic === '') {
      this.#json({ op: 'error', code: 'bad_request', message: 'subscribe needs a non-empty topic' });
      return;
    }
    const from = typeof message['from'] === 'number' ? message['from'] : undefined;
    const result = this.#admit(topic);
    let replayed = 0;
    if (result === 'ok') {
      this.#subs.set(topic, this.subscriptionCount(topic) + 1);
      this.#subCount += 1;
      this.#json({ op: 'subscribed', topic, seq: this.#host.topics.lastSeq(topic) });
      if (from !== undefined && this.mayReceiveData) {
        for (const entry of this.#host.topics.since(topic, from)) if (this.send(entry.frame)) replayed += 1;
      }
    } else {
      this.#json({ op: 'error', topic, code: result, message: `subscribe to ${JSON.stringify(topic)} refused (${result})` });
    }
    this.#host.emit('subscribe', { connection: this, topic, params: message['params'], from, result, replayed });
  }

  /** `'ok'` or the error code a subscribe is refused with. */
  #admit(topic: string): string {
    if (this.#auth === 'awaiting' || this.#auth === 'rejected') return 'unauthorized';
    const rejected = this.#host.options.rejectTopics(topic);
    if (rejected !== undefined) return rejected;
    if (this.#subCount >= this.#host.options.maxSubscriptions) return 'limit';
    return 'ok';
  }

  #onUnsubscribe(topic: unknown): void {
    if (typeof topic !== 'string') {
      this.#json({ op: 'error', code: 'bad_request', message: 'unsubscribe needs a topic' });
      return;
    }
    const count = this.subscriptionCount(topic);
    if (count > 1) this.#subs.set(topic, count - 1);
    else this.#subs.delete(topic);
    if (count > 0) this.#subCount -= 1;
    // Idempotent, like most servers: unsubscribing an unknown topic is still acknowledged.
    this.#json({ op: 'unsubscribed', topic });
    this.#host.emit('unsubscribe', { connection: this, topic });
  }
}
