import { ConnectionError } from '../core/errors.js';
import type { TaskRegistry } from '../core/tasks.js';
import type { Frame, HandshakeIO, Inbound } from '../protocol/types.js';
import { ControlChannel } from './control.js';
import type { Authenticating, Connecting, Open, Phase } from './phase.js';
import { handshakeLoss, type Loss } from './socket-errors.js';
import type { Transport } from './transport.js';
import type { ConnectionOptions } from './types.js';

/** What the handshake and the in-band re-auth need of their connection (the state machine). */
export interface HandshakeOwner {
  readonly options: ConnectionOptions;
  readonly tasks: TaskRegistry;
  /** The current state and the generation of its socket: an exchange on an older socket has no say. */
  readonly phase: Phase;
  readonly gen: number;
  /** Send on the open socket; false when it is not open. */
  send(frame: Frame): boolean;
  /** Give the current socket up (the machine's one loss path). */
  lose(loss: Loss): void;
  /** The same, from a timer or an unawaited chain: it never throws. */
  loseGuarded(loss: Loss): void;
  /** The handshake of `a` completed: the session opens. */
  established(a: Authenticating): void;
  /** The server accepted an in-band re-auth. */
  reauthed(): void;
}

/** The socket side an exchange writes and reads through (the connection's `SocketSide`). */
export interface HandshakeSide {
  /** Write to the socket of generation `gen`; dropped once that socket is gone. */
  write(gen: number, frame: Frame): void;
  /** Route a message of the current socket as if it had just been read. */
  inbound(m: Inbound, receivedAt: number): void;
  /** Clock time of the last inbound frame. */
  lastInboundAt(): number;
}

/**
 * The state of an attempt whose socket opened: the connect deadline ends, and the handshake
 * reads its control channel (which writes to the attempt's socket) until it completes or,
 * after `handshakeTimeoutMs`, the owner loses the socket.
 */
export function authenticating(owner: HandshakeOwner, side: HandshakeSide, p: Connecting, transport: Transport): Authenticating {
  p.deadline?.cancel();
  const { gen, token } = p;
  const timeoutMs = owner.options.handshakeTimeoutMs;
  const control = new ControlChannel(token, p.abort.signal, (f) => side.write(gen, f));
  const deadline = owner.tasks.timeout('connection.handshake-timeout', timeoutMs, () =>
    owner.loseGuarded({ kind: 'retry', reason: 'handshake-timeout', error: new ConnectionError('HANDSHAKE_TIMEOUT', `no handshake within ${timeoutMs} ms`) }),
  );
  return { kind: 'authenticating', gen, abort: p.abort, token, transport, control, deadline };
}

/**
 * Run the protocol's handshake for `a` (the current state). A throw loses the socket; once it
 * completes, and `a` is still the state, the session opens, then what came in with the ack (a
 * snapshot in the same read) and the handshake did not read is routed like any later frame.
 */
export async function handshake(owner: HandshakeOwner, side: HandshakeSide, a: Authenticating): Promise<void> {
  try {
    await owner.options.protocol.handshake?.(a.control);
  } catch (err) {
    if (a.gen === owner.gen) owner.lose(handshakeLoss(err));
    return;
  }
  if (a.gen !== owner.gen || owner.phase !== a) return;
  a.deadline.cancel();
  owner.established(a);
  for (const m of a.control.drain()) {
    if (a.gen !== owner.gen) return;
    side.inbound(m, side.lastInboundAt());
  }
}

/**
 * In-band re-auth of the open session with `token`. Without the protocol's `reauth`, the
 * handshake token stays, but frames that carry the credential (KIS subscribe frames) use the
 * new one from now on. Resolves true when the server accepted; a refusal or a timeout loses the
 * socket. False, too, when not open, while another re-auth runs, or when the session ended meanwhile.
 */
export async function reauth(owner: HandshakeOwner, token: string): Promise<boolean> {
  const p = owner.phase;
  if (p.kind !== 'open' || p.reauth) return false;
  const protocol = owner.options.protocol;
  const run = protocol.reauth;
  if (!run) {
    p.token = token;
    return false;
  }
  try {
    await reauthenticate(
      p,
      token,
      (io) => run.call(protocol, io),
      owner.tasks,
      owner.options.handshakeTimeoutMs,
      (f) => owner.send(f),
    );
    if (p.gen !== owner.gen) return false;
    p.token = token;
    owner.reauthed();
    return true;
  } catch (err) {
    // Guarded: the caller (the refresher's onToken) does not await this promise. The verdict
    // is on the token the server refused, not on the handshake's it still holds.
    if (p.gen === owner.gen) owner.loseGuarded({ ...handshakeLoss(err), token });
    return false;
  }
}

/**
 * The exchange of a re-auth: `reauth` (the protocol's) runs on a control channel of its own,
 * held in `p.reauth` (the auth answers go there) and bounded by `timeoutMs`. Resolves when the
 * server accepted; rejects with what the protocol threw: a refusal, the timeout, or the abort
 * of a session given up meanwhile.
 */
async function reauthenticate(
  p: Open,
  token: string,
  reauth: (io: HandshakeIO) => Promise<void>,
  tasks: TaskRegistry,
  timeoutMs: number,
  send: (frame: Frame) => void,
): Promise<void> {
  const abort = new AbortController();
  const control = new ControlChannel(token, abort.signal, send);
  const timer = tasks.timeout('connection.reauth-timeout', timeoutMs, () => abort.abort(new ConnectionError('HANDSHAKE_TIMEOUT', 'no answer to re-auth')));
  const current = (p.reauth = { control, abort, timer });
  try {
    await reauth(control);
  } finally {
    timer.cancel();
    abort.abort();
    if (p.reauth === current) p.reauth = undefined;
  }
}
