// The connection's states as data: shared by the state machine (connection/) and health() (observe/).

/** The connection states; see "Lifecycle and states" in the README for the transitions. */
export type ConnectionState = 'idle' | 'connecting' | 'authenticating' | 'open' | 'reconnecting' | 'stopped' | 'failed' | 'closed';

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
