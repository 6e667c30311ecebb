/** The connection states; see "Lifecycle and states" in the README for the transitions. */
export type ConnectionState =
  | 'idle'
  | 'connecting'
  | 'authenticating'
  | 'open'
  | 'reconnecting'
  | 'stopped'
  | 'failed'
  | 'closed';

/** The payload of the `state` event: one per transition. */
export interface StateChange {
  /** The state left. */
  readonly from: ConnectionState;
  /** The state entered. */
  readonly to: ConnectionState;
  /** Why: `start`, `open`, `close:1006`, `connect-timeout`, `heartbeat-timeout`, `auth-rejected`, `stop` … */
  readonly reason: string;
  /** The reconnect attempt (1 = first retry), on `connecting` and `reconnecting`. */
  readonly attempt?: number;
  /** The scheduled delay, on `reconnecting`. */
  readonly delayMs?: number;
  /** On `reconnecting`: the server's retry hint that lengthened `delayMs` (absent when the backoff decided). */
  readonly hintMs?: number;
}

/** The transitions the machine may take; anything else is a bug and throws. */
const ALLOWED: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  idle: ['connecting', 'closed'],
  connecting: ['authenticating', 'reconnecting', 'failed', 'stopped', 'closed'],
  authenticating: ['open', 'reconnecting', 'failed', 'stopped', 'closed'],
  open: ['reconnecting', 'failed', 'stopped', 'closed'],
  reconnecting: ['connecting', 'failed', 'stopped', 'closed'],
  stopped: ['connecting', 'closed'],
  failed: ['connecting', 'closed'],
  closed: [],
};

export function canTransition(from: ConnectionState, to: ConnectionState): boolean {
  return ALLOWED[from].includes(to);
}

/** States in which a socket exists (or is being made) and can be lost. */
export function isLive(state: ConnectionState): boolean {
  return state === 'connecting' || state === 'authenticating' || state === 'open';
}

/** States from which `start()` begins a new connection. */
export function isResting(state: ConnectionState): boolean {
  return state === 'idle' || state === 'stopped' || state === 'failed';
}
