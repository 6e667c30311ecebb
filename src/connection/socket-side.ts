import { AuthError, ConnectionError, ProtocolError, isStreamClientError, type StreamClientError } from '../core/errors.js';
import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { Frame, Inbound, StreamSink } from '../protocol/types.js';
import type { ControlChannel } from './control.js';
import type { HandshakeSide } from './handshake.js';
import type { HeartbeatTarget } from './heartbeat.js';
import type { InboundClock } from './inbound-clock.js';
import { controlOf, isLivePhase, socketOf, type Connecting, type Phase } from './phase.js';
import { classifySocketError, closeLoss, type Loss } from './socket-errors.js';
import type { SessionOwner } from './session.js';
import type { Transport, TransportHandlers } from './transport.js';
import type { ConnectionHooks, ConnectionOptions } from './types.js';

/** What the socket side needs of its connection (the state machine). */
export interface SocketOwner {
  /** The current state: an event of a socket that is not its socket is late, and ignored. */
  readonly phase: Phase;
  /** The attempt's socket opened: the handshake starts. */
  opened(p: Connecting, t: Transport): void;
  /** Give the current socket up (the machine's one loss path). */
  lose(loss: Loss): void;
  /** Something threw while handling an event; `current`: it concerned the current socket. */
  fault(err: unknown, current: boolean): void;
  /** The generation of the current socket: it moves on whenever a socket is given up. */
  readonly gen: number;
}

/**
 * The error of a frame that could not be decoded. A parser's message quotes the frame (`"{"op":
 * tok-abcdefg"... is not valid JSON`): untrusted text that may echo a secret cut short, where
 * scrubbing by value cannot find it. So only the parser error's type is kept, not its text.
 */
export function decodeFailure(err: unknown): StreamClientError {
  if (isStreamClientError(err)) return err;
  return new ProtocolError('DECODE_ERROR', `cannot decode frame: ${err instanceof Error ? err.name : typeof err}`);
}

/**
 * The connection's side of its sockets and of its heartbeat: one object per connection, serving
 * every socket it opens. It reads frames (decode, route: data to the sink, the handshake's
 * messages to its channel, the rest to the hooks), answers pings, probes, and turns closes and
 * errors into losses for the owner. Nothing thrown while handling a socket event leaves here:
 * it would surface in the socket library's listener as an uncaught exception and end the
 * user's process.
 */
export class SocketSide implements TransportHandlers, HeartbeatTarget, SessionOwner, HandshakeSide {
  readonly #owner: SocketOwner;
  readonly #o: ConnectionOptions;
  readonly #tasks: TaskRegistry;
  readonly #sink: StreamSink;
  readonly #hooks: ConnectionHooks;
  readonly #log: Log;
  readonly #counters: Counters;
  readonly #inboundAt: InboundClock;
  /** The current socket's retry hint (a `retry` message): it lengthens the delay after its loss. */
  #retryHintMs: number | undefined;

  constructor(
    owner: SocketOwner,
    o: ConnectionOptions,
    deps: { tasks: TaskRegistry; sink: StreamSink; hooks: ConnectionHooks; log: Log; counters: Counters; inboundAt: InboundClock },
  ) {
    this.#owner = owner;
    this.#o = o;
    this.#tasks = deps.tasks;
    this.#sink = deps.sink;
    this.#hooks = deps.hooks;
    this.#log = deps.log;
    this.#counters = deps.counters;
    this.#inboundAt = deps.inboundAt;
  }

  /** The retry hint of the socket being given up; forgotten with it. */
  takeHint(): number | undefined {
    const hint = this.#retryHintMs;
    this.#retryHintMs = undefined;
    return hint;
  }

  open(t: Transport): void {
    try {
      const p = this.#owner.phase;
      if (p.kind !== 'connecting' || t !== p.transport) return;
      this.#retryHintMs = undefined; // a hint belongs to the socket that sent it
      this.#inboundAt.touch(this.#tasks.clock); // the heartbeat and lastMessageAt count from the open
      this.#owner.opened(p, t);
    } catch (err) {
      this.#fault(t, err);
    }
  }

  frame(t: Transport, frame: Frame): void {
    try {
      if (t === socketOf(this.#owner.phase)) this.#read(frame);
    } catch (err) {
      this.#fault(t, err);
    }
  }

  close(t: Transport, code: number, reason: string): void {
    try {
      if (t === socketOf(this.#owner.phase)) this.#owner.lose(closeLoss(this.#o.protocol, code, reason));
    } catch (err) {
      this.#fault(t, err);
    }
  }

  error(t: Transport, err: unknown): void {
    try {
      if (t !== socketOf(this.#owner.phase)) return;
      if ((err as { code?: unknown } | null)?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.#tooLarge();
      else this.#owner.lose(classifySocketError(err));
    } catch (err) {
      this.#fault(t, err);
    }
  }

  pong(t: Transport): void {
    try {
      this.#inboundAt.touch(this.#tasks.clock);
    } catch (err) {
      this.#fault(t, err);
    }
  }

  // SessionOwner
  /** Write to the socket of generation `gen`; a frame for a socket that is gone is dropped. */
  write(gen: number, frame: Frame): void {
    const transport = gen === this.#owner.gen ? socketOf(this.#owner.phase) : undefined;
    if (transport === undefined) return;
    transport.send(frame);
    this.#counters.messagesOut++;
  }

  buffered(gen: number): number {
    return (gen === this.#owner.gen ? socketOf(this.#owner.phase)?.bufferedAmount() : undefined) ?? 0;
  }

  get token(): string | undefined {
    const p = this.#owner.phase;
    return isLivePhase(p) ? p.token : undefined;
  }

  // HeartbeatTarget: the heartbeat runs only while open.
  lastInboundAt(): number {
    return this.#inboundAt.last;
  }

  probe(): void {
    if (this.#o.protocol.liveness === 'passive') return; // the heartbeat's timeout alone decides
    this.#counters.heartbeatProbes++;
    this.#log.debug('connection.heartbeat', { probe: this.#counters.heartbeatProbes });
    const transport = socketOf(this.#owner.phase);
    if (transport?.ping()) return;
    const frame = this.#o.protocol.ping?.();
    if (frame !== undefined) transport?.send(frame);
  }

  dead(): void {
    this.#owner.lose({ kind: 'retry', reason: 'heartbeat-timeout', error: new ConnectionError('HEARTBEAT_TIMEOUT', 'no frame within the heartbeat timeout') });
  }

  /** A message of the current socket (`receivedAt`: its frame's receive time); the handshake's leftovers come through here too. */
  inbound(m: Inbound, receivedAt: number): void {
    switch (m.type) {
      case 'ping':
        if (m.reply !== undefined) this.write(this.#owner.gen, m.reply); // counted in messagesOut like every frame we send
        return;
      case 'pong':
      case 'ignore':
        return;
      case 'retry':
        this.#retryHintMs = m.afterMs;
        return;
      case 'auth-ok':
      case 'auth-rejected': {
        const control = controlOf(this.#owner.phase);
        if (control) return this.#toControl(control, m);
        if (m.type === 'auth-rejected')
          this.#owner.lose({ kind: 'auth', reason: 'auth-rejected', error: new AuthError('AUTH_REJECTED', `server rejected the token (${m.reason})`) });
        return;
      }
      default: {
        const p = this.#owner.phase;
        if (p.kind === 'authenticating') return this.#toControl(p.control, m);
        if (m.type === 'data') return this.#sink.data(m.topic, m.key, m.data, m.seq, receivedAt);
        if (p.kind === 'open' && p.unproven && m.type === 'subscribed') {
          p.unproven = false;
          this.#hooks.accepted();
        }
        this.#hooks.message(m);
      }
    }
  }

  #read(frame: Frame): void {
    const now = this.#inboundAt.frame(this.#tasks.clock);
    this.#counters.messagesIn++;
    // `ws` refuses such a frame itself; other WebSocket implementations are checked on receipt.
    if ((typeof frame === 'string' ? frame.length : frame.byteLength) > this.#o.maxFrameBytes) return this.#tooLarge();
    const p = this.#o.protocol;
    const sink = this.#sink;
    let decoded;
    try {
      // The fast path hands data to the sink as it decodes; what comes back is the rest. During
      // the handshake every message, data too, is the handshake's: plain `decode`, see `inbound`.
      decoded = p.decodeInto !== undefined && this.#owner.phase.kind !== 'authenticating' ? p.decodeInto(frame, sink, now) : p.decode(frame);
    } catch (err) {
      this.#counters.decodeErrors++;
      const error = decodeFailure(err);
      this.#log.warn('decode.error', { protocol: p.name, err: error, bytes: typeof frame === 'string' ? frame.length : frame.byteLength });
      this.#hooks.error(error);
      return;
    }
    if (decoded === undefined) return;
    if ('type' in decoded) this.inbound(decoded as Inbound, now);
    else for (const m of decoded as readonly Inbound[]) this.inbound(m, now);
  }

  #toControl(channel: ControlChannel, m: Inbound): void {
    const error = channel.push(m);
    if (error === undefined) return;
    this.#log.warn('connection.error', { protocol: this.#o.protocol.name, err: error });
    this.#hooks.error(error);
    this.#owner.lose({ kind: 'retry', reason: 'protocol-error', error });
  }

  /** An inbound frame over `maxFrameBytes`: report it, drop the socket, reconnect. */
  #tooLarge(): void {
    const error = new ConnectionError('FRAME_TOO_LARGE', `inbound frame larger than maxFrameBytes (${this.#o.maxFrameBytes})`, {
      details: { maxFrameBytes: this.#o.maxFrameBytes },
    });
    this.#log.warn('connection.error', { reason: 'frame-too-large', maxFrameBytes: this.#o.maxFrameBytes });
    this.#hooks.error(error);
    this.#owner.lose({ kind: 'retry', reason: 'frame-too-large', error });
  }

  #fault(t: Transport, err: unknown): void {
    this.#owner.fault(err, t === socketOf(this.#owner.phase));
  }
}
