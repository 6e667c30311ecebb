import { ConnectionError, StreamClientError, describeError } from '../core/errors.js';
import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { Frame, StreamSink } from '../protocol/types.js';
import type { ReconnectScheduler } from '../reconnect/scheduler.js';
import { refused, runAttempt } from './attempt.js';
import { authenticating, handshake, reauth, type HandshakeOwner } from './handshake.js';
import { Heartbeat } from './heartbeat.js';
import { InboundClock } from './inbound-clock.js';
import {
  CLOSED,
  FAILED,
  IDLE,
  RECONNECTING,
  STOPPED,
  isLivePhase,
  release,
  type Authenticating,
  type Connecting,
  type Open,
  type Phase,
  type Resting,
} from './phase.js';
import { LiveSession } from './session.js';
import { StartGate } from './start-gate.js';
import { canTransition, isResting, type ConnectionState, type StateChange } from './states.js';
import { SocketSide, type SocketOwner } from './socket-side.js';
import type { Loss } from './socket-errors.js';
import type { Transport } from './transport.js';
import type { ConnectionHooks, ConnectionOptions } from './types.js';

export type { ConnectionHooks, ConnectionOptions, Session } from './types.js';

/**
 * The connection state machine: the only place that changes connection state, logs and emits
 * a transition. Triggers (close, error, heartbeat miss, auth rejection, stop) are requests;
 * each socket carries a generation, and a trigger from an old generation or a state that is
 * no longer live is ignored — a close storm yields one transition and one scheduled attempt.
 */
export class Connection implements SocketOwner, HandshakeOwner {
  readonly options: ConnectionOptions;
  readonly tasks: TaskRegistry;
  readonly #scheduler: ReconnectScheduler;
  readonly #hooks: ConnectionHooks;
  readonly #log: Log;
  readonly #counters: Counters;
  readonly #heartbeat: Heartbeat | undefined;
  readonly #side: SocketSide;
  readonly #inboundAt = new InboundClock();
  #phase: Phase = IDLE;
  /** Clock time of the last transition. */
  #since: number;
  /** The generation of the current socket; moves on whenever a socket is given up. */
  #gen = 0;
  /** While a `start()` waits; dropped once it settled (an open connection holds none). */
  #gate: StartGate | undefined;

  constructor(
    o: ConnectionOptions,
    deps: { tasks: TaskRegistry; scheduler: ReconnectScheduler; hooks: ConnectionHooks; sink: StreamSink; log: Log; counters: Counters },
  ) {
    this.options = o;
    this.tasks = deps.tasks;
    this.#scheduler = deps.scheduler;
    this.#hooks = deps.hooks;
    this.#log = deps.log;
    this.#counters = deps.counters;
    this.#since = deps.tasks.clock.now();
    this.#side = new SocketSide(this, o, { ...deps, inboundAt: this.#inboundAt });
    this.#heartbeat = o.heartbeat ? new Heartbeat(o.heartbeat, deps.tasks, this.#side) : undefined;
  }

  get state(): ConnectionState {
    return this.#phase.kind;
  }
  /** Wall time of the last transition (durations run on the steady clock; a person reads wall time). */
  get since(): number {
    return this.tasks.clock.wallOf(this.#since);
  }
  get lastMessageAt(): number | undefined {
    return this.#inboundAt.last ? this.tasks.clock.wallOf(this.#inboundAt.last) : undefined;
  }
  get attempt(): number {
    return this.#scheduler.attempt;
  }

  /** Connect (or join the connect in progress). Resolves on open; rejects when it gives up. */
  start(): Promise<void> {
    const kind = this.#phase.kind;
    if (kind === 'closed') return Promise.reject(new StreamClientError('CLIENT_CLOSED', 'client is closed'));
    if (kind === 'open') return Promise.resolve();
    const wait = (this.#gate ??= new StartGate()).wait();
    if (isResting(kind)) {
      this.#scheduler.reset();
      void this.#connect('start').catch((err: unknown) => this.fault(err));
    }
    return wait;
  }

  /** Go offline (closing handshake, bounded). Registrations are the caller's to keep. */
  stop(): Promise<void> {
    return this.#halt(STOPPED, 'stop', 'CLIENT_STOPPED');
  }

  /** Release everything. Idempotent. */
  close(): Promise<void> {
    return this.#halt(CLOSED, 'close', 'CLIENT_CLOSED');
  }

  /** The network came back (browser `online`): a pending reconnect runs now, on a fresh backoff. */
  online(): void {
    if (this.#phase.kind !== 'reconnecting') return;
    this.#scheduler.cancel();
    this.#scheduler.reset();
    void this.#connect('online');
  }

  /** The runtime lost the network (browser `offline`): give the socket up now, not at the heartbeat. */
  offline(): void {
    this.lose({ kind: 'retry', reason: 'offline', error: new ConnectionError('CONNECTION_FAILED', 'the network went offline') });
  }

  /** Send on the open socket. False when not open (the caller queues). */
  send(frame: Frame): boolean {
    const p = this.#phase;
    if (p.kind !== 'open') return false;
    this.#side.write(p.gen, frame);
    return true;
  }

  /** In-band re-auth on the open socket with a new token; a refusal reconnects. */
  reauth(token: string): Promise<boolean> {
    return reauth(this, token);
  }

  // SocketOwner
  /** The current state, with what it holds. */
  get phase(): Phase {
    return this.#phase;
  }

  /** The attempt's socket opened: its handshake starts. */
  opened(p: Connecting, t: Transport): void {
    const a = authenticating(this, this.#side, p, t);
    this.#enter(a, 'socket-open');
    handshake(this, this.#side, a).catch((err: unknown) => this.fault(err, a.gen === this.#gen));
  }

  /** The generation of the current socket. */
  get gen(): number {
    return this.#gen;
  }

  async #connect(reason: string): Promise<void> {
    const p: Connecting = {
      kind: 'connecting',
      gen: ++this.#gen,
      abort: new AbortController(),
      token: undefined,
      deadline: undefined,
      transport: undefined,
      socketAt: 0,
    };
    this.#enter(p, reason, { attempt: this.#scheduler.attempt });
    this.#counters.connectAttempts++;
    const loss = await runAttempt(p, {
      o: this.options,
      tasks: this.tasks,
      credential: (signal) => this.#hooks.credential(signal),
      secrets: this.#log.redactor,
      handlers: this.#side,
      stale: () => p.gen !== this.#gen,
      timedOut: (l) => this.loseGuarded(l),
    });
    if (loss !== undefined && p.gen === this.#gen) this.lose(loss);
  }

  // HandshakeOwner (with `phase`, `gen`, `send`, `lose` and `loseGuarded`)
  /**
   * The handshake completed. Resubscription (`ready`) runs before `open` is announced: the
   * session writes to its own socket for as long as its generation is current.
   */
  established(a: Authenticating): void {
    const { gen, transport, token } = a;
    const open: Open = { kind: 'open', gen, transport, token, unproven: !this.options.protocol.handshake, reauth: undefined };
    if (!open.unproven) this.#hooks.accepted();
    this.#hooks.ready(new LiveSession(this.#side, gen));
    this.#counters.connects++;
    this.#enter(open, 'handshake-complete');
    this.#scheduler.opened();
    this.#heartbeat?.start();
    this.#gate?.resolve();
    this.#gate = undefined;
  }

  reauthed(): void {
    this.#counters.reauths++;
    this.#log.info('auth.reauth', { protocol: this.options.protocol.name });
  }

  /**
   * An error escaped a socket callback, the connect or the handshake chain (a hostile input met
   * a bug): it is never the caller's process's to catch. It is always reported; the socket it
   * concerns, when still the current one, is given up like any other loss.
   */
  fault(err: unknown, current = true): void {
    const error = new ConnectionError('CONNECTION_FAILED', `internal error in the connection: ${describeError(err)}`, { cause: err });
    try {
      this.#log.error('connection.error', { protocol: this.options.protocol.name, err: error });
      if (current) this.lose({ kind: 'retry', reason: 'internal-error', error });
      this.#hooks.error(error);
    } catch {
      // The loss path itself failed: the state it left is the best there is; never rethrow.
    }
  }

  /**
   * A loss from a timer callback or an unawaited chain (deadlines, re-auth). What it reaches (a
   * state listener, the registry) must not throw into the process from there, as from a socket callback.
   */
  loseGuarded(loss: Loss): void {
    try {
      this.lose(loss);
    } catch (err) {
      this.fault(err);
    }
  }

  /** The one place a live socket is given up. Late and duplicate triggers end here, ignored. */
  lose(loss: Loss): void {
    const p = this.#phase;
    if (!isLivePhase(p)) return;
    const down = p.kind === 'connecting' && refused(p, loss, this.tasks.clock.now());
    const socketHint = this.#side.takeHint();
    const hint = loss.hintMs ?? socketHint;
    this.#teardown()?.terminate();
    if (p.kind === 'open') this.#counters.disconnects++;
    else this.#counters.connectFailures++;
    if (loss.reason === 'heartbeat-timeout') this.#counters.heartbeatTimeouts++;
    let kind = loss.kind;
    if (kind === 'auth' && this.#hooks.authRejected(loss.token ?? p.token) === 'fatal') kind = 'fatal';
    if (kind === 'fatal') return this.#fail(loss.reason, loss.error ?? new ConnectionError('FATAL_CLOSE', loss.reason));
    const plan = this.#scheduler.schedule(() => void this.#connect('retry').catch((err: unknown) => this.fault(err)), hint, down);
    if (!plan)
      return this.#fail(
        'max-attempts',
        new ConnectionError('MAX_ATTEMPTS', `gave up after ${this.#scheduler.attempt} attempts`, loss.error ? { cause: loss.error } : {}),
      );
    this.#counters.reconnectsScheduled++;
    this.#enter(RECONNECTING, loss.reason, plan);
  }

  #fail(reason: string, error: StreamClientError): void {
    this.#enter(FAILED, reason);
    this.#hooks.error(error);
    this.#gate?.reject(error);
    this.#gate = undefined;
  }

  /**
   * The one teardown, for a loss and for stop/close alike: the socket's generation ends, what
   * the state holds is released ({@link release}), the heartbeat and any pending attempt stop,
   * and the parts are told the session is gone. Returns the detached socket for the caller to end.
   */
  #teardown(): Transport | undefined {
    const p = this.#phase;
    this.#gen++;
    this.#heartbeat?.stop();
    const transport = release(p);
    this.#scheduler.cancel();
    this.#scheduler.closed();
    if (isLivePhase(p)) this.#hooks.down();
    return transport;
  }

  async #halt(to: Resting, reason: string, code: 'CLIENT_STOPPED' | 'CLIENT_CLOSED'): Promise<void> {
    const from = this.#phase.kind;
    if (from === 'closed' || (to === STOPPED && isResting(from))) return;
    const transport = this.#teardown();
    this.#enter(to, reason);
    this.#gate?.reject(new StreamClientError(code, to === CLOSED ? 'client closed' : 'client stopped'));
    this.#gate = undefined;
    await transport?.closeGracefully(1000, reason, this.options.closeTimeoutMs, this.tasks);
  }

  #enter(to: Phase, reason: string, extra: { attempt?: number; delayMs?: number; hintMs?: number } = {}): void {
    const from = this.#phase.kind;
    if (!canTransition(from, to.kind)) throw new Error(`steadystream bug: transition ${from} -> ${to.kind} (${reason})`);
    this.#phase = to;
    this.#since = this.tasks.clock.now();
    this.#counters.stateTransitions++;
    const change: StateChange = { from, to: to.kind, reason, ...extra };
    this.#log.info('connection.state', change);
    this.#hooks.transition(change);
  }
}
