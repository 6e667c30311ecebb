import { isFatalTokenFailure } from '../auth/classify.js';
import { AuthError, ConnectionError, StreamClientError, describeError, isStreamClientError } from '../core/errors.js';
import type { TaskRegistry, Task } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { Frame, Inbound, StreamSink } from '../protocol/types.js';
import { REFUSED_FAST_MS, type ReconnectScheduler } from '../reconnect/scheduler.js';
import { ControlChannel } from './control.js';
import { Heartbeat } from './heartbeat.js';
import { InboundClock } from './inbound-clock.js';
import { StartGate } from './start-gate.js';
import { canTransition, isLive, isResting, type ConnectionState, type StateChange } from './states.js';
import { LiveSession, SocketEvents, decodeFailure, grantConnectionAccess } from './socket-events.js';
import { classifySocketError, closeLoss, handshakeLoss, type Loss } from './socket-errors.js';
import { openTransport, type Transport } from './transport.js';
import type { ConnectionHooks, ConnectionOptions } from './types.js';

export type { ConnectionHooks, ConnectionOptions, Session } from './types.js';

/**
 * The connection state machine: the only place that changes connection state, logs and emits
 * a transition. Triggers (close, error, heartbeat miss, auth rejection, stop) are requests;
 * each socket carries a generation, and a trigger from an old generation or a state that is
 * no longer live is ignored — a close storm yields one transition and one scheduled attempt.
 */
export class Connection {
  readonly #o: ConnectionOptions;
  readonly #tasks: TaskRegistry;
  readonly #scheduler: ReconnectScheduler;
  readonly #hooks: ConnectionHooks;
  readonly #sink: StreamSink;
  readonly #log: Log;
  readonly #counters: Counters;
  readonly #heartbeat: Heartbeat | undefined;
  /** While a `start()` waits; dropped once it settled (an open connection holds none). */
  #gate: StartGate | undefined;
  readonly #events: SocketEvents;
  #state: ConnectionState = 'idle';
  #since: number;
  #gen = 0;
  #transport: Transport | undefined;
  #attemptAbort: AbortController | undefined;
  #deadline: Task | undefined;
  #control: ControlChannel | undefined;
  #token: string | undefined;
  readonly #inboundAt = new InboundClock();
  #retryHintMs: number | undefined;
  /** Clock time the current socket was created: a failure soon after is a refusal (server down). */
  #socketAt = 0;
  /** The credential of this session has not been proven yet (no handshake, no ack so far). */
  #unproven = false;

  static {
    grantConnectionAccess({
      write: (c, gen, frame) => c.#write(gen, frame),
      buffered: (c, gen) => (gen === c.#gen && c.#transport ? c.#transport.bufferedAmount() : 0),
      token: (c) => c.#token,
      // The current transport is the current generation's: #transport is cleared whenever #gen moves on.
      open: (c, t) => {
        if (t !== c.#transport) return;
        const gen = c.#gen;
        c.#handshake(gen).catch((err: unknown) => c.#fault(err, gen === c.#gen));
      },
      frame: (c, t, frame) => t === c.#transport && c.#frame(frame),
      close: (c, t, code, reason) => t === c.#transport && c.#lose(closeLoss(c.#o.protocol, code, reason)),
      error: (c, t, err) =>
        t === c.#transport &&
        ((err as { code?: unknown } | null)?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? c.#tooLarge() : c.#lose(classifySocketError(err))),
      pong: (c) => {
        c.#inboundAt.touch(c.#tasks.clock);
      },
      lastInboundAt: (c) => c.#inboundAt.last,
      probe: (c) => c.#probe(),
      fault: (c, t, err) => c.#fault(err, t === c.#transport),
      dead: (c) =>
        c.#lose({ kind: 'retry', reason: 'heartbeat-timeout', error: new ConnectionError('HEARTBEAT_TIMEOUT', 'no frame within the heartbeat timeout') }),
    });
  }

  constructor(o: ConnectionOptions, deps: { tasks: TaskRegistry; scheduler: ReconnectScheduler; hooks: ConnectionHooks; sink: StreamSink; log: Log; counters: Counters }) {
    this.#o = o;
    this.#tasks = deps.tasks;
    this.#scheduler = deps.scheduler;
    this.#hooks = deps.hooks;
    this.#sink = deps.sink;
    this.#log = deps.log;
    this.#counters = deps.counters;
    this.#since = deps.tasks.clock.now();
    this.#events = new SocketEvents(this);
    this.#heartbeat = o.heartbeat ? new Heartbeat(o.heartbeat, deps.tasks, this.#events) : undefined;
  }

  get state(): ConnectionState { return this.#state; }
  /** Wall time of the last transition (durations run on the steady clock; a person reads wall time). */
  get since(): number { return this.#tasks.clock.wallOf(this.#since); }
  get lastMessageAt(): number | undefined { return this.#inboundAt.last ? this.#tasks.clock.wallOf(this.#inboundAt.last) : undefined; }
  get attempt(): number { return this.#scheduler.attempt; }

  /** Connect (or join the connect in progress). Resolves on open; rejects when it gives up. */
  start(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(new StreamClientError('CLIENT_CLOSED', 'client is closed'));
    if (this.#state === 'open') return Promise.resolve();
    const wait = (this.#gate ??= new StartGate()).wait();
    if (isResting(this.#state)) {
      this.#scheduler.reset();
      void this.#connect('start').catch((err: unknown) => this.#fault(err));
    }
    return wait;
  }

  /** Go offline (closing handshake, bounded). Registrations are the caller's to keep. */
  stop(): Promise<void> {
    return this.#halt('stopped', 'stop', 'CLIENT_STOPPED');
  }

  /** Release everything. Idempotent. */
  close(): Promise<void> {
    return this.#halt('closed', 'close', 'CLIENT_CLOSED');
  }

  /** The network came back (browser `online`): a pending reconnect runs now, on a fresh backoff. */
  online(): void {
    if (this.#state !== 'reconnecting') return;
    this.#scheduler.cancel();
    this.#scheduler.reset();
    void this.#connect('online');
  }

  /** The runtime lost the network (browser `offline`): give the socket up now, not at the heartbeat. */
  offline(): void {
    this.#lose({ kind: 'retry', reason: 'offline', error: new ConnectionError('CONNECTION_FAILED', 'the network went offline') });
  }

  /** Send on the open socket. False when not open (the caller queues). */
  send(frame: Frame): boolean {
    if (this.#state !== 'open') return false;
    this.#write(this.#gen, frame);
    return true;
  }

  /** In-band re-auth on the open socket with a new token; a refusal reconnects. */
  async reauth(token: string): Promise<boolean> {
    const reauth = this.#o.protocol.reauth;
    if (this.#state !== 'open' || this.#control) return false;
    if (!reauth) {
      // No in-band re-auth: the handshake token stays, but frames that carry the credential
      // (KIS subscribe frames) use the new one from now on.
      this.#token = token;
      return false;
    }
    const gen = this.#gen;
    const abort = new AbortController();
    const channel = (this.#control = new ControlChannel(token, abort.signal, (f) => this.send(f)));
    const timer = this.#tasks.timeout('connection.reauth-timeout', this.#o.handshakeTimeoutMs, () =>
      abort.abort(new ConnectionError('HANDSHAKE_TIMEOUT', 'no answer to re-auth')),
    );
    try {
      await reauth.call(this.#o.protocol, channel);
      if (gen !== this.#gen) return false;
      this.#token = token;
      this.#counters.reauths++;
      this.#log.info('auth.reauth', { protocol: this.#o.protocol.name });
      return true;
    } catch (err) {
      // Guarded: the caller (the refresher's onToken) does not await this promise.
      if (gen === this.#gen) this.#loseGuarded(handshakeLoss(err));
      return false;
    } finally {
      timer.cancel();
      abort.abort();
      if (this.#control === channel) this.#control = undefined;
    }
  }

  async #connect(reason: string): Promise<void> {
    const gen = ++this.#gen;
    // A hint belongs to the session that sent it, even one sent before the handshake completed.
    this.#retryHintMs = undefined;
    const abort = (this.#attemptAbort = new AbortController());
    this.#transition('connecting', reason, { attempt: this.#scheduler.attempt });
    this.#counters.connectAttempts++;
    let token: string | undefined;
    try {
      token = await this.#hooks.credential(abort.signal);
    } catch (err) {
      if (gen !== this.#gen) return;
      const error = isStreamClientError(err) ? err : new AuthError('AUTH_FAILED', `token unavailable: ${describeError(err)}`, { cause: err });
      // Only a token error retrying cannot fix ends here; an outage of the token service is a reconnect.
      return this.#lose(isFatalTokenFailure(error) ? { kind: 'fatal', reason: 'auth-failed', error } : { kind: 'retry', reason: 'token-unavailable', error });
    }
    if (gen !== this.#gen) return;
    this.#token = token;
    this.#o.protocol.reset?.(); // per-connection protocol state (operation ids, keys) starts afresh
    // Armed before the socket options are built: loading a proxy module counts against the connect too.
    this.#deadline = this.#tasks.timeout('connection.connect-timeout', this.#o.connectTimeoutMs, () =>
      this.#loseGuarded({ kind: 'retry', reason: 'connect-timeout', error: new ConnectionError('CONNECT_TIMEOUT', `no open within ${this.#o.connectTimeoutMs} ms`) }),
    );
    try {
      const url = typeof this.#o.url === 'function' ? this.#o.url(token === undefined ? {} : { token }) : this.#o.url;
      let init = this.#o.socketInit?.(url, token, this.#log.redactor);
      if (init instanceof Promise) {
        init = await init;
        if (gen !== this.#gen) return;
      }
      this.#transport = openTransport(this.#o.WebSocket, url, this.#o.protocol.subprotocols, this.#events, init, this.#o.maxFrameBytes);
      this.#socketAt = this.#tasks.clock.now();
    } catch (err) {
      if (gen !== this.#gen) return;
      // A bad URL, a headers() that throws or returns no header record: the next try fails alike.
      const error = isStreamClientError(err) ? err : new ConnectionError('CONNECTION_FAILED', `cannot open socket: ${describeError(err)}`, { cause: err });
      return this.#lose({ kind: 'fatal', reason: 'bad-url', error });
    }
  }

  async #handshake(gen: number): Promise<void> {
    this.#deadline?.cancel();
    this.#inboundAt.touch(this.#tasks.clock);
    this.#transition('authenticating', 'socket-open');
    const abort = this.#attemptAbort ?? new AbortController();
    const channel = (this.#control = new ControlChannel(this.#token, abort.signal, (f) => this.#write(gen, f)));
    this.#deadline = this.#tasks.timeout('connection.handshake-timeout', this.#o.handshakeTimeoutMs, () =>
      this.#loseGuarded({ kind: 'retry', reason: 'handshake-timeout', error: new ConnectionError('HANDSHAKE_TIMEOUT', `no handshake within ${this.#o.handshakeTimeoutMs} ms`) }),
    );
    try {
      await this.#o.protocol.handshake?.(channel);
    } catch (err) {
      if (gen === this.#gen) this.#lose(handshakeLoss(err));
      return;
    }
    if (gen !== this.#gen || this.#state !== 'authenticating') return;
    this.#deadline.cancel();
    this.#deadline = undefined;
    this.#control = undefined;
    this.#attemptAbort = undefined; // the attempt is over: an open session holds no AbortController
    // Resubscription runs before `open` is announced, so the session writes to its own socket
    // for as long as its generation is current, not only in state `open`.
    this.#unproven = !this.#o.protocol.handshake;
    if (!this.#unproven) this.#hooks.accepted();
    this.#hooks.ready(new LiveSession(this, gen));
    this.#counters.connects++;
    this.#transition('open', 'handshake-complete');
    this.#scheduler.opened();
    this.#heartbeat?.start();
    this.#gate?.resolve();
    this.#gate = undefined;
    // What came in with the ack (a snapshot in the same read) and the handshake did not read.
    for (const m of channel.drain()) {
      if (gen !== this.#gen) return;
      this.#inbound(m, this.#inboundAt.last);
    }
  }

  /** Write to the socket of generation `gen`; a frame for a socket that is gone is dropped. */
  #write(gen: number, frame: Frame): void {
    if (gen !== this.#gen || !this.#transport) return;
    this.#transport.send(frame);
    this.#counters.messagesOut++;
  }

  #frame(frame: Frame): void {
    const now = this.#inboundAt.frame(this.#tasks.clock);
    this.#counters.messagesIn++;
    // `ws` refuses such a frame itself; other WebSocket implementations are checked on receipt.
    if ((typeof frame === 'string' ? frame.length : frame.byteLength) > this.#o.maxFrameBytes) return this.#tooLarge();
    const p = this.#o.protocol;
    let decoded;
    try {
      // The fast path hands data to the sink as it decodes; what comes back is the rest. During
      // the handshake every message, data too, is the handshake's: plain `decode`, see #inbound.
      const handshaking = this.#control !== undefined && this.#state === 'authenticating';
      decoded = p.decodeInto !== undefined && !handshaking ? p.decodeInto(frame, this.#sink, now) : p.decode(frame);
    } catch (err) {
      this.#counters.decodeErrors++;
      const error = decodeFailure(err);
      this.#log.warn('decode.error', { protocol: p.name, err: error, bytes: typeof frame === 'string' ? frame.length : frame.byteLength });
      this.#hooks.error(error);
      return;
    }
    if (decoded === undefined) return;
    if ('type' in decoded) this.#inbound(decoded as Inbound, now);
    else for (const m of decoded as readonly Inbound[]) this.#inbound(m, now);
  }

  /** One decoded message; `receivedAt`: its frame's receive time. */
  #inbound(m: Inbound, receivedAt: number): void {
    switch (m.type) {
      case 'ping':
        if (m.reply !== undefined) this.#write(this.#gen, m.reply); // counted in messagesOut like every frame we send
        return;
      case 'pong':
      case 'ignore':
        return;
      case 'retry':
        this.#retryHintMs = m.afterMs;
        return;
      case 'auth-ok':
      case 'auth-rejected':
        if (this.#control) return this.#toControl(this.#control, m);
        if (m.type === 'auth-rejected') this.#lose({ kind: 'auth', reason: 'auth-rejected', error: new AuthError('AUTH_REJECTED', `server rejected the token (${m.reason})`) });
        return;
      default:
        if (this.#state === 'authenticating' && this.#control) return this.#toControl(this.#control, m);
        if (m.type === 'data') return this.#sink.data(m.topic, m.key, m.data, m.seq, receivedAt);
        if (this.#unproven && m.type === 'subscribed') {
          this.#unproven = false;
          this.#hooks.accepted();
        }
        this.#hooks.message(m);
    }
  }

  #toControl(channel: ControlChannel, m: Inbound): void {
    const error = channel.push(m);
    if (error === undefined) return;
    this.#log.warn('connection.error', { protocol: this.#o.protocol.name, err: error });
    this.#hooks.error(error);
    this.#lose({ kind: 'retry', reason: 'protocol-error', error });
  }

  /**
   * An error escaped a socket callback, the connect or the handshake chain (a hostile input met
   * a bug): it is never the caller's process's to catch. It is always reported; the socket it
   * concerns, when still the current one, is given up like any other loss.
   */
  #fault(err: unknown, current = true): void {
    const error = new ConnectionError('CONNECTION_FAILED', `internal error in the connection: ${describeError(err)}`, { cause: err });
    try {
      this.#log.error('connection.error', { protocol: this.#o.protocol.name, err: error });
      if (current) this.#lose({ kind: 'retry', reason: 'internal-error', error });
      this.#hooks.error(error);
    } catch {
      // The loss path itself failed: the state it left is the best there is; never rethrow.
    }
  }

  /**
   * A loss from a timer callback or an unawaited chain (deadlines, re-auth). What it reaches (a
   * state listener, the registry) must not throw into the process from there, as from a socket callback.
   */
  #loseGuarded(loss: Loss): void {
    try {
      this.#lose(loss);
    } catch (err) {
      this.#fault(err);
    }
  }

  /** An inbound frame over `maxFrameBytes`: report it, drop the socket, reconnect. */
  #tooLarge(): void {
    const error = new ConnectionError('FRAME_TOO_LARGE', `inbound frame larger than maxFrameBytes (${this.#o.maxFrameBytes})`, { details: { maxFrameBytes: this.#o.maxFrameBytes } });
    this.#log.warn('connection.error', { reason: 'frame-too-large', maxFrameBytes: this.#o.maxFrameBytes });
    this.#hooks.error(error);
    this.#lose({ kind: 'retry', reason: 'frame-too-large', error });
  }

  #probe(): void {
    if (this.#o.protocol.liveness === 'passive') return; // the heartbeat's timeout alone decides
    this.#counters.heartbeatProbes++;
    this.#log.debug('connection.heartbeat', { probe: this.#counters.heartbeatProbes });
    if (this.#transport?.ping()) return;
    const frame = this.#o.protocol.ping?.();
    if (frame !== undefined) this.#transport?.send(frame);
  }

  /** The one place a live socket is given up. Late and duplicate triggers end here, ignored. */
  #lose(loss: Loss): void {
    if (!isLive(this.#state)) return;
    const wasOpen = this.#state === 'open';
    const down = this.#refused(loss);
    this.#dropSocket();
    if (wasOpen) this.#counters.disconnects++;
    else this.#counters.connectFailures++;
    if (loss.reason === 'heartbeat-timeout') this.#counters.heartbeatTimeouts++;
    let kind = loss.kind;
    if (kind === 'auth' && this.#hooks.authRejected(this.#token) === 'fatal') kind = 'fatal';
    if (kind === 'fatal') return this.#fail(loss.reason, loss.error ?? new ConnectionError('FATAL_CLOSE', loss.reason));
    const hint = loss.hintMs ?? this.#retryHintMs;
    this.#retryHintMs = undefined;
    const plan = this.#scheduler.schedule(() => void this.#connect('retry').catch((err: unknown) => this.#fault(err)), hint, down);
    if (!plan) return this.#fail('max-attempts', new ConnectionError('MAX_ATTEMPTS', `gave up after ${this.#scheduler.attempt} attempts`, loss.error ? { cause: loss.error } : {}));
    this.#counters.reconnectsScheduled++;
    this.#transition('reconnecting', loss.reason, plan);
  }

  /**
   * The socket failed before opening, with no HTTP answer, within {@link REFUSED_FAST_MS} of
   * being created: nothing listens there (server down), as opposed to a timeout (unreachable)
   * or an answered rejection (`upgrade:503`, over capacity), which keep the full backoff.
   */
  #refused(loss: Loss): boolean {
    return (
      this.#state === 'connecting' &&
      this.#transport !== undefined &&
      (loss.reason === 'error' || loss.reason === 'close:1006') &&
      this.#tasks.clock.now() - this.#socketAt < REFUSED_FAST_MS
    );
  }

  #fail(reason: string, error: StreamClientError): void {
    this.#transition('failed', reason);
    this.#hooks.error(error);
    this.#gate?.reject(error);
    this.#gate = undefined;
  }

  /** Forget the current socket: listeners off, timers off, handshake aborted, parts told. */
  #dropSocket(): Transport | undefined {
    this.#gen++;
    const transport = this.#transport;
    this.#transport = undefined;
    transport?.terminate();
    this.#cleanupAttempt();
    this.#scheduler.closed();
    this.#hooks.down();
    return transport;
  }

  #cleanupAttempt(): void {
    this.#deadline?.cancel();
    this.#deadline = undefined;
    this.#heartbeat?.stop();
    this.#attemptAbort?.abort(new ConnectionError('CONNECTION_CLOSED', 'attempt abandoned'));
    this.#attemptAbort = undefined;
    this.#control = undefined;
  }

  async #halt(to: 'stopped' | 'closed', reason: string, code: 'CLIENT_STOPPED' | 'CLIENT_CLOSED'): Promise<void> {
    if (this.#state === 'closed' || (to === 'stopped' && isResting(this.#state))) return;
    this.#gen++;
    const transport = this.#transport;
    this.#transport = undefined;
    this.#cleanupAttempt();
    this.#scheduler.cancel();
    this.#scheduler.closed();
    if (transport) this.#hooks.down();
    this.#transition(to, reason);
    this.#gate?.reject(new StreamClientError(code, to === 'closed' ? 'client closed' : 'client stopped'));
    this.#gate = undefined;
    await transport?.closeGracefully(1000, reason, this.#o.closeTimeoutMs, this.#tasks);
  }

  #transition(to: ConnectionState, reason: string, extra: { attempt?: number; delayMs?: number; hintMs?: number } = {}): void {
    const from = this.#state;
    if (!canTransition(from, to)) throw new Error(`steadystream bug: transition ${from} -> ${to} (${reason})`);
    this.#state = to;
    this.#since = this.#tasks.clock.now();
    this.#counters.stateTransitions++;
    const change: StateChange = { from, to, reason, ...extra };
    this.#log.info('connection.state', change);
    this.#hooks.transition(change);
  }
}
