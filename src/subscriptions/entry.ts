/**
 * The Entry model: one server subscription, the handles that share it, and where it stands with
 * the server, its stream and its timers. Plain data: the registry, the link, the positions and
 * the stale monitor change it.
 */
import type { StreamClientError } from '../core/errors.js';
import type { Task } from '../core/tasks.js';
import type { DataMeta, EntryState, SubscribeOptions } from './types.js';

export type DataHandler = (data: unknown, meta: DataMeta) => void;

/** What an entry knows of a user's handle (`SubscriptionHandle`). */
export interface EntryHandle {
  readonly onData: DataHandler;
  readonly options: SubscribeOptions;
  /** Checked before every callback; set when the handle or the registry is closed. */
  closed: boolean;
  /** Settle a pending `ready`: resolve when active, reject with the error. */
  settleReady(err?: StreamClientError): void;
}

/**
 * Where the entry stands with the server on the current session. `idle`: the server does not
 * have it (offline, not sent yet, refused). `sent`: subscribe sent, no ack yet. `acked`: live.
 * Stream data is accepted only in `sent` (an implicit ack) and `acked`.
 */
export type Wire = 'idle' | 'sent' | 'acked';

/** One server subscription and the handles that share it. Internal to the subscriptions part. */
export interface Entry {
  readonly key: string;
  readonly topic: string;
  readonly params: unknown;
  state: EntryState;
  wire: Wire;
  /** Copy-on-write: a dispatch loop iterates a snapshot while callbacks (un)subscribe. */
  handles: readonly EntryHandle[];
  /** Removed from the registry (last handle left, or disposed). */
  closed: boolean;
  /** Silence is measured from `lastDataAt`, or from here when no frame came yet. */
  createdAt: number;
  /**
   * Last stream frame (epoch ms); `NaN` until one comes. A number from the start, so the
   * per-message write stores into the field's double box instead of allocating one.
   */
  lastDataAt: number;
  lastSeq: number | undefined;
  /** Frames dropped in a row as at or below `lastSeq`, numbered consecutively (see `RESET_AFTER_DUPLICATES`). */
  duplicateRun: number;
  /** The seq of the last frame of that run. */
  runSeq: number;
  /** Stale threshold; `undefined` = not watched. */
  afterMs: number | undefined;
  /** When it last went stale; read only while `stale`. */
  staleSince: number | undefined;
  /** Next stale re-send (when `resubscribeAfterMs` is set). */
  resubscribeAt: number;
  /** A subscribe frame was sent at least once (later ones count as resubscribes). */
  everSent: boolean;
  /** Subscribe frames sent on this session that got no reply (ack or error) yet. */
  outstanding: number;
  /** Failed subscribe attempts in a row (ack timeout, transient error, server `complete`). */
  attempts: number;
  /**
   * Server `complete`s in a row that came soon after the ack (within `retry.maxDelayMs`): while
   * above 0, an ack does not reset `attempts`, so a server that ends every subscription right
   * after its first event cannot hold the client in a resubscribe loop.
   */
  completes: number;
  /** When the server last acknowledged it (ack or first data); `NaN` before. */
  ackedAt: number;
  previousDelayMs: number;
  ackTask: Task | undefined;
  retryTask: Task | undefined;
  error: StreamClientError | undefined;
  /** It was active at least once (acknowledged or received data): `ready` of a new handle resolves at once. */
  everActive: boolean;
  /** When an `onData` failure was last logged (`NaN`: never); see `CALLBACK_ERROR_SUMMARY_MS`. */
  dataErrorLoggedAt: number;
  /** `onData` failures since then that were counted but not logged. */
  dataErrorsSuppressed: number;
}

export function createEntry(key: string, topic: string, params: unknown, now: number): Entry {
  return {
    key,
    topic,
    params,
    state: 'pending',
    wire: 'idle',
    handles: [],
    closed: false,
    createdAt: now,
    lastDataAt: NaN,
    lastSeq: undefined,
    duplicateRun: 0,
    runSeq: 0,
    afterMs: undefined,
    staleSince: undefined,
    resubscribeAt: Infinity,
    everSent: false,
    outstanding: 0,
    attempts: 0,
    completes: 0,
    ackedAt: NaN,
    previousDelayMs: 0,
    ackTask: undefined,
    retryTask: undefined,
    error: undefined,
    everActive: false,
    dataErrorLoggedAt: NaN,
    dataErrorsSuppressed: 0,
  };
}

/** The last stream frame's time, `undefined` when none came yet. */
export function lastDataAt(entry: Entry): number | undefined {
  return Number.isNaN(entry.lastDataAt) ? undefined : entry.lastDataAt;
}

/** Where silence counts from: the last stream frame, else the entry's creation. */
export function quietSince(entry: Entry): number {
  return Number.isNaN(entry.lastDataAt) ? entry.createdAt : entry.lastDataAt;
}

/** Cancel the entry's ack and retry timers. */
export function cancelTimers(entry: Entry): void {
  entry.ackTask?.cancel();
  entry.retryTask?.cancel();
  entry.ackTask = undefined;
  entry.retryTask = undefined;
}

/** The stale threshold of an entry: the smallest per-handle override, else the default. */
export function staleThreshold(entry: Entry, fallbackMs: number | undefined): number | undefined {
  let min: number | undefined;
  for (const h of entry.handles) {
    const ms = h.options.staleAfterMs;
    if (ms !== undefined && (min === undefined || ms < min)) min = ms;
  }
  return min ?? fallbackMs;
}
