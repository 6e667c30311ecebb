import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCounters } from '../../../src/observe/counters.js';
import { Log, type Logger } from '../../../src/observe/log.js';
import { RenderCache, estimateBytes, outputBytes, type Resolved } from '../../../src/render/cache.js';
import { renderCacheOptions } from '../../helpers/config.js';

function recordingLogger(): Logger & { records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const write = (level: string) => (obj: object) => void records.push({ level, ...obj });
  return { records, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('RenderCache', () => {
  it('measures strings at 2 bytes per unit, buffers by byteLength, others by sizeOf or an estimate', () => {
    expect(outputBytes('abc')).toBe(6);
    expect(outputBytes(new Uint8Array(10))).toBe(10);
    expect(outputBytes(Buffer.alloc(7))).toBe(7);
    expect(outputBytes(new ArrayBuffer(5))).toBe(5);
    expect(outputBytes({ w: 1 }, () => 123)).toBe(123);
    expect(outputBytes({ w: 1 }, () => NaN)).toBe(estimateBytes({ w: 1 }));
    expect(estimateBytes({ a: 'xy', b: [1, 2] })).toBe(16 + (8 + 2 + 4) + (8 + 2 + 16 + 8 + 8 + 8 + 8));
  });

  it('never counts a value as smaller than it is: no depth limit, hidden keys counted, past the walk bound unmeasurable', () => {
    let deep: unknown = 'x'.repeat(1_000);
    for (let d = 0; d < 1_000; d++) deep = { c: deep };
    expect(estimateBytes(deep)).toBe(2_000 + 1_000 * (16 + 8 + 2));
    const hidden = Object.defineProperty({ [Symbol('s')]: 'ab' }, 'h', { value: 'xyz', enumerable: false });
    expect(estimateBytes(hidden)).toBe(16 + (8 + 8 + 4) + (8 + 2 + 6));
    expect(estimateBytes(new Array(100_000).fill(0))).toBe(Infinity);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(estimateBytes(cyclic)).toBe(Infinity);
    expect(estimateBytes({ a: 'x'.repeat(100) }, 100)).toBe(Infinity);
    expect(outputBytes(new Uint8Array(new ArrayBuffer(1_000), 0, 1))).toBe(1_000); // the view keeps its whole buffer
    expect(
      estimateBytes({
        get g() {
          return 'x';
        },
      }),
    ).toBe(Infinity);
    for (const [value, type] of [
      [new Map(), 'Map'],
      [new Set(), 'Set'],
      [() => 1, 'function'],
      [{ f: () => 1 }, 'function'],
      [[new (class Tile {})()], 'Tile'],
      [
        {
          get g() {
            return 1;
          },
        },
        'accessor property',
      ],
    ] as const) {
      expect(() => outputBytes(value)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', details: { option: 'view.sizeOf', type } }));
    }
  });

  it('an output that cannot be measured: without sizeOf set throws INVALID_OPTIONS; with a broken sizeOf it is counted and not cached', () => {
    const counters = createCounters();
    const cache = new RenderCache(renderCacheOptions({ maxBytes: 1_000 }), { counters });
    expect(() => cache.set('m', new Map())).toThrow('render returned a Map, which render.maxBytes cannot measure: give the view a sizeOf');
    expect(cache.set('m', new Map(), () => NaN)).toBe(false);
    expect(
      cache.set('m', new Map(), () => {
        throw new Error('sizeOf broke');
      }),
    ).toBe(false);
    expect(cache.set('big', { a: 'x'.repeat(600) })).toBe(false);
    expect(counters).toMatchObject({ callbackErrors: 1, cacheEntries: 0, evictions: 0 });
  });

  it('counts hits, misses and renders, and keeps byte and entry counters current', () => {
    const counters = createCounters();
    const cache = new RenderCache(renderCacheOptions({ maxBytes: 1_000 }), { counters });
    expect(cache.resolve('k', () => 'out')).toEqual({ output: 'out', cache: 'miss' });
    expect(cache.resolve('k', () => 'other')).toEqual({ output: 'out', cache: 'hit' });
    expect(counters).toMatchObject({ renders: 1, cacheMisses: 1, cacheHits: 1, cacheEntries: 1, cacheBytes: 2 + 6 });
    cache.clear();
    expect(counters).toMatchObject({ cacheEntries: 0, cacheBytes: 0 });
  });

  it('renders an output larger than the budget but does not cache it', () => {
    const counters = createCounters();
    const cache = new RenderCache(renderCacheOptions({ maxBytes: 100 }), { counters });
    cache.resolve('small', () => 'x');
    let calls = 0;
    const big = () => (calls++, 'y'.repeat(100));
    expect(cache.resolve('big', big)).toEqual({ output: 'y'.repeat(100), cache: 'miss' });
    expect((cache.resolve('big', big) as Resolved<string>).cache).toBe('miss');
    expect(calls).toBe(2);
    expect(cache.get('big')).toBeUndefined();
    expect(cache.get('small')).toBeDefined(); // nothing was evicted to make room
    expect(counters.evictions).toBe(0);
  });

  it('evicts least recently used entries by bytes, counts them and logs render.evict at debug', () => {
    const counters = createCounters();
    const logger = recordingLogger();
    const cache = new RenderCache(renderCacheOptions({ maxBytes: 100 }), { counters, log: new Log(logger) });
    cache.set('a', 'a'.repeat(20)); // 42 bytes with its key
    cache.set('b', 'b'.repeat(20));
    cache.get('a'); // a is now the most recent
    cache.set('c', 'c'.repeat(20));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(counters.evictions).toBe(1);
    expect(logger.records).toContainEqual(expect.objectContaining({ level: 'debug', event: 'render.evict', key: 'b', bytes: 42, reason: 'evict' }));
  });

  it('bounds entries by maxEntries', () => {
    const cache = new RenderCache(renderCacheOptions({ maxBytes: 1_000_000, maxEntries: 3 }));
    for (const k of ['a', 'b', 'c', 'd', 'e']) cache.set(k, k);
    expect(cache.entries).toBe(3);
  });

  it('shares an async render in flight for the same key (single flight)', async () => {
    const counters = createCounters();
    const cache = new RenderCache(renderCacheOptions({}), { counters });
    const d = deferred<string>();
    let calls = 0;
    const render = () => (calls++, d.promise);
    const first = cache.resolve('k', render);
    const second = cache.resolve('k', render);
    expect(cache.inflight).toBe(1);
    d.resolve('svg');
    await expect(first).resolves.toEqual({ output: 'svg', cache: 'miss' });
    await expect(second).resolves.toEqual({ output: 'svg', cache: 'hit' });
    expect(calls).toBe(1);
    expect(cache.inflight).toBe(0);
    expect(cache.resolve('k', render)).toEqual({ output: 'svg', cache: 'hit' });
    expect(counters).toMatchObject({ renders: 1, cacheMisses: 1, cacheHits: 2 });
  });

  it('a rejected render rejects every caller of the flight and stores nothing', async () => {
    const cache = new RenderCache(renderCacheOptions());
    const d = deferred<string>();
    const a = cache.resolve('k', () => d.promise);
    const b = cache.resolve('k', () => d.promise);
    d.reject(new Error('boom'));
    await expect(a).rejects.toThrow('boom');
    await expect(b).rejects.toThrow('boom');
    expect(cache.get('k')).toBeUndefined();
    expect(cache.inflight).toBe(0);
  });

  it('does not store a render that settles after clear()', async () => {
    const cache = new RenderCache(renderCacheOptions());
    const d = deferred<string>();
    const p = cache.resolve('k', () => d.promise);
    cache.clear();
    d.resolve('late');
    await p;
    expect(cache.entries).toBe(0);
  });

  it('property: the byte total never exceeds maxBytes under random puts', () => {
    const output = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.integer({ min: 0, max: 900 }).map((n) => new Uint8Array(n)),
      fc.record({ w: fc.integer(), label: fc.string({ maxLength: 50 }) }),
    );
    const op = fc.record({ key: fc.string({ minLength: 1, maxLength: 12 }), output, get: fc.boolean() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 120 }), (maxBytes, maxEntries, ops) => {
        const counters = createCounters();
        const cache = new RenderCache(renderCacheOptions({ maxBytes, maxEntries }), { counters });
        for (const { key, output: out, get } of ops) {
          if (get) cache.get(key);
          else cache.resolve(key, () => out);
          expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
          expect(cache.entries).toBeLessThanOrEqual(maxEntries);
          expect(counters.cacheBytes).toBe(cache.bytes);
          expect(counters.cacheEntries).toBe(cache.entries);
        }
        expect(cache.peakBytes).toBeLessThanOrEqual(maxBytes);
      }),
      { numRuns: 500 },
    );
  });
});
