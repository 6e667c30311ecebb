/**
 * Every counter of the library, as plain numbers. Parts increment fields directly (a property
 * write on the hot path); `client.metrics()` returns a copy.
 */
export interface Counters {
  /** Sockets the client tried to open. */
  connectAttempts: number;
  /** Handshakes completed (state reached `open`). */
  connects: number;
  /** Attempts lost before `open` (refused, timed out, handshake failed). */
  connectFailures: number;
  /** Open connections lost. */
  disconnects: number;
  /** Reconnect attempts scheduled. */
  reconnectsScheduled: number;
  /** Liveness probes sent. */
  heartbeatProbes: number;
  /** Sockets declared dead by the heartbeat. */
  heartbeatTimeouts: number;
  /** Connection state changes. */
  stateTransitions: number;
  /** Frames received. */
  messagesIn: number;
  /** Frames sent. */
  messagesOut: number;
  /** Frames that could not be decoded (each also an `error` event `DECODE_ERROR`). */
  decodeErrors: number;
  /** `send()` calls refused because the outbox was full (`OUTBOX_FULL`). */
  outboxDropped: number;
  /** Successful `fetchToken` calls. */
  tokenRefreshes: number;
  /** Failed `fetchToken` calls. */
  tokenRefreshFailures: number;
  /** Server refusals of a token (in-band, close 4401/4403, HTTP 401/403 at the upgrade). */
  authRejections: number;
  /** In-band re-authentications on an open socket. */
  reauths: number;
  /** Subscribe frames sent. */
  subscribes: number;
  /** Unsubscribe frames sent. */
  unsubscribes: number;
  /** Subscriptions restored after a reconnect. */
  resubscribes: number;
  /** Subscriptions rejected, over the limit or never acknowledged. */
  subscriptionErrors: number;
  /** Frames dropped as sequence duplicates. */
  duplicatesDropped: number;
  /** Sequence gaps reported (`onGap`). */
  gaps: number;
  /** Stream resets reported (the numbering went back; `onGap` with `kind: 'reset'`). */
  resets: number;
  /** Frames for topics no longer subscribed. */
  lateFramesDropped: number;
  /** Topics that went stale. */
  staleEntered: number;
  /** Stale topics that recovered. */
  staleRecovered: number;
  /** Resubscriptions sent for stale topics (`stale.resubscribeAfterMs`). */
  staleResubscribes: number;
  /** Fallback fetches started. */
  fallbackPolls: number;
  /** Fallback fetches that failed. */
  fallbackErrors: number;
  /** View renders run. */
  renders: number;
  /** Renders answered from the render cache. */
  cacheHits: number;
  /** Renders that had to run the render function. */
  cacheMisses: number;
  /** Ticks whose view state equalled the last rendered one. */
  skipped: number;
  /** Ticks merged into a later render. */
  coalesced: number;
  /** Render cache evictions. */
  evictions: number;
  /** Render cache size now, in bytes. */
  cacheBytes: number;
  /** Render cache entries now. */
  cacheEntries: number;
  /** User callbacks that threw (isolated and logged). */
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
