import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { isStreamClientError } from '../../../src/core/errors.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import { createCounters } from '../../../src/observe/counters.js';
import { Log, silentLogger } from '../../../src/observe/log.js';
import { RenderCache } from '../../../src/render/cache.js';
import type { ViewDataMeta, ViewHost } from '../../../src/render/view-options.js';
import { View } from '../../../src/render/view.js';
import { renderCacheOptions } from '../../helpers/config.js';

// A real GC in this worker (the flag set at run time, `gc` read from a fresh context).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MiB = 1024 * 1024;
const BUDGET = MiB;
const OUTPUTS = 100;
/** Two-byte characters: the string's heap size is what the cache counts (2 bytes per unit). */
const CHARS = Math.floor((MiB * 0.3) / 2);

class Tile {
  readonly #body: string;
  constructor(body: string) {
    this.#body = body;
  }
  get length(): number {
    return this.#body.length;
  }
}

function retained(): number {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** A fresh, flat ~0.3 MiB string per output (`repeat` would build a tiny shared rope). */
function payload(i: number): string {
  return Buffer.alloc(CHARS * 2, String.fromCharCode(0x4e00 + i), 'utf16le').toString('utf16le');
}

/** Each shape, and how many of its outputs fit the budget. */
const shapes: Record<string, [make: (i: number) => unknown, fit: number]> = {
  'nested 20 levels deep': [
    (i) => {
      let o: unknown = { body: payload(i) };
      for (let d = 0; d < 20; d++) o = { child: o };
      return o;
    },
    3,
  ],
  // 10,000 numbers count 160 KB besides the string: two fit.
  'an array whose 10,001st value holds the bytes': [(i) => [...new Array<number>(10_000).fill(0), payload(i)], 2],
  'a Map (with sizeOf)': [(i) => new Map([['body', payload(i)]]), 3],
  'an instance with private fields (with sizeOf)': [(i) => new Tile(payload(i)), 3],
};

function run(make: (i: number) => unknown, sizeOf?: (o: unknown) => number) {
  const counters = createCounters();
  const cache = new RenderCache(renderCacheOptions({ maxBytes: BUDGET }), { counters, log: new Log(silentLogger) });
  const subs: ((d: unknown, m: ViewDataMeta) => void)[] = [];
  const host: ViewHost = { subscribe: (_t, _p, onData) => (subs.push(onData), { unsubscribe() {} }) };
  let shown = 0;
  const errors: unknown[] = [];
  const view = new View<{ i: number }, { i: number }, unknown>(
    'tile-1',
    {
      topic: 'T',
      select: (d) => ({ i: d.i }),
      render: (s) => make(s.i),
      onRender: () => void shown++,
      onError: (e) => void errors.push(e),
      ...(sizeOf ? { sizeOf } : {}),
    },
    { host, cache, tasks: new TaskRegistry(systemClock), counters, log: new Log(silentLogger), defaults: { minIntervalMs: 0, renderTimeoutMs: 10_000 } },
  );
  const before = retained();
  for (let i = 0; i < OUTPUTS; i++) subs[0]!({ i }, { source: 'stream' });
  const growth = retained() - before;
  view.close();
  return { growth, shown, errors, counters, cache };
}

describe('render.maxBytes bounds retained heap (measured after GC)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  for (const [name, [make, fit]] of Object.entries(shapes)) {
    const sized = name.includes('with sizeOf');
    it(`100 outputs of 0.3 MiB under a 1 MiB budget retain at most 2 MiB: ${name}`, () => {
      const { growth, shown, errors, cache } = run(make, sized ? () => CHARS * 2 : undefined);
      expect(growth).toBeLessThanOrEqual(2 * MiB);
      expect(errors).toEqual([]);
      expect(shown).toBe(OUTPUTS);
      expect(cache.entries).toBe(fit); // what the budget holds, not a hundred
    });
  }

  for (const [name, [make]] of Object.entries({ Map: shapes['a Map (with sizeOf)']!, Tile: shapes['an instance with private fields (with sizeOf)']! })) {
    it(`an output that cannot be measured (${name}) without sizeOf is an INVALID_OPTIONS error naming the view and view.sizeOf; nothing is retained`, () => {
      const { growth, shown, errors, counters, cache } = run(make);
      expect(growth).toBeLessThanOrEqual(2 * MiB);
      expect(shown).toBe(0);
      expect(errors).toHaveLength(1); // once, not once per tick
      const err = errors[0];
      expect(isStreamClientError(err, 'INVALID_OPTIONS')).toBe(true);
      expect((err as Error).message).toBe(`view tile-1: render returned a ${name}, which render.maxBytes cannot measure: give the view a sizeOf`);
      expect((err as { details: unknown }).details).toEqual({ option: 'view.sizeOf', viewId: 'tile-1', type: name });
      expect(counters.callbackErrors).toBe(1);
      expect(counters.renders).toBe(1);
      expect(cache.entries).toBe(0);
    });
  }
});
