import { LRUCache } from 'lru-cache';
import { describeError, isStreamClientError } from '../core/errors.js';
import { createCounters, type Counters } from '../observe/counters.js';
import { Log, silentLogger } from '../observe/log.js';
import { outputBytes, type SizeOf } from './measure.js';

export type { SizeOf } from './measure.js';
export { outputBytes, estimateBytes } from './measure.js';

/** Bounds of the render cache shared by all views of a client: the client's `render` option, resolved (complete, validated). */
export interface RenderCacheOptions {
  /**
   * Byte budget of cached outputs, measured by {@link outputBytes} plus the key (2 bytes per
   * UTF-16 unit). An output whose entry alone exceeds it, or that is too large to measure
   * (past the walk bound), is rendered but not cached; one that holds a part no measure can
   * size (a `Map`, a class instance…) needs a `sizeOf`.
   */
  readonly maxBytes: number;
  /** Entry bound, whatever the sizes. */
  readonly maxEntries: number;
}

export interface RenderCacheDeps {
  /** Receives renders, cacheHits, cacheMisses, evictions, cacheBytes, cacheEntries. */
  counters?: Counters;
  log?: Log;
}

/** The result of a lookup-or-render: where the output came from. */
export interface Resolved<O> {
  readonly output: O;
  /** `'hit'`: from the cache, or shared from another view's render in flight. */
  readonly cache: 'hit' | 'miss';
}

interface Entry {
  readonly output: unknown;
  readonly size: number;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

const LOGGED_KEY_CHARS = 120;

/**
 * The semantic-keyed render cache: an `lru-cache` bounded by bytes (`maxSize` with a
 * `sizeCalculation`) and entries (`max`), shared by the views of one client. Async renders
 * are single-flight per key. Keeps the render counters of {@link Counters} current.
 */
export class RenderCache {
  readonly maxBytes: number;
  readonly maxEntries: number;
  readonly #lru: LRUCache<string, Entry>;
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #counters: Counters;
  readonly #log: Log;
  #peakBytes = 0;
  /** Bumped by `clear()`: a render that settles afterwards is not stored. */
  #epoch = 0;

  constructor(options: RenderCacheOptions, deps: RenderCacheDeps = {}) {
    const { maxBytes, maxEntries } = options;
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
    this.#counters = deps.counters ?? createCounters();
    this.#log = deps.log ?? new Log(silentLogger);
    this.#lru = new LRUCache<string, Entry>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: (entry) => entry.size,
      dispose: (entry, key, reason) => {
        if (reason !== 'evict') return;
        this.#counters.evictions++;
        this.#log.debug('render.evict', { key: clip(key), bytes: entry.size, reason });
      },
    });
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#lru.calculatedSize;
  }
  /** Entries held now. */
  get entries(): number {
    return this.#lru.size;
  }
  /** The most bytes ever held at once (never above `maxBytes`). */
  get peakBytes(): number {
    return this.#peakBytes;
  }
  /** Renders in flight now (single-flight, one per key). */
  get inflight(): number {
    return this.#inflight.size;
  }

  /** The cached output for a key (refreshing its recency), or undefined. Counts nothing. */
  get(key: string): { readonly output: unknown } | undefined {
    return this.#lru.get(key);
  }

  /**
   * Store an output. Returns false when its entry (output + key) is larger than the whole
   * budget or too large to measure: such an output is not cached at all, and nothing is
   * evicted for it. Throws `INVALID_OPTIONS` (see {@link outputBytes}) for an output that
   * needs a `sizeOf` and has none.
   */
  set<O>(key: string, output: O, sizeOf?: SizeOf<O>): boolean {
    const size = Math.max(1, this.#measure(output, sizeOf) + key.length * 2);
    if (size > this.maxBytes) {
      const reason = size === Infinity ? 'unmeasurable' : 'too-large';
      this.#log.debug('render.evict', { key: clip(key), bytes: size, reason }, 'output larger than render.maxBytes: not cached');
      return false;
    }
    this.#lru.set(key, { output, size });
    this.#sync();
    return true;
  }

  /**
   * The output for `key`: from the cache (a hit), joined to a render of the same key in flight
   * (counted as a hit), or by calling `render` (a miss) and storing the result. Synchronous
   * unless the render is async or a flight is joined. A sync throw propagates; a rejection
   * rejects every caller sharing the flight, and nothing is stored.
   */
  resolve<O>(key: string, render: () => O | Promise<O>, sizeOf?: SizeOf<O>): Resolved<O> | Promise<Resolved<O>> {
    const cached = this.#lru.get(key);
    if (cached !== undefined) {
      this.#counters.cacheHits++;
      return { output: cached.output as O, cache: 'hit' };
    }
    const flying = this.#inflight.get(key) as Promise<O> | undefined;
    if (flying !== undefined) {
      this.#counters.cacheHits++;
      return flying.then((output) => ({ output, cache: 'hit' as const }));
    }
    this.#counters.cacheMisses++;
    this.#counters.renders++;
    const out = render();
    if (!isThenable(out)) {
      this.set(key, out, sizeOf);
      return { output: out, cache: 'miss' };
    }
    const epoch = this.#epoch;
    const flight = Promise.resolve(out).then((output) => {
      if (epoch === this.#epoch) this.set(key, output, sizeOf);
      return output;
    });
    this.#inflight.set(key, flight);
    const done = () => {
      if (this.#inflight.get(key) === flight) this.#inflight.delete(key);
    };
    flight.then(done, done);
    return flight.then((output) => ({ output, cache: 'miss' as const }));
  }

  /**
   * Forget the render in flight for `key` (a view gave up on it): the next `resolve` renders
   * afresh instead of joining it. Its result, should it ever come, is still stored.
   */
  abandon(key: string): void {
    this.#inflight.delete(key);
  }

  /** Drop every entry and forget renders in flight (their results will not be stored). */
  clear(): void {
    this.#epoch++;
    this.#inflight.clear();
    this.#lru.clear();
    this.#sync();
  }

  /** Bytes of an output; the walk stops past the budget (such an output is not cached anyway). */
  #measure<O>(output: O, sizeOf: SizeOf<O> | undefined): number {
    if (sizeOf === undefined) return outputBytes(output, undefined, this.maxBytes);
    try {
      return outputBytes(output, sizeOf, this.maxBytes);
    } catch (err) {
      if (!isStreamClientError(err, 'INVALID_OPTIONS')) {
        this.#counters.callbackErrors++;
        this.#log.warn('callback.error', { callback: 'sizeOf', error: describeError(err) });
      }
      // The view has a sizeOf, just a broken one: not cached rather than an error that says "give one".
      return Infinity;
    }
  }

  #sync(): void {
    const bytes = this.#lru.calculatedSize;
    this.#counters.cacheBytes = bytes;
    this.#counters.cacheEntries = this.#lru.size;
    if (bytes > this.#peakBytes) this.#peakBytes = bytes;
  }
}

function clip(key: string): string {
  return key.length > LOGGED_KEY_CHARS ? `${key.slice(0, LOGGED_KEY_CHARS)}…` : key;
}
