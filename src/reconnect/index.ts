// Reconnect: the one-pending-attempt scheduler (its backoff strategies are pure math in core/backoff).
export { ReconnectScheduler, RECONNECT_TIMERS } from './scheduler.js';
export type { ReconnectOptions, ReconnectPlan } from './scheduler.js';
