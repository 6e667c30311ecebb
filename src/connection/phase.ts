import { ConnectionError } from '../core/errors.js';
import type { Task } from '../core/tasks.js';
import type { ControlChannel } from './control.js';
import type { Transport } from './transport.js';

/**
 * The connection's state with the data each state owns (`kind` is the public
 * `ConnectionState`): a resting state holds no socket, and what a live state holds is released
 * in one place, {@link release}. Live states carry the generation of their socket: a callback
 * that captured an older one (a late timer, an awaited credential) is stale.
 */
export type Phase = Resting | Connecting | Authenticating | Open;

/** The states in which a socket exists or is being made. */
export type Live = Connecting | Authenticating | Open;

/** A state without a socket. */
export interface Resting {
  readonly kind: 'idle' | 'reconnecting' | 'stopped' | 'failed' | 'closed';
}

/** One shared value per resting state: entering one allocates nothing. */
export const IDLE: Resting = Object.freeze({ kind: 'idle' });
export const RECONNECTING: Resting = Object.freeze({ kind: 'reconnecting' });
export const STOPPED: Resting = Object.freeze({ kind: 'stopped' });
export const FAILED: Resting = Object.freeze({ kind: 'failed' });
export const CLOSED: Resting = Object.freeze({ kind: 'closed' });

/**
 * An attempt: the credential, then the socket. `token` and `deadline` (the connect timeout)
 * are set once the credential is in, `transport` and `socketAt` once the socket is made.
 */
export interface Connecting {
  readonly kind: 'connecting';
  readonly gen: number;
  /** Aborted when the attempt is abandoned: the credential request and the handshake see it. */
  readonly abort: AbortController;
  token: string | undefined;
  deadline: Task | undefined;
  transport: Transport | undefined;
  /** Clock time the socket was created: a failure soon after is a refusal (server down). */
  socketAt: number;
}

/** The socket is open; the protocol's handshake reads `control` until it completes or `deadline` fires. */
export interface Authenticating {
  readonly kind: 'authenticating';
  readonly gen: number;
  readonly abort: AbortController;
  readonly token: string | undefined;
  readonly transport: Transport;
  readonly control: ControlChannel;
  readonly deadline: Task;
}

/** The session is up. */
export interface Open {
  readonly kind: 'open';
  readonly gen: number;
  readonly transport: Transport;
  /** The credential frames carry: the handshake's, or the last re-auth's. */
  token: string | undefined;
  /** The credential is not proven yet: no handshake, no acknowledged subscribe so far. */
  unproven: boolean;
  /** An in-band re-auth in flight: the auth answers are its. */
  reauth: Reauth | undefined;
}

/** An in-band re-auth on the open socket, bounded by `timer`. */
export interface Reauth {
  readonly control: ControlChannel;
  readonly abort: AbortController;
  readonly timer: Task;
}

export function isLivePhase(p: Phase): p is Live {
  return p.kind === 'open' || p.kind === 'authenticating' || p.kind === 'connecting';
}

/** The socket of a live state (the open one first: it is asked per frame). */
export function socketOf(p: Phase): Transport | undefined {
  return p.kind === 'open' || p.kind === 'authenticating' || p.kind === 'connecting' ? p.transport : undefined;
}

/** The control channel auth answers go to: the handshake's, or a re-auth's. */
export function controlOf(p: Phase): ControlChannel | undefined {
  return p.kind === 'authenticating' ? p.control : p.kind === 'open' ? p.reauth?.control : undefined;
}

/**
 * The one teardown of a state's own resources: its deadline and re-auth timer are cancelled,
 * its attempt or re-auth aborted (a pending credential request, handshake or re-auth read
 * rejects), its socket detached (no event of it is reported any more) and returned for the
 * caller to end: terminated on a loss, closed gracefully on stop and close.
 */
export function release(p: Phase): Transport | undefined {
  switch (p.kind) {
    case 'connecting':
      p.deadline?.cancel();
      p.abort.abort(abandoned());
      break;
    case 'authenticating':
      p.deadline.cancel();
      p.abort.abort(abandoned());
      break;
    case 'open':
      p.reauth?.timer.cancel();
      p.reauth?.abort.abort(abandoned());
      break;
    default:
      return undefined;
  }
  p.transport?.detach();
  return p.transport;
}

function abandoned(): ConnectionError {
  return new ConnectionError('CONNECTION_CLOSED', 'attempt abandoned');
}
