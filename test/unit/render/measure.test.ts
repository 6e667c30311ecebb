import { describe, expect, it } from 'vitest';
import { createCounters } from '../../../src/observe/counters.js';
import { Log, type Logger } from '../../../src/observe/log.js';
import { RenderCache } from '../../../src/render/cache.js';
import { estimateBytes, MEASURE_MAX_VALUES, outputBytes } from '../../../src/render/measure.js';
import { renderCacheOptions } from '../../helpers/config.js';

describe('measure', () => {
  it('sizes each kind of value as documented', () => {
    expect(estimateBytes(1.5)).toBe(8);
    expect(estimateBytes(true)).toBe(4);
    expect(estimateBytes(undefined)).toBe(8);
    expect(estimateBytes(Symbol('s'))).toBe(8);
    expect(estimateBytes(null)).toBe(0);
    expect(estimateBytes(12n)).toBe(17); // 16 + one byte of digits
    expect(estimateBytes(-255n)).toBe(17);
    expect(estimateBytes(255n)).toBe(17);
    expect(estimateBytes(2n ** 64n)).toBe(25); // 17 hex digits: 9 bytes
    expect(estimateBytes(new Date(0))).toBe(24);
    expect(estimateBytes([])).toBe(16);
    expect(estimateBytes(Object.assign(Object.create(null) as object, { a: 1 }))).toBe(16 + 8 + 2 + 8);
    expect(estimateBytes({ [Symbol('k')]: 1 })).toBe(16 + 8 + 8 + 8);
    expect(estimateBytes(new ArrayBuffer(10))).toBe(26);
    expect(estimateBytes(new Uint16Array(new ArrayBuffer(12), 2, 1))).toBe(28);
  });

  it('the walk bound: 99,999 parts are measured, one more is unmeasurable', () => {
    expect(estimateBytes(new Array(MEASURE_MAX_VALUES - 1).fill(0))).toBe(16 + 16 * (MEASURE_MAX_VALUES - 1));
    expect(estimateBytes(new Array(MEASURE_MAX_VALUES).fill(0))).toBe(Infinity);
    const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 0]));
    expect(estimateBytes(wide(MEASURE_MAX_VALUES - 1))).toBeLessThan(Infinity);
    expect(estimateBytes(wide(MEASURE_MAX_VALUES))).toBe(Infinity);
    expect(estimateBytes([[new Array(MEASURE_MAX_VALUES - 2).fill(0)]])).toBe(Infinity); // the nested parts count too
  });

  it('a limit: equal is measured, one byte past it is Infinity', () => {
    expect(estimateBytes('ab', 4)).toBe(4);
    expect(estimateBytes('ab', 3)).toBe(Infinity);
    expect(estimateBytes(['ab', 'cd'], 40)).toBe(40);
    expect(estimateBytes(['ab', 'cd'], 39)).toBe(Infinity);
  });

  it('names what it cannot measure; an anonymous class or a prototype without constructor is an object', () => {
    const typeOf = (v: unknown) => {
      try {
        outputBytes(v);
      } catch (err) {
        return (err as { details?: { type?: string } }).details?.type;
      }
      return undefined;
    };
    expect(typeOf(new (class {})())).toBe('object');
    expect(typeOf(Object.create(Object.create(null) as object))).toBe('object');
    expect(typeOf(new (class Tile {})())).toBe('Tile');
    expect(typeOf(new WeakMap())).toBe('WeakMap');
  });

  it('a sizeOf wins when it gives a finite number >= 0 (rounded up); otherwise the built-in measure', () => {
    expect(outputBytes('abc', () => 0)).toBe(0);
    expect(outputBytes('abc', () => 1.2)).toBe(2);
    expect(outputBytes('abc', () => -1)).toBe(6);
    expect(outputBytes('abc', () => Infinity)).toBe(6);
    expect(outputBytes('abc', () => '9' as never)).toBe(6);
    expect(outputBytes({ a: 1 }, undefined, 10)).toBe(Infinity);
  });
});

describe('RenderCache edges', () => {
  function withLog() {
    const records: { level: string; msg: string | undefined; [k: string]: unknown }[] = [];
    const write = (level: string) => (obj: object, msg?: string) => void records.push({ level, msg, ...obj });
    const logger: Logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
    return { records, log: new Log(logger) };
  }

  it('an output too large to cache is logged at debug with its reason; a long key is clipped to 120 characters', () => {
    const { records, log } = withLog();
    const cache = new RenderCache(renderCacheOptions({ maxBytes: 100 }), { log });
    const key = 'k'.repeat(130);
    expect(cache.set(key, 'x')).toBe(false);
    expect(cache.set('u', { a: 1 }, () => Number.NaN)).toBe(true);
    expect(cache.set('w', new Array(200_000).fill(0))).toBe(false);
    expect(records.filter((r) => r.event === 'render.evict')).toEqual([
      {
        level: 'debug',
        msg: 'output larger than render.maxBytes: not cached',
        event: 'render.evict',
        key: `${'k'.repeat(120)}…`,
        bytes: 262,
        reason: 'too-large',
      },
      { level: 'debug', msg: 'output larger than render.maxBytes: not cached', event: 'render.evict', key: 'w', bytes: Infinity, reason: 'unmeasurable' },
    ]);
    expect(cache.set('k'.repeat(40), 'x')).toBe(true); // 82 bytes: fits
  });

  it('an empty output still takes a byte; replacing or clearing entries is not an eviction; the peak stays', () => {
    const counters = createCounters();
    const cache = new RenderCache(renderCacheOptions({ maxBytes: 100 }), { counters });
    expect(cache.maxBytes).toBe(100);
    cache.set('', '');
    expect(cache.bytes).toBe(1);
    cache.set('a', 'x'.repeat(10));
    cache.set('a', 'y'.repeat(20));
    expect(cache.bytes).toBe(1 + 42);
    expect(cache.peakBytes).toBe(43);
    cache.clear();
    expect([cache.bytes, cache.peakBytes, counters.evictions]).toEqual([0, 43, 0]);
  });

  it('an abandoned flight settling later does not unregister the flight that replaced it', async () => {
    const cache = new RenderCache(renderCacheOptions());
    let release!: (v: string) => void;
    const first = cache.resolve('k', () => new Promise<string>((r) => (release = r)));
    cache.abandon('k');
    expect(cache.inflight).toBe(0);
    let calls = 0;
    const second = cache.resolve('k', () => (calls++, new Promise<string>(() => {})));
    release('old');
    await first;
    expect(cache.inflight).toBe(1);
    const third = cache.resolve('k', () => (calls++, 'fresh'));
    expect(calls).toBe(1); // the stored 'old' is a hit
    expect(third).toEqual({ output: 'old', cache: 'hit' });
    void second;
  });

  it('a thenable that is not a Promise is awaited; an object with a non-function then is an output', async () => {
    const cache = new RenderCache(renderCacheOptions());
    // biome-ignore lint/suspicious/noThenProperty: a thenable render result is what this tests
    const thenable = { then: (res: (v: string) => void) => res('later') };
    await expect(cache.resolve('t', () => thenable as unknown as Promise<string>)).resolves.toEqual({ output: 'later', cache: 'miss' });
    // biome-ignore lint/suspicious/noThenProperty: an output whose then is not a function is what this tests
    const plain = { then: 'soon' };
    expect(cache.resolve('p', () => plain)).toEqual({ output: plain, cache: 'miss' });
    expect(cache.get('p')?.output).toBe(plain);
  });
  it('an entry of exactly maxBytes is cached; a string past the budget is too large (not unmeasurable); a 120-character key is logged whole', () => {
    const { records, log } = withLog();
    const cache = new RenderCache(renderCacheOptions({ maxBytes: 100 }), { log });
    expect(cache.set('k', 'x'.repeat(49))).toBe(true); // 98 + 2 bytes
    expect(cache.set('s', 'x'.repeat(100))).toBe(false);
    expect(cache.set('q'.repeat(120), 'x')).toBe(false);
    expect(records.map((r) => [r.key, r.bytes, r.reason])).toEqual([
      ['s', 202, 'too-large'],
      ['q'.repeat(120), 242, 'too-large'],
    ]);
  });

  it('a sizeOf that throws is counted and logged; one that returns nonsense falls back silently', () => {
    const { records, log } = withLog();
    const counters = createCounters();
    const cache = new RenderCache(renderCacheOptions({ maxBytes: 1_000 }), { counters, log });
    expect(cache.set('nan', new Map(), () => Number.NaN)).toBe(false);
    const warnings = () => records.filter((r) => r.level === 'warn');
    expect([counters.callbackErrors, warnings().length]).toEqual([0, 0]);
    expect(
      cache.set('t', 'x', () => {
        throw new Error('sizeOf broke');
      }),
    ).toBe(false);
    expect(counters.callbackErrors).toBe(1);
    expect(warnings()).toEqual([{ level: 'warn', msg: 'callback.error', event: 'callback.error', callback: 'sizeOf', error: 'Error: sizeOf broke' }]);
  });

  it('a render that returns null or undefined is a (cached) output', () => {
    const cache = new RenderCache(renderCacheOptions());
    expect(cache.resolve('n', () => null)).toEqual({ output: null, cache: 'miss' });
    expect(cache.resolve('u', () => undefined)).toEqual({ output: undefined, cache: 'miss' });
    expect(cache.resolve('n', () => 'other')).toEqual({ output: null, cache: 'hit' });
  });
});
