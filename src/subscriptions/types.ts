import type { StreamClientError } from '../core/errors.js';
import type { Frame } from '../protocol/types.js';

// The explicit-resource-management names our public types use, declared as @types/node does, so
// the published declarations compile under a browser tsconfig without lib `esnext.disposable`
// (and merge with it, or with @types/node, where those are present).
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
    readonly asyncDispose: unique symbol;
  }
  interface Disposable {
    /** Releases the resource (`using`); idempotent. */
    [Symbol.dispose](): void;
  }
  interface AsyncDisposable {
    [Symbol.asyncDispose](): PromiseLike<void>;
  }
}

/** The live, authenticated socket, as the connection hands it to the registry. */
export interface Session {
  /** Send one frame. Must not throw: a session that is going away drops frames. */
  send(frame: Frame): void;
  /** The credential of this session, passed to the protocol in every `FrameContext`. */
  readonly token: string | undefined;
  /** Bytes written and not yet sent by the socket, when it says; subscribes wait while it is high. */
  readonly bufferedAmount?: number;
}

/**
 * A handle's state. `pending`: waiting for the server (offline, queued, or awaiting the ack).
 * `active`: acknowledged or receiving data. `stale`: silent for longer than `staleAfterMs`.
 * `error`: refused (see `onError`); subscribe again to retry. `closed`: unsubscribed.
 */
export type SubscriptionState = 'pending' | 'active' | 'stale' | 'error' | 'closed';

/** The state of a registry entry (a server subscription shared by its handles). */
export type EntryState = Exclude<SubscriptionState, 'closed'>;

/** Passed to `onStale`. */
export interface StaleInfo {
  /** The subscribed topic. */
  readonly topic: string;
  /** Topic plus canonical params (see {@link Subscription.key}). */
  readonly key: string;
  /** Last stream frame (epoch ms), `undefined` when none ever came. */
  readonly lastDataAt: number | undefined;
  /** Silence so far, measured from the last frame (or from subscribing). */
  readonly silentForMs: number;
  /** False when the connection is down: the topic went stale during an outage. */
  readonly connected: boolean;
}

/** Passed to `onRecover`: the first stream frame after a stale period arrived. */
export interface RecoverInfo {
  /** How long the topic was stale (ms). */
  readonly staleForMs: number;
}

/**
 * Passed to `onGap`: the stream's numbering was not continuous; the frame is still delivered.
 * `'gap'`: sequence numbers were skipped (`received > expected`), frames in between are lost.
 * `'reset'`: the server numbers again from below the position (`received < expected`; it
 * restarted or lost its history): its position is adopted and everything after is delivered.
 * Re-sync from a snapshot on either.
 */
export interface GapInfo {
  /** `'gap'`: numbers were skipped; `'reset'`: the numbering went back. */
  readonly kind: 'gap' | 'reset';
  /** The seq the client expected next (its position + 1). */
  readonly expected: number;
  /** The seq the server gave: a frame's, or for a reset at subscribe time the ack's position. */
  readonly received: number;
}

/**
 * Delivered with every message. One object per message, shared by all handles of a
 * subscription: treat it as read-only.
 */
export interface DataMeta {
  /** The topic the message belongs to. */
  readonly topic: string;
  /** The frame's sequence number, when the protocol carries one. */
  readonly seq?: number | undefined;
  /** `'fallback'` for data polled through `fallback.fetch` while the topic is stale. */
  readonly source: 'stream' | 'fallback';
  /** When the frame was routed (epoch ms, from the client's clock). */
  readonly receivedAt: number;
}

/**
 * Options of `client.subscribe(topic, onData, options)`. Callbacks that throw are isolated
 * (counted in `callbackErrors`, logged as `callback.error`; a throwing `onData` is logged once per
 * subscription, then at most every 10 s with `suppressed`). `T` is the data type of `onData`.
 */
// biome-ignore lint/correctness/noUnusedVariables: public type parameter, kept so `SubscribeOptions<Row>` in users' code compiles
export interface SubscribeOptions<T = unknown> {
  /**
   * Sent with the subscribe frame. Part of the subscription's identity: handles whose params
   * are equal as the JSON the server receives share one server subscription (and a view whose
   * params change to equal ones stays put). So key order is ignored, `{ x: 1, y: undefined }` is
   * `{ x: 1 }`, a `Date` is its ISO string, `NaN` and `±Infinity` are `null`, and `-0` is `0`.
   * The subscription keeps a snapshot: mutating the object later changes nothing. Params that
   * are not JSON (a cycle, a BigInt, nesting deeper than 32) are `INVALID_OPTIONS`.
   * @default undefined
   */
  params?: unknown;
  /** The topic went silent for `staleAfterMs`. */
  onStale?(info: StaleInfo): void;
  /** The first stream frame after a stale period. */
  onRecover?(info: RecoverInfo): void;
  /** The subscription failed: `SUBSCRIPTION_REJECTED`, `SUBSCRIPTION_LIMIT` or `SUBSCRIBE_TIMEOUT`. */
  onError?(err: StreamClientError): void;
  /** Sequence numbers were skipped, or the server's numbering went back (a reset); see `GapInfo`. */
  onGap?(info: GapInfo): void;
  /**
   * Silence before this subscription is `stale`. Handles sharing a server subscription use the
   * smallest value among them.
   * @default the client's `stale.afterMs`
   */
  staleAfterMs?: number;
  /**
   * Resume position for a new subscription on a resumable protocol: the last seq already
   * consumed elsewhere (e.g. stored by a relay). The subscribe asks the server to replay after
   * it, and frames at or below it are dropped as duplicates. Ignored when the subscription
   * already exists or the protocol is not resumable.
   * @default undefined
   */
  from?: number;
}

/** What `client.subscribe()` returns. Disposable: `using sub = client.subscribe(…)`. */
export interface Subscription extends Disposable {
  /** The topic given to `subscribe()`. */
  readonly topic: string;
  /** Topic plus canonical params: equal keys share one server subscription. */
  readonly key: string;
  /** Where the subscription is now; see {@link SubscriptionState}. */
  readonly state: SubscriptionState;
  /**
   * Resolves once the subscription is active (acknowledged, or data came); rejects with its
   * error (`SUBSCRIPTION_REJECTED`, `SUBSCRIPTION_LIMIT`, `SUBSCRIBE_TIMEOUT`), or with
   * `CLIENT_CLOSED` when unsubscribed or closed first. A rejection nobody awaits is never an
   * unhandled rejection.
   */
  readonly ready: Promise<void>;
  /** Stop receiving. Idempotent; the server sees unsubscribe when the last handle leaves. */
  unsubscribe(): void;
}

/** One registry entry, as `entries()` reports it (for `health()` and diagnostics). */
export interface EntryInfo {
  readonly key: string;
  readonly topic: string;
  readonly state: EntryState;
  /** Live handles sharing the entry. */
  readonly handles: number;
  readonly lastDataAt: number | undefined;
  readonly lastSeq: number | undefined;
  /** True while the fallback poller serves this entry. */
  readonly fallback: boolean;
}

/** Topic counts by state, for `client.health()`. */
export interface TopicCounts {
  /** Acknowledged and receiving. */
  active: number;
  /** Silent longer than their stale threshold. */
  stale: number;
  /** Stale and polled through `fallback.fetch`. */
  fallback: number;
  /** Waiting for the server's acknowledgement (or for a connection). */
  pending: number;
  /** Failed for good (rejected, over the limit). */
  error: number;
}
