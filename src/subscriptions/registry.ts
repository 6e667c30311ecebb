import { ClosedError, type StreamClientError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { Inbound, Protocol, StreamSink } from '../protocol/types.js';
import { paramsOfKey, subscriptionKey } from '../core/params-key.js';
import { FallbackPoller } from './fallback.js';
import { createEntry, staleThreshold, type DataHandler, type Entry } from './entry.js';
import { closeEntries, entryInfo, insertEntry, removeEntry } from './entry-table.js';
import { SubscriptionHandle } from './handle.js';
import { failEntry } from './failure.js';
import { want, type LimitHost } from './limit.js';
import { validateSubscribe, type RegistryDeps, type ResolvedRegistryOptions } from './options.js';
import { Positions } from './positions.js';
import { ServerLink, type LinkHost } from './server-link.js';
import { StaleMonitor, type StaleHost } from './stale.js';
import { enterStale, resubscribe } from './stale-transitions.js';
import { deliver, deliverFallback, type DeliveryHost } from './delivery.js';
import type { DataMeta, EntryInfo, EntryState, Session, SubscribeOptions, Subscription, TopicCounts } from './types.js';

export type { RegistryDeps };

/**
 * The ref-counted subscription registry. Entries are keyed by topic + canonical params; N
 * handles share one entry and one server subscription. The server sees subscribe when the
 * first handle arrives (on `attach` if offline) and unsubscribe when the last leaves — only
 * if a subscribe went out on this session — so after any burst the server holds exactly the
 * registry's non-error keys. Data is routed by `key`, else by `topic` (one Map lookup).
 *
 * Its server link, stale monitor, delivery, failure and limit helpers see it through the narrow interfaces
 * it implements (`LinkHost`, `StaleHost`, `DeliveryHost`, `LimitHost`). The maps, the link and the monitor are
 * made on the first `add()`: a client that never subscribes holds none of them.
 */
export class SubscriptionRegistry implements StreamSink, LinkHost, StaleHost, DeliveryHost, LimitHost {
  readonly #tasks: TaskRegistry;
  readonly #clock: Clock;
  readonly log: Log;
  readonly counters: Counters;
  readonly onError: ((err: StreamClientError) => void) | undefined;
  readonly #o: ResolvedRegistryOptions;
  #entries: Map<string, Entry> | undefined;
  /** Copy-on-write lists: a dispatch loop keeps its snapshot. */
  #byTopic: Map<string, readonly Entry[]> | undefined;
  #link: ServerLink | undefined;
  /** The attached session (the link gets it when it is made). */
  #session: Session | undefined;
  readonly #protocol: Protocol;
  /** Made in the pause state the registry is in then. */
  #stale: StaleMonitor | undefined;
  #paused = false;
  /** Clock time of the last `resume()` after a pause: silence counts from here. */
  #resumedAt = 0;
  readonly fallback: FallbackPoller | undefined;
  /** Sequence positions of every entry (duplicates, gaps, resets). */
  readonly positions: Positions;
  /** Given to handles. */
  #releaser: ((h: SubscriptionHandle) => void) | undefined;
  #errors = 0;
  #disposed = false;

  constructor(protocol: Protocol, deps: RegistryDeps) {
    const { tasks, log, counters, options } = deps;
    this.#tasks = tasks;
    this.#clock = tasks.clock;
    this.log = log;
    this.counters = counters;
    this.onError = deps.onError;
    this.#o = options;
    this.#protocol = protocol;
    this.positions = new Positions(log, counters);
    if (options.fallback) {
      const onPoll = (e: Entry, data: unknown): void => deliverFallback(this, e, data, this.#clock);
      this.fallback = new FallbackPoller(options.fallback, { tasks, log, counters, random: this.#o.random, deliver: onPoll });
    }
  }

  /** Entries (distinct server subscriptions), error ones included. */
  get size(): number {
    return this.#entries?.size ?? 0;
  }

  /** Entries in `error` (they do not count toward `maxSubscriptions`). */
  get errorCount(): number {
    return this.#errors;
  }

  /** Add a handle; a new key queues a subscribe (sent now when attached and the pace allows). */
  add<T>(topic: string, onData: (data: T, meta: DataMeta) => void, options: SubscribeOptions<T> = {}): Subscription {
    if (this.#disposed) throw new ClosedError('subscriptions are closed');
    validateSubscribe(topic, onData, options);
    const key = subscriptionKey(topic, options.params);
    const entries = (this.#entries ??= new Map());
    const link = this.#serverLink();
    let e = entries.get(key);
    const isNew = e === undefined;
    if (!e) {
      e = createEntry(key, topic, paramsOfKey(topic, key), this.#clock.now());
      if (options.from !== undefined && this.#protocol.resumable === true) e.lastSeq = options.from;
      insertEntry(entries, (this.#byTopic ??= new Map()), e);
      this.log.debug('subscription.state', { topic, key, from: 'closed', to: 'pending' });
    }
    const handle = new SubscriptionHandle(e, onData as DataHandler, options as SubscribeOptions, (this.#releaser ??= (h) => this.#release(h)));
    e.handles = e.handles.concat(handle);
    e.afterMs = staleThreshold(e, this.#o.staleAfterMs);
    if (isNew || e.state === 'error') want(this, e, link, this.#o.maxSubscriptions);
    (this.#stale ??= this.#staleMonitor()).watch(e);
    return handle;
  }

  /** The connection is ready: resubscribe every non-error entry in one (paced) batch. */
  attach(session: Session): void {
    if (this.#disposed) return;
    this.detach();
    this.#session = session;
    this.#link?.attach(session, this.allEntries());
  }

  /** The connection is down: everything back to pending, nothing sent, no ack/pace timers. */
  detach(): void {
    if (!this.#session) return;
    this.#session = undefined;
    this.#link?.detach(this.allEntries());
    for (const e of this.allEntries()) if (e.state === 'active') this.setState(e, 'pending');
  }

  /**
   * Stream data, as a protocol's `decodeInto` hands it over (the connection's `StreamSink`):
   * by `key` to one entry, else by `topic` (one Map lookup); then a seq check, a timestamp,
   * the handles. No allocation but the `meta` each callback receives. `now`: the frame's
   * receive time; a protocol written before `decodeInto` passed it leaves it out.
   */
  data(topic: string, key: string | undefined, data: unknown, seq: number | undefined, now: number = this.#clock.now()): void {
    if (key !== undefined) {
      const e = this.#entries?.get(key);
      if (e !== undefined) deliver(this, e, data, seq, true, now);
      else this.counters.lateFramesDropped++;
      return;
    }
    const list = this.#byTopic?.get(topic);
    if (list === undefined) this.counters.lateFramesDropped++;
    else for (let i = 0; i < list.length; i++) deliver(this, list[i]!, data, seq, false, now);
  }

  /** A control message of the server: acks, errors and completes (data comes through `data`). */
  handle(msg: Inbound): void {
    switch (msg.type) {
      case 'subscribed':
      case 'error':
      case 'complete':
        return this.#link?.reply(msg); // without a link no subscribe was sent: nothing to answer
      // 'unsubscribed' only answers our own unsubscribes, whose entries are gone.
    }
  }

  /** One record per entry, for `health()` and diagnostics. */
  *entries(): IterableIterator<EntryInfo> {
    for (const e of this.allEntries()) yield entryInfo(e, this.fallback);
  }

  /** Every entry, error ones included (the stale monitor's view). */
  *allEntries(): IterableIterator<Entry> {
    if (this.#entries) yield* this.#entries.values();
  }

  byKey(key: string): Entry | undefined {
    return this.#entries?.get(key);
  }

  byTopic(topic: string): readonly Entry[] | undefined {
    return this.#byTopic?.get(topic);
  }

  /** The server link (made on the first `add()`). */
  get link(): ServerLink | undefined {
    return this.#link;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** The client is stopped (`pause()` until `resume()`). */
  get paused(): boolean {
    return this.#paused;
  }

  /** Whether a session is attached. */
  connected(): boolean {
    return this.#session !== undefined;
  }

  /** The user stopped the client: no stale sweeps and no fallback polls while stopped. */
  pause(): void {
    this.#paused = true;
    this.#stale?.pause();
    for (const e of this.allEntries()) this.fallback?.stop(e, 'stopped');
  }

  /** The user started the client again: staleness counts from now; stale topics poll again. */
  resume(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#resumedAt = this.#tasks.clock.now();
      this.#stale?.resume(this.#resumedAt);
    }
    for (const e of this.allEntries()) if (e.state === 'stale') this.fallback?.start(e);
  }

  /** Entries by state (plus those served by the fallback), O(entries). */
  topicCounts(): TopicCounts {
    const counts: TopicCounts = { active: 0, stale: 0, fallback: this.fallback?.size ?? 0, pending: 0, error: 0 };
    for (const e of this.allEntries()) counts[e.state]++;
    return counts;
  }

  /** Close every handle and cancel every timer; sends nothing. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stale?.idle();
    this.fallback?.dispose();
    this.#session = undefined;
    this.#link?.detach(this.allEntries());
    this.#link?.dispose();
    closeEntries(this.#entries, this.#byTopic);
    this.#errors = 0;
  }

  #release(h: SubscriptionHandle): void {
    const e = h.entry; // open: a handle is closed before its entry (unsubscribe, closeEntries)
    e.handles = e.handles.filter((x) => x !== h);
    if (e.handles.length > 0) {
      e.afterMs = staleThreshold(e, this.#o.staleAfterMs);
      return;
    }
    // Entries exist only after add() made the maps and the link.
    const entries = this.#entries!;
    removeEntry(entries, this.#byTopic!, e);
    this.fallback?.stop(e, 'unsubscribed');
    this.#link!.drop(e, true);
    if (e.state === 'error') this.#errors--;
    if (entries.size === 0) this.#stale?.idle();
    this.log.debug('subscription.state', { topic: e.topic, key: e.key, from: e.state, to: 'closed' });
  }

  /** Mark the entry failed and tell its handles (deferred to a microtask inside `add()`). */
  fail(e: Entry, err: StreamClientError, deferred = false): void {
    failEntry(this, e, err, deferred);
  }

  /** Every entry state change: one `subscription.state` record (debug; warn for errors). */
  setState(e: Entry, to: EntryState, extra?: object): void {
    const from = e.state;
    if (from === to) return;
    if (from === 'error') this.#errors--;
    else if (to === 'error') this.#errors++;
    e.state = to;
    if (to === 'active') e.everActive = true;
    if (to === 'active' || to === 'error') for (const h of e.handles) h.settleReady(e.error);
    const fields = { topic: e.topic, key: e.key, from, to, ...extra };
    if (to === 'error') this.log.warn('subscription.state', fields);
    else this.log.debug('subscription.state', fields);
    if (to === 'pending' || to === 'active') this.#stale?.watch(e);
  }

  /** The stale monitor, made late but as if it had been there all along (same pause state, same count start). */
  #staleMonitor(): StaleMonitor {
    const monitor = new StaleMonitor(this.#o.stale, this.#tasks, this);
    monitor.pause();
    if (!this.#paused) monitor.resume(this.#resumedAt);
    return monitor;
  }

  /** The link, made on the first `add()` and given the session if one is attached. */
  #serverLink(): ServerLink {
    if (this.#link) return this.#link;
    const link = (this.#link = new ServerLink({
      protocol: this.#protocol,
      options: this.#o,
      tasks: this.#tasks,
      log: this.log,
      counters: this.counters,
      host: this,
      positions: this.positions,
    }));
    if (this.#session) link.attach(this.#session);
    return link;
  }

  enterStale(e: Entry, now: number): void {
    enterStale(this, e, now);
  }

  resubscribe(e: Entry): void {
    resubscribe(this, e);
  }
}
