import { ClosedError, type StreamClientError } from '../core/errors.js';
import type { Task } from '../core/tasks.js';
import type { DataMeta, EntryState, SubscribeOptions, Subscription, SubscriptionState } from './types.js';

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
  handles: readonly SubscriptionHandle[];
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

export type DataHandler = (data: unknown, meta: DataMeta) => void;

/** A user's handle on an entry. `closed` is checked before every callback. */
export class SubscriptionHandle implements Subscription {
  readonly entry: Entry;
  readonly onData: DataHandler;
  readonly options: SubscribeOptions;
  closed = false;
  readonly #release: (handle: SubscriptionHandle) => void;
  /** Made on the first read of `ready`: a handle nobody awaits holds no promise. */
  #ready: Promise<void> | undefined;
  #settle: ((err?: StreamClientError) => void) | undefined;

  constructor(entry: Entry, onData: DataHandler, options: SubscribeOptions, release: (handle: SubscriptionHandle) => void) {
    this.entry = entry;
    this.onData = onData;
    this.options = options;
    this.#release = release;
  }

  get topic(): string {
    return this.entry.topic;
  }

  get key(): string {
    return this.entry.key;
  }

  get state(): SubscriptionState {
    return this.closed ? 'closed' : this.entry.state;
  }

  get ready(): Promise<void> {
    if (this.#ready) return this.#ready;
    const state = this.state;
    let p: Promise<void>;
    if (state === 'error') p = Promise.reject(this.entry.error);
    else if (state === 'closed') p = Promise.reject(new ClosedError('unsubscribed before the subscription was active'));
    else if (this.entry.everActive) p = Promise.resolve();
    else p = new Promise<void>((resolve, reject) => (this.#settle = (err) => (err ? reject(err) : resolve())));
    p.catch(() => {}); // a rejection nobody awaits is not an unhandledRejection
    return (this.#ready = p);
  }

  /** Settle a pending `ready`: resolve when active, reject with the error (no-op once settled). */
  settleReady(err?: StreamClientError): void {
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.(err);
  }

  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    this.settleReady(new ClosedError('unsubscribed before the subscription was active'));
    this.#release(this);
  }

  [Symbol.dispose](): void {
    this.unsubscribe();
  }
}
