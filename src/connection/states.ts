import type { ConnectionState } from '../core/connection-state.js';

export type { ConnectionState, StateChange } from '../core/connection-state.js';

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
