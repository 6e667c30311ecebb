import { ClosedError, StreamClientError, SubscriptionError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { Inbound, Protocol, StreamSink } from '../protocol/types.js';
import { paramsOfKey, subscriptionKey } from '../core/params-key.js';
import { FallbackPoller } from './fallback.js';
import { SubscriptionHandle, createEntry, lastDataAt, staleThreshold, type DataHandler, type Entry } from './handle.js';
import { callbackFailed, dispatch, notify } from './notify.js';
import { resolveRegistryOptions, validateSubscribe, type RegistryDeps, type ResolvedRegistryOptions } from './options.js';
import { IDLE_LINK, RegistryHost, grantRegistryAccess } from './registry-host.js';
import { Positions } from './positions.js';
import { ServerLink } from './server-link.js';
import { StaleMonitor, type StaleConfig } from './stale.js';
import { recover } from './stale-transitions.js';
import type { DataMeta, EntryInfo, EntryState, Session, SubscribeOptions, Subscription, TopicCounts } from './types.js';

export type { RegistryDeps };

/** The maps of a registry that never had an entry: shared, and never written (`add` replaces them first). */
const NO_ENTRIES: Map<string, Entry> = new Map();
const NO_TOPICS: Map<string, readonly Entry[]> = new Map();

/**
 * The ref-counted subscription registry. Entries are keyed by topic + canonical params; N
 * handles share one entry and one server subscription. The server sees subscribe when the
 * first handle arrives (on `attach` if offline) and unsubscribe when the last leaves — only
 * if a subscribe went out on this session — so after any burst the server holds exactly the
 * registry's non-error keys. Data is routed by `key`, else by `topic` (one Map lookup).
 */
export class SubscriptionRegistry implements StreamSink {
  readonly #tasks: TaskRegistry;
  readonly #clock: Clock;
  readonly #log: Log;
  readonly #counters: Counters;
  readonly #onError: ((err: StreamClientError) => void) | undefined;
  readonly #o: ResolvedRegistryOptions;
  /** `NO_ENTRIES` until the first `add()`. */
  #entries = NO_ENTRIES;
  /** Copy-on-write lists: a dispatch loop keeps its snapshot. `NO_TOPICS` until the first `add()`. */
  #byTopic = NO_TOPICS;
  /** `IDLE_LINK` until the first `add()`. */
  #link = IDLE_LINK;
  /** The attached session (the link gets it when it is made). */
  #session: Session | undefined;
  readonly #protocol: Protocol;
  /** Made on the first `add()`, in the pause state the registry is in then. */
  #stale: StaleMonitor | undefined;
  readonly #staleConfig: StaleConfig | undefined;
  #paused = false;
  /** Clock time of the last `resume()` after a pause: silence counts from here. */
  #resumedAt = 0;
  readonly #fallback: FallbackPoller | undefined;
  readonly #resumable: boolean;
  readonly #positions: Positions;
  /**
   * The host of the link, the stale monitor and the stale transitions; made on the first
   * `add()` (everything that uses it runs only once an entry exists).
   */
  #staleCtx!: RegistryHost;
  /** Given to handles; made on the first `add()`. */
  #releaser: ((h: SubscriptionHandle) => void) | undefined;
  #errors = 0;
  #disposed = false;

  static {
    grantRegistryAccess({
      setState: (r, e, to, extra) => r.#setState(e, to, extra),
      fail: (r, e, err) => r.#fail(e, err),
      entries: (r) => r.#entries,
      byTopic: (r, topic) => r.#byTopic.get(topic),
      resubscribe: (r, e) => r.#resubscribeStale(e),
    });
  }

  constructor(protocol: Protocol, deps: RegistryDeps) {
    const options = deps.options ?? {};
    const { tasks, log, counters } = deps;
    this.#tasks = tasks;
    this.#clock = tasks.clock;
    this.#log = log;
    this.#counters = counters;
    this.#onError = deps.onError;
    this.#resumable = protocol.resumable === true;
    this.#o = resolveRegistryOptions(options, protocol);
    this.#protocol = protocol;
    this.#staleConfig = options.stale;
    this.#positions = new Positions(log, counters);
    if (options.fallback) {
      const deliver = (e: Entry, data: unknown): void => this.#deliverFallback(e, data);
      this.#fallback = new FallbackPoller(options.fallback, { tasks, log, counters, random: this.#o.random, deliver });
    }
  }

  /** Entries (distinct server subscriptions), error ones included. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether a session is attached. */
  get attached(): boolean {
    return this.#session !== undefined;
  }

  /** Add a handle; a new key queues a subscribe (sent now when attached and the pace allows). */
  add<T>(topic: string, onData: (data: T, meta: DataMeta) => void, options: SubscribeOptions<T> = {}): Subscription {
    if (this.#disposed) throw new ClosedError('subscriptions are closed');
    validateSubscribe(topic, onData, options);
    const key = keyOf(topic, options.params);
    if (this.#entries === NO_ENTRIES) {
      this.#entries = new Map();
      this.#byTopic = new Map();
      const host = (this.#staleCtx = new RegistryHost(this, this.#log, this.#counters));
      host.fallback = this.#fallback;
      this.#link = new ServerLink({ protocol: this.#protocol, options: this.#o, tasks: this.#tasks, log: this.#log, counters: this.#counters, host, positions: this.#positions });
      if (this.#session) this.#link.attach(this.#session);
    }
    let e = this.#entries.get(key);
    const isNew = e === undefined;
    if (!e) {
      e = createEntry(key, topic, paramsOfKey(topic, key), this.#clock.now());
      if (options.from !== undefined && this.#resumable) e.lastSeq = options.from;
      this.#entries.set(key, e);
      this.#byTopic.set(topic, [...(this.#byTopic.get(topic) ?? []), e]);
      this.#log.debug('subscription.state', { topic, key, from: 'closed', to: 'pending' });
    }
    const handle = new SubscriptionHandle(e, onData as DataHandler, options as SubscribeOptions, (this.#releaser ??= (h) => this.#release(h)));
    e.handles = [...e.handles, handle];
    e.afterMs = staleThreshold(e, this.#o.staleAfterMs);
    if (isNew || e.state === 'error') this.#want(e);
    (this.#stale ??= this.#staleMonitor()).watch(e);
    return handle;
  }

  /** The connection is ready: resubscribe every non-error entry in one (paced) batch. */
  attach(session: Session): void {
    if (this.#disposed) return;
    this.detach();
    this.#session = session;
    if (this.#link !== IDLE_LINK) this.#link.attach(session);
    for (const e of this.#entries.values()) {
      if (!this.#resumable) e.lastSeq = undefined; // an unresumed stream has its own numbering
      e.duplicateRun = 0;
      if (e.state !== 'error') this.#link.send(e);
    }
  }

  /** The connection is down: everything back to pending, nothing sent, no ack/pace timers. */
  detach(): void {
    if (!this.#session) return;
    this.#session = undefined;
    this.#link.detach(this.#entries.values());
    for (const e of this.#entries.values()) if (e.state === 'active') this.#setState(e, 'pending');
  }

  /**
   * Stream data, as a protocol's `decodeInto` hands it over (the connection's `StreamSink`):
   * by `key` to one entry, else by `topic` (one Map lookup); then a seq check, a timestamp,
   * the handles. No allocation but the `meta` each callback receives. `now`: the frame's
   * receive time; a protocol written before `decodeInto` passed it leaves it out.
   */
  data(topic: string, key: string | undefined, data: unknown, seq: number | undefined, now: number = this.#clock.now()): void {
    if (key !== undefined) {
      const e = this.#entries.get(key);
      if (e !== undefined) this.#deliver(e, data, seq, true, now);
      else this.#counters.lateFramesDropped++;
      return;
    }
    const list = this.#byTopic.get(topic);
    if (list === undefined) this.#counters.lateFramesDropped++;
    else for (let i = 0; i < list.length; i++) this.#deliver(list[i]!, data, seq, false, now);
  }

  /** A control message of the server: acks, errors and completes (data comes through `data`). */
  handle(msg: Inbound): void {
    switch (msg.type) {
      case 'subscribed':
      case 'error':
      case 'complete':
        return this.#link.reply(msg);
      // 'unsubscribed' only answers our own unsubscribes, whose entries are gone.
    }
  }

  /** One record per entry, for `health()` and diagnostics. */
  *entries(): IterableIterator<EntryInfo> {
    for (const e of this.#entries.values()) {
      const { key, topic, state, lastSeq } = e;
      yield { key, topic, state, handles: e.handles.length, lastDataAt: lastDataAt(e), lastSeq, fallback: this.#fallback?.has(e) ?? false };
    }
  }

  /** The user stopped the client: no stale sweeps and no fallback polls while stopped. */
  pause(): void {
    this.#paused = true;
    this.#stale?.pause();
    for (const e of this.#entries.values()) this.#fallback?.stop(e, 'stopped');
  }

  /** The user started the client again: staleness counts from now; stale topics poll again. */
  resume(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#resumedAt = this.#tasks.clock.now();
      this.#stale?.resume(this.#resumedAt);
    }
    for (const e of this.#entries.values()) if (e.state === 'stale') this.#fallback?.start(e);
  }

  /** Entries by state (plus those served by the fallback), O(entries). */
  topicCounts(): TopicCounts {
    const counts: TopicCounts = { active: 0, stale: 0, fallback: this.#fallback?.size ?? 0, pending: 0, error: 0 };
    for (const e of this.#entries.values()) counts[e.state]++;
    return counts;
  }

  /** Close every handle and cancel every timer; sends nothing. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stale?.idle();
    this.#fallback?.dispose();
    this.#session = undefined;
    this.#link.detach(this.#entries.values());
    this.#link.dispose();
    for (const e of this.#entries.values()) {
      e.closed = true;
      for (const h of e.handles) {
        h.closed = true;
        h.settleReady(new ClosedError('client is closed'));
      }
    }
    this.#entries.clear();
    this.#byTopic.clear();
    this.#errors = 0;
  }

  #release(h: SubscriptionHandle): void {
    const e = h.entry;
    if (e.closed) return;
    e.handles = e.handles.filter((x) => x !== h);
    if (e.handles.length > 0) {
      e.afterMs = staleThreshold(e, this.#o.staleAfterMs);
      return;
    }
    e.closed = true;
    this.#entries.delete(e.key);
    const rest = (this.#byTopic.get(e.topic) ?? []).filter((x) => x !== e);
    if (rest.length > 0) this.#byTopic.set(e.topic, rest);
    else this.#byTopic.delete(e.topic);
    this.#fallback?.stop(e, 'unsubscribed');
    this.#link.drop(e, true);
    if (e.state === 'error') this.#errors--;
    if (this.#entries.size === 0) this.#stale?.idle();
    this.#log.debug('subscription.state', { topic: e.topic, key: e.key, from: e.state, to: 'closed' });
  }

  #deliver(e: Entry, data: unknown, seq: number | undefined, keyed: boolean, now: number): void {
    if (e.wire === 'idle') {
      this.#counters.lateFramesDropped++; // not subscribed on this session: a leftover
      return;
    }
    if (seq !== undefined && !this.#positions.admit(e, seq)) return;
    e.lastDataAt = now;
    if (e.state !== 'active' || e.wire !== 'acked') this.#fresh(e, now, keyed);
    dispatch(this.#log, this.#counters, e, data, { topic: e.topic, seq, source: 'stream', receivedAt: now });
  }

  /** Stream data on an entry that was not plainly active: an implicit ack, or a recovery. */
  #fresh(e: Entry, now: number, keyed: boolean): void {
    if (e.wire === 'sent') this.#link.implicitAck(e, keyed);
    if (e.state === 'stale') recover(this.#staleCtx, e, now);
  }

  #deliverFallback(e: Entry, data: unknown): void {
    if (e.closed || e.state !== 'stale') return;
    const meta: DataMeta = { topic: e.topic, seq: undefined, source: 'fallback', receivedAt: this.#clock.now() };
    dispatch(this.#log, this.#counters, e, data, meta);
  }

  /** The entry needs a server subscription: check the limit, then queue it. */
  #want(e: Entry): void {
    if (e.state === 'error') {
      e.error = undefined;
      this.#setState(e, 'pending');
    }
    const max = this.#o.maxSubscriptions;
    if (this.#entries.size - this.#errors <= max) return this.#link.send(e);
    const details = { topic: e.topic, key: e.key, maxSubscriptions: max };
    this.#fail(e, new SubscriptionError('SUBSCRIPTION_LIMIT', `subscription limit (${max}) reached; "${e.topic}" was not sent`, { details }), true);
  }

  /** Mark the entry failed and tell its handles (deferred to a microtask inside `add()`). */
  #fail(e: Entry, err: StreamClientError, deferred = false): void {
    this.#log.redactor.exposed(err); // handed to onError callbacks and the client's error event
    e.error = err;
    e.staleSince = undefined;
    e.attempts = 0;
    e.previousDelayMs = 0;
    this.#fallback?.stop(e, 'error');
    this.#counters.subscriptionErrors++;
    this.#setState(e, 'error', { code: err.code });
    const report = (): void => {
      if (e.error !== err || this.#disposed) return;
      notify(this.#log, this.#counters, e, 'onError', err);
      try {
        this.#onError?.(err);
      } catch (thrown) {
        callbackFailed(this.#log, this.#counters, e, 'error', thrown);
      }
    };
    if (deferred) queueMicrotask(report);
    else report();
  }

  /** Every entry state change: one `subscription.state` record (debug; warn for errors). */
  #setState(e: Entry, to: EntryState, extra?: object): void {
    const from = e.state;
    if (from === to) return;
    if (from === 'error') this.#errors--;
    else if (to === 'error') this.#errors++;
    e.state = to;
    if (to === 'active') e.everActive = true;
    if (to === 'active' || to === 'error') for (const h of e.handles) h.settleReady(e.error);
    const fields = { topic: e.topic, key: e.key, from, to, ...extra };
    if (to === 'error') this.#log.warn('subscription.state', fields);
    else this.#log.debug('subscription.state', fields);
    if (to === 'pending' || to === 'active') this.#stale?.watch(e);
  }

  /** The stale monitor, made late but as if it had been there all along (same pause state, same count start). */
  #staleMonitor(): StaleMonitor {
    const monitor = new StaleMonitor(this.#staleConfig, this.#tasks, this.#staleCtx);
    monitor.pause();
    if (!this.#paused) monitor.resume(this.#resumedAt);
    return monitor;
  }

  #resubscribeStale(e: Entry): void {
    if (!this.#link.session || e.closed || e.state !== 'stale') return; // attach resubscribes anyway
    this.#counters.staleResubscribes++;
    this.#log.info('stale.resubscribe', { topic: e.topic, key: e.key });
    this.#link.send(e);
  }
}

/** The subscription's key; params the key cannot hold (cycles, BigInt, deep nesting) are `INVALID_OPTIONS`. */
function keyOf(topic: string, params: unknown): string {
  try {
    return subscriptionKey(topic, params);
  } catch (err) {
    throw new StreamClientError('INVALID_OPTIONS', `subscribe: ${(err as Error).message}`, { details: { option: 'params' }, cause: err });
  }
}
