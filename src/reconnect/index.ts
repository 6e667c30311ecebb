// Reconnect: pure backoff strategies and the one-pending-attempt scheduler.
export {
  exponentialCeiling,
  noJitter,
  fullJitter,
  equalJitter,
  decorrelatedJitter,
  strategies,
  hintedDelay,
} from './backoff.js';
export type { JitterKind, BackoffOptions, BackoffStrategy, RandomSource } from './backoff.js';
export { ReconnectScheduler, RECONNECT_TIMERS } from './scheduler.js';
export type { ReconnectOptions, ReconnectPlan } from './scheduler.js';
