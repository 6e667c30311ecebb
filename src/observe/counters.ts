/**
 * Every counter of the library, as plain numbers. Parts increment fields directly (a property
 * write on the hot path); `snapshot()` copies them for `client.metrics()`.
 * Each counter is documented in the README's "Counters" table.
 */
export interface Counters {
  // connection
  connectAttempts: number;
  connects: number;
  connectFailures: number;
  disconnects: number;
  reconnectsScheduled: number;
  heartbeatProbes: number;
  heartbeatTimeouts: number;
  stateTransitions: number;
  // traffic
  messagesIn: number;
  messagesOut: number;
  decodeErrors: number;
  outboxDropped: number;
  // auth
  tokenRefreshes: number;
  tokenRefreshFailures: number;
  authRejections: number;
  reauths: number;
  // subscriptions
  subscribes: number;
  unsubscribes: number;
  resubscribes: number;
  subscriptionErrors: number;
  duplicatesDropped: number;
  gaps: number;
  resets: number;
  lateFramesDropped: number;
  // staleness
  staleEntered: number;
  staleRecovered: number;
  staleResubscribes: number;
  fallbackPolls: number;
  fallbackErrors: number;
  // render
  renders: number;
  cacheHits: number;
  cacheMisses: number;
  skipped: number;
  coalesced: number;
  evictions: number;
  cacheBytes: number;
  cacheEntries: number;
  // user callbacks that threw (isolated, logged)
  callbackErrors: number;
}

export function createCounters(): Counters {
  return {
    connectAttempts: 0,
    connects: 0,
    connectFailures: 0,
    disconnects: 0,
    reconnectsScheduled: 0,
    heartbeatProbes: 0,
    heartbeatTimeouts: 0,
    stateTransitions: 0,
    messagesIn: 0,
    messagesOut: 0,
    decodeErrors: 0,
    outboxDropped: 0,
    tokenRefreshes: 0,
    tokenRefreshFailures: 0,
    authRejections: 0,
    reauths: 0,
    subscribes: 0,
    unsubscribes: 0,
    resubscribes: 0,
    subscriptionErrors: 0,
    duplicatesDropped: 0,
    gaps: 0,
    resets: 0,
    lateFramesDropped: 0,
    staleEntered: 0,
    staleRecovered: 0,
    staleResubscribes: 0,
    fallbackPolls: 0,
    fallbackErrors: 0,
    renders: 0,
    cacheHits: 0,
    cacheMisses: 0,
    skipped: 0,
    coalesced: 0,
    evictions: 0,
    cacheBytes: 0,
    cacheEntries: 0,
    callbackErrors: 0,
  };
}
