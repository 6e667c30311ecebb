import type { Resolved, SizeOf } from './cache.js';
import { Coalescer } from './coalescer.js';
import { RenderFlight } from './flight.js';
import { compilePrecision, type CompiledPrecision } from './precision.js';
import { itemOf, type Item } from './view-item.js';
import {
  needsSizeOf,
  prefixOf,
  renderTimeoutError,
  reportViewError,
  sameParams,
  boundSizeOf,
  validateViewOptions,
  type DataSource,
  type ViewDataMeta,
  type ViewDeps,
  type ViewOptions,
  type ViewStage,
} from './view-options.js';
import { ViewSubscription } from './view-subscription.js';

/**
 * One view: subscribes through the host, and per tick runs select -> normalize -> key ->
 * dedupe -> coalesce -> cache (hit) or render (miss) -> onRender. At most one render of the
 * view is in flight; states arriving meanwhile wait (latest wins). A finished render is shown
 * even when newer states arrived meanwhile (so a render slower than the ticks still shows
 * frames, in order), then the newest waiting state renders; a render started under replaced
 * settings, or settling after close, is cached but not shown. An async render not settled
 * within `renderTimeoutMs` is reported and abandoned, and the view moves on. User callbacks
 * that throw are counted, logged and passed to `onError`; they never break the data path.
 */
export class View<D = unknown, S extends object = Record<string, unknown>, O = unknown> implements Disposable {
  /** The id given to `client.view(id, …)`. */
  readonly id: string;
  readonly #deps: ViewDeps;
  readonly #coalescer: Coalescer<Item<S>>;
  #o: ViewOptions<D, S, O>;
  #precision: CompiledPrecision;
  #prefix: string;
  #sizeOf: SizeOf<O> | undefined;
  readonly #sub: ViewSubscription;
  #closed = false;
  /** Bumped by settings changes and close: renders started before are superseded. */
  #gen = 0;
  #data: { value: D } | undefined;
  #prevInput: S | undefined;
  #state: S | undefined;
  #stale = false;
  #source: DataSource = 'stream';
  /** The latest accepted state and its key (the dedupe point). */
  #latest: Item<S> | undefined;
  /** Key of the output last delivered to onRender. */
  #shownKey: string | undefined;
  /** The async render in flight (made on the first one). */
  #flight: RenderFlight<Resolved<O>, Item<S>> | undefined;
  /** A render returned what only a sizeOf can measure: no rendering until the settings change. */
  #needsSizeOf = false;

  constructor(id: string, options: ViewOptions<D, S, O>, deps: ViewDeps) {
    validateViewOptions(options as unknown as ViewOptions<unknown, unknown, unknown>);
    this.id = id;
    this.#deps = deps;
    this.#o = options;
    this.#precision = compilePrecision(options.precision);
    this.#prefix = prefixOf(options);
    this.#sizeOf = boundSizeOf(options);
    this.#coalescer = new Coalescer<Item<S>>(deps.tasks, (item) => this.#flush(item), {
      minIntervalMs: options.minIntervalMs ?? deps.defaults.minIntervalMs,
      onDrop: () => deps.counters.coalesced++,
    });
    this.#sub = new ViewSubscription(
      deps.host,
      (data, meta) => this.#onData(data as D, meta),
      (stale) => this.#setStale(stale),
    );
    this.#sub.move(options.topic, options.params);
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }
  /** The topic the view follows now (`update({ topic })` moves it). */
  get topic(): string {
    return this.#o.topic;
  }
  /** True while the topic is stale. */
  get stale(): boolean {
    return this.#stale;
  }

  /**
   * Change settings. A new topic or params moves the view (the new subscription first, then
   * the old one is released; the id is kept). A new select, precision, render, renderKey or
   * sizeOf re-renders the last data. No-op on a closed view.
   */
  update(settings: Partial<ViewOptions<D, S, O>>): void {
    if (this.#closed) return;
    const prev = this.#o;
    const prevPrecision = this.#precision;
    const next: ViewOptions<D, S, O> = { ...prev, ...settings };
    validateViewOptions(next as unknown as ViewOptions<unknown, unknown, unknown>);
    const precision = 'precision' in settings ? compilePrecision(next.precision) : prevPrecision;
    const moved = next.topic !== prev.topic || ('params' in settings && !sameParams(next.params, prev.params));
    this.#apply(next, precision);
    if ('sizeOf' in settings || 'render' in settings || 'renderKey' in settings) this.#needsSizeOf = false;
    // sizeOf too: a render in flight made without it must not stop the view that now has one.
    if (moved || 'select' in settings || 'precision' in settings || 'render' in settings || 'renderKey' in settings || 'sizeOf' in settings) {
      this.#gen++; // renders in flight belong to the old settings: not delivered
      this.#coalescer.cancel();
      this.#flight?.dropWaiting();
      this.#latest = undefined;
      if (moved) {
        // Reset before subscribing: the new subscription may deliver data synchronously.
        this.#data = undefined;
        this.#state = this.#prevInput = undefined;
        this.#stale = false;
        this.#source = 'stream';
        try {
          this.#sub.move(next.topic, next.params);
        } catch (err) {
          this.#apply(prev, prevPrecision); // still on the old topic; its next tick renders
          throw err;
        }
      } else {
        if ('select' in settings && this.#data) this.#select(this.#data.value, this.#prevInput);
        this.#process();
      }
    }
    if (settings.minIntervalMs !== undefined) this.#coalescer.minIntervalMs = settings.minIntervalMs;
  }

  #apply(o: ViewOptions<D, S, O>, precision: CompiledPrecision): void {
    this.#o = o;
    this.#precision = precision;
    this.#prefix = prefixOf(o);
    this.#sizeOf = boundSizeOf(o);
  }

  /** Release the subscription and the coalesce timer; nothing is rendered after. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#gen++;
    this.#coalescer.cancel();
    this.#flight?.cancel();
    this.#flight?.dropWaiting();
    try {
      this.#sub.release();
    } catch (err) {
      this.#fail('unsubscribe', err);
    }
    this.#deps.onClose?.();
  }

  /** `close()`, for `using view = client.view(…)`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #onData(data: D, meta: ViewDataMeta): void {
    this.#data = { value: data };
    this.#source = meta.source;
    if (meta.stale !== undefined) this.#stale = meta.stale;
    if (this.#select(data, this.#state)) this.#process();
  }

  #setStale(stale: boolean): void {
    if (this.#stale === stale) return;
    this.#stale = stale;
    this.#process(); // the key carries the flag: entering or leaving stale renders once
  }

  #select(data: D, prev: S | undefined): boolean {
    try {
      const state = this.#o.select(data, prev);
      this.#prevInput = prev;
      this.#state = state;
      return true;
    } catch (err) {
      this.#fail('select', err);
      return false;
    }
  }

  #process(): void {
    const state = this.#state;
    if (state === undefined || this.#closed || this.#needsSizeOf) return;
    let item: Item<S> | undefined;
    try {
      item = itemOf(state, this.#precision, this.#prefix, this.#stale, this.#source, this.#latest);
    } catch (err) {
      return this.#fail('normalize', err);
    }
    if (item === undefined) {
      this.#deps.counters.skipped++;
      return;
    }
    this.#latest = item;
    this.#coalescer.push(item);
  }

  #flush(item: Item<S>): void {
    if (this.#closed) return;
    if (!this.#flight?.busy) this.#present(item);
    else if (this.#flight.wait(item)) this.#deps.counters.coalesced++; // one render in flight: the newest waits
  }

  #present(item: Item<S>): void {
    if (item.key === this.#shownKey) {
      this.#deps.counters.skipped++; // a burst came back to what is shown
      return;
    }
    const gen = this.#gen;
    const o = this.#o;
    let result: Resolved<O> | Promise<Resolved<O>>;
    try {
      result = this.#deps.cache.resolve(item.key, () => o.render({ ...item.state, stale: item.stale, source: item.source }), this.#sizeOf);
    } catch (err) {
      this.#renderFailed(item, err);
      return this.#fail('render', err);
    }
    if (!(result instanceof Promise)) return this.#deliver(item, result);
    const timeoutMs = o.renderTimeoutMs ?? this.#deps.defaults.renderTimeoutMs;
    (this.#flight ??= new RenderFlight(this.#deps.tasks)).start(
      result,
      timeoutMs,
      (r, err) => this.#settle(gen, item, r, err),
      () => this.#expired(gen, item, timeoutMs),
    );
  }

  /** A render that did not settle in time: reported, forgotten, and the view moves on. */
  #expired(gen: number, item: Item<S>, timeoutMs: number): void {
    // Later renders of this key start afresh instead of joining the hung one.
    this.#deps.cache.abandon(item.key);
    if (gen === this.#gen && this.#latest?.key === item.key) this.#latest = undefined;
    this.#fail('render', renderTimeoutError(this.id, timeoutMs));
    this.#next();
  }

  #settle(gen: number, item: Item<S>, r: Resolved<O> | undefined, err: unknown): void {
    if (this.#closed) return;
    if (r === undefined) {
      if (gen === this.#gen && this.#latest?.key === item.key) this.#renderFailed(item, err);
      this.#fail('render', err);
    } else if (gen === this.#gen) {
      // An older state is still newer than what is on screen: show it, then render the newest.
      this.#deliver(item, r);
    } else {
      this.#deps.counters.coalesced++; // rendered with settings since replaced: cached, not shown
    }
    this.#next();
  }

  /** Render the state that waited for the flight, if any. */
  #next(): void {
    const next = this.#flight?.takeWaiting();
    if (next !== undefined && !this.#closed) this.#present(next);
  }

  #renderFailed(item: Item<S>, err: unknown): void {
    if (needsSizeOf(err)) {
      this.#needsSizeOf = true; // every render would fail the same way: stop until update()
      this.#coalescer.cancel();
      this.#flight?.dropWaiting();
    }
    // Let the same state try again on its next tick.
    if (this.#latest?.key === item.key) this.#latest = undefined;
  }

  #deliver(item: Item<S>, r: Resolved<O>): void {
    this.#shownKey = item.key;
    try {
      this.#o.onRender(r.output, { cache: r.cache, stale: item.stale, key: item.key, viewId: this.id });
    } catch (err) {
      this.#fail('onRender', err);
    }
  }

  #fail(stage: ViewStage, err: unknown): void {
    reportViewError(this.#deps, this.#o, this.id, stage, err);
  }
}
