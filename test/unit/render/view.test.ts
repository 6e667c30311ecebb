import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { View } from '../../../src/render/view.js';
import type { RenderInfo, RenderState } from '../../../src/render/view-options.js';
import { deferred, type Quote, setupViews as setup, type State } from '../../helpers/render-views.js';

describe('View', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('lifecycle: appear subscribes; a topic change subscribes the new topic before releasing the old; close unsubscribes', () => {
    const t = setup();
    const v = t.view('key-1');
    expect(t.host.events).toEqual(['sub AAPL']);
    t.host.push('AAPL', { price: 1 });
    v.update({ topic: 'MSFT' });
    expect(t.host.events).toEqual(['sub AAPL', 'sub MSFT', 'unsub AAPL']);
    expect(v.id).toBe('key-1');
    t.host.push('MSFT', { price: 2 });
    v.close();
    v.close();
    expect(t.host.events).toEqual(['sub AAPL', 'sub MSFT', 'unsub AAPL', 'unsub MSFT']);
    expect(v.closed).toBe(true);
    t.host.push('MSFT', { price: 3 });
    expect(t.outputs.map((o) => o.output)).toEqual(['<svg>1.00</svg>', '<svg>2.00</svg>']);
  });

  it('a move renders data the new subscription delivers synchronously, with the new settings', () => {
    const t = setup();
    const v = t.view('k');
    t.host.push('AAPL', { price: 1 });
    const subscribe = t.host.subscribe.bind(t.host);
    t.host.subscribe = (topic, params, onData, hooks) => {
      const sub = subscribe(topic, params, onData, hooks);
      onData({ price: 2.5 }, { source: 'stream' }); // a registry replaying the last value
      return sub;
    };
    v.update({ topic: 'MSFT', select: (q) => ({ price: q.price * 2 }) });
    expect(t.outputs.map((o) => o.output)).toEqual(['<svg>1.00</svg>', '<svg>5.00</svg>']);
    v.close();
  });

  it('a move made from onRender while the previous move subscribes leaves exactly one subscription, released by close', () => {
    const t = setup();
    let again = true;
    const v = t.view('k', {
      onRender: (output) => {
        t.outputs.push({ view: 'k', output, info: {} as RenderInfo, at: 0 });
        if (output === '<svg>2.50</svg>' && again) {
          again = false;
          v.update({ topic: 'TSLA' }); // the user moves the tile on the replayed value
        }
      },
    });
    const subscribe = t.host.subscribe.bind(t.host);
    t.host.subscribe = (topic, params, onData, hooks) => {
      const sub = subscribe(topic, params, onData, hooks);
      if (topic === 'MSFT') onData({ price: 2.5 }, { source: 'stream' }); // a registry replaying the last value
      return sub;
    };
    v.update({ topic: 'MSFT' });
    expect(v.topic).toBe('TSLA');
    expect(t.host.live).toEqual(['TSLA']);
    t.host.push('TSLA', { price: 4 });
    expect(t.outputs.map((o) => o.output)).toEqual(['<svg>2.50</svg>', '<svg>4.00</svg>']);
    v.close();
    expect(t.host.live).toEqual([]);
  });

  it('a move whose subscribe throws keeps the view on the old topic', () => {
    const t = setup();
    const v = t.view('k');
    t.host.subscribe = () => {
      throw new Error('client is closed');
    };
    expect(() => v.update({ topic: 'MSFT' })).toThrow('client is closed');
    expect(v.topic).toBe('AAPL');
    t.host.push('AAPL', { price: 3 });
    expect(t.outputs.map((o) => o.output)).toEqual(['<svg>3.00</svg>']);
    v.close();
    expect(t.host.live).toEqual([]);
  });

  it('a params change moves the view, equal params by value do not', () => {
    const t = setup();
    const v = t.view('k', { params: { depth: 5 } });
    v.update({ params: { depth: 5 } });
    expect(t.host.events).toEqual(['sub AAPL']);
    v.update({ params: { depth: 10 } });
    expect(t.host.events).toEqual(['sub AAPL', 'sub AAPL', 'unsub AAPL']);
    v.close();
  });

  it('params the registry keys alike do not move the view (undefined field, Date vs ISO string, NaN vs null)', () => {
    const t = setup();
    const v = t.view('k', { params: { depth: 5, at: new Date(0), px: Number.NaN } });
    v.update({ params: { depth: 5, at: '1970-01-01T00:00:00.000Z', px: null, extra: undefined } });
    expect(t.host.events).toEqual(['sub AAPL']);
    v.close();
  });

  it('skips ticks that differ only below the precision', () => {
    const t = setup();
    const v = t.view('k');
    for (const price of [1.001, 1.002, 0.9991, 1.004, 1.01, 1.0149]) t.host.push('AAPL', { price });
    expect(t.outputs.map((o) => o.output)).toEqual(['<svg>1.00</svg>', '<svg>1.01</svg>']);
    expect(t.counters).toMatchObject({ renders: 2, skipped: 4 });
    v.close();
  });

  it('passes render only the normalized state, with stale and source', () => {
    const t = setup();
    const v = t.view('k');
    t.host.push('AAPL', { price: 1.23456, name: 'Apple' });
    expect(t.renders).toEqual([{ price: 1.23, stale: false, source: 'stream' }]);
    v.close();
  });

  it('entering and leaving stale re-renders once each; fallback data renders with its source', () => {
    const t = setup();
    const v = t.view('k');
    t.host.push('AAPL', { price: 1 });
    t.host.stale('AAPL', true);
    t.host.stale('AAPL', true);
    t.host.push('AAPL', { price: 1 }, { source: 'fallback' });
    t.host.push('AAPL', { price: 1.001 }, { source: 'fallback' });
    t.host.stale('AAPL', false);
    expect(t.outputs.map((o) => [o.output, o.info.stale])).toEqual([
      ['<svg>1.00</svg>', false],
      ['<svg>1.00 stale</svg>', true],
      ['<svg>1.00 stale</svg>', true],
      ['<svg>1.00</svg>', false],
    ]);
    expect(t.renders.map((s) => s.source)).toEqual(['stream', 'stream', 'fallback', 'fallback']);
    v.close();
  });

  it('two views with equal keys: the second is a cache hit', () => {
    const t = setup();
    const a = t.view('a');
    const b = t.view('b');
    t.host.push('AAPL', { price: 7 });
    expect(t.outputs.map((o) => [o.view, o.info.cache])).toEqual([
      ['a', 'miss'],
      ['b', 'hit'],
    ]);
    expect(t.outputs[0]!.info.key).toBe(t.outputs[1]!.info.key);
    expect(t.counters).toMatchObject({ renders: 1, cacheHits: 1, cacheMisses: 1 });
    a.close();
    b.close();
  });

  it('without a renderKey, views share outputs only when they share the render function', () => {
    const t = setup();
    const { renderKey: _unused, ...noKey } = t.base;
    const renderA = (s: RenderState<State>) => `A${s.price}`;
    const a = new View<Quote, State, string>('a', { ...noKey, render: renderA }, t.deps);
    const b = new View<Quote, State, string>('b', { ...noKey, render: (s) => `B${s.price}` }, t.deps);
    const c = new View<Quote, State, string>('c', { ...noKey, render: renderA }, t.deps);
    t.host.push('AAPL', { price: 1 });
    expect(t.outputs.map((o) => [o.output, o.info.cache])).toEqual([
      ['A1', 'miss'],
      ['B1', 'miss'],
      ['A1', 'hit'],
    ]);
    for (const v of [a, b, c]) v.close();
  });

  it('renders an oversized output but does not cache it', () => {
    const t = setup({ maxBytes: 64 });
    const a = t.view('a', { render: (s) => 'x'.repeat(100) + s.price });
    const b = t.view('b', { render: (s) => 'x'.repeat(100) + s.price });
    t.host.push('AAPL', { price: 1 });
    expect(t.outputs).toHaveLength(2);
    expect(t.outputs.map((o) => o.info.cache)).toEqual(['miss', 'miss']);
    expect(t.cache.entries).toBe(0);
    a.close();
    b.close();
  });

  it('async render is single-flight across views with equal keys', async () => {
    const t = setup();
    const d = deferred<string>();
    const render = vi.fn(() => d.promise);
    const a = t.view('a', { render });
    const b = t.view('b', { render });
    t.host.push('AAPL', { price: 1 });
    expect(render).toHaveBeenCalledTimes(1);
    d.resolve('<svg/>');
    await vi.waitFor(() => expect(t.outputs).toHaveLength(2));
    expect(t.outputs.map((o) => [o.view, o.info.cache])).toEqual([
      ['a', 'miss'],
      ['b', 'hit'],
    ]);
    a.close();
    b.close();
  });

  it('an async result for an older state is shown when it finishes, then the latest state is rendered and shown', async () => {
    const t = setup();
    const pending = new Map<number, (s: string) => void>();
    const v = t.view('k', {
      render: (s) => new Promise<string>((resolve) => pending.set(s.price, resolve)),
    });
    t.host.push('AAPL', { price: 1 });
    t.host.push('AAPL', { price: 2 }); // waits: one render of a view in flight at most
    t.host.push('AAPL', { price: 3 }); // replaces 2
    expect([...pending.keys()]).toEqual([1]);
    pending.get(1)!('one');
    await vi.waitFor(() => expect([...pending.keys()]).toEqual([1, 3]));
    expect(t.outputs.map((o) => o.output)).toEqual(['one']);
    pending.get(3)!('three');
    await vi.waitFor(() => expect(t.outputs).toHaveLength(2));
    expect(t.outputs.map((o) => o.output)).toEqual(['one', 'three']);
    expect(t.counters.coalesced).toBe(1); // 2, replaced before it was rendered
    expect(t.cache.entries).toBe(2);
    v.close();
  });

  it('an async render slower than the ticks shows every finished render while the stream flows (30 ms render, a tick every 2 ms, 3 s)', async () => {
    const t = setup(); // minIntervalMs 0: only the render's own pace limits the frame rate
    let started = 0;
    const v = t.view('k', {
      render: (s) => (started++, new Promise<string>((resolve) => setTimeout(() => resolve(`p${s.price}`), 30))),
    });
    for (let i = 1; i <= 1_500; i++) {
      t.host.push('AAPL', { price: i });
      await vi.advanceTimersByTimeAsync(2);
    }
    // Back to back: a render starts when the previous one is shown, with the newest state then.
    expect(t.outputs).toHaveLength(100);
    expect(t.outputs.map((o) => o.at)).toEqual(Array.from({ length: 100 }, (_, k) => 30 * (k + 1)));
    expect(t.outputs.slice(0, 3).map((o) => o.output)).toEqual(['p1', 'p15', 'p30']); // the tick of t=28 waits for the render ending at 30
    const prices = t.outputs.map((o) => Number(o.output.slice(1)));
    expect(prices).toEqual([...prices].sort((a, b) => a - b)); // never out of order
    await vi.advanceTimersByTimeAsync(60);
    expect(t.outputs.at(-1)!.output).toBe('p1500'); // the last frame still comes
    expect(started).toBe(t.outputs.length);
    v.close();
  });

  it('a render that never settles does not wedge the view: after renderTimeoutMs it is reported and counted, and the newest state renders', async () => {
    const t = setup();
    const errors: unknown[] = [];
    let hung = 0;
    const v = t.view('k', {
      // The first render of price 1 hangs forever; every other render settles at once.
      render: (s) => (s.price === 1 && hung++ === 0 ? new Promise<string>(() => {}) : Promise.resolve(`p${s.price}`)),
      onError: (e) => errors.push(e),
    });
    const other = t.view('other'); // same renderKey: would join the hung render of price 1
    t.host.push('AAPL', { price: 1 });
    t.host.push('AAPL', { price: 2 });
    t.host.push('AAPL', { price: 3 });
    expect(t.tasks.names()).toEqual(['render.timeout', 'render.timeout']);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(t.outputs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.outputs.map((o) => [o.view, o.output])).toEqual([
      ['k', 'p3'],
      ['other', 'p3'],
    ]);
    expect(errors).toEqual([expect.objectContaining({ code: 'RENDER_FAILED', message: 'view k: render did not settle within 10000 ms' })]);
    expect(t.counters.callbackErrors).toBe(2); // one per view
    expect(t.cache.inflight).toBe(0); // the hung render is forgotten: the same state renders afresh
    expect(t.tasks.size).toBe(0);
    t.host.push('AAPL', { price: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(t.outputs.map((o) => o.output)).toEqual(['p3', 'p3', 'p1', 'p1']);
    v.close();
    other.close();
  });

  it("the client's render.renderTimeoutMs bounds the renders of views that set none", async () => {
    const t = setup({ renderTimeoutMs: 200 });
    const errors: unknown[] = [];
    const v = t.view('k', { render: () => new Promise<string>(() => {}), onError: (e) => errors.push(e) });
    t.host.push('AAPL', { price: 1 });
    await vi.advanceTimersByTimeAsync(199);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(errors).toEqual([expect.objectContaining({ code: 'RENDER_FAILED', message: 'view k: render did not settle within 200 ms' })]);
    v.close();
  });

  it('renderTimeoutMs sets the bound; a rejecting render is isolated and counted; close with a render in flight leaves no timer', async () => {
    const t = setup();
    const errors: unknown[] = [];
    const v = t.view('k', {
      renderTimeoutMs: 500,
      render: (s) => (s.price === 2 ? Promise.reject(new Error('template broke')) : new Promise<string>(() => {})),
      onError: (e) => errors.push(e),
    });
    t.host.push('AAPL', { price: 1 });
    await vi.advanceTimersByTimeAsync(500);
    t.host.push('AAPL', { price: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(errors.map((e) => (e as Error).message)).toEqual(['view k: render did not settle within 500 ms', 'view k: render threw: Error: template broke']);
    expect(t.counters.callbackErrors).toBe(2);
    t.host.push('AAPL', { price: 3 });
    expect(t.tasks.names()).toEqual(['render.timeout']);
    v.close();
    expect(t.tasks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(() => t.view('bad', { renderTimeoutMs: 0 })).toThrow('view.renderTimeoutMs must be a number of ms in [1, 2147483647]');
  });

  it('minIntervalMs above 2^31 - 1 ms is INVALID_OPTIONS at view() and at update(), not a 1 ms coalescing timer', () => {
    const t = setup();
    const rule = 'view.minIntervalMs must be a number of ms in [0, 2147483647]';
    expect(() => t.view('huge', { minIntervalMs: 3e9 })).toThrow(rule);
    const v = t.view('k', { minIntervalMs: 100 });
    expect(() => v.update({ minIntervalMs: 2 ** 31 })).toThrow(rule);
    t.host.push('AAPL', { price: 1 });
    t.host.push('AAPL', { price: 2 });
    expect(t.tasks.names()).toEqual(['render.coalesce']);
    vi.advanceTimersByTime(99);
    expect(t.outputs.map((o) => o.output)).toEqual(['<svg>1.00</svg>']); // still coalescing on 100 ms
    v.close();
  });

  it('close: nothing is rendered after, even with a coalesce timer pending', () => {
    const t = setup({ minIntervalMs: 50 });
    const v = t.view('k');
    t.host.push('AAPL', { price: 1 });
    t.host.push('AAPL', { price: 2 });
    expect(vi.getTimerCount()).toBe(1);
    v.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(t.outputs.map((o) => o.output)).toEqual(['<svg>1.00</svg>']);
  });

  it('close: an async render that resolves later is not delivered', async () => {
    const t = setup();
    const d = deferred<string>();
    const v = t.view('k', { render: () => d.promise });
    t.host.push('AAPL', { price: 1 });
    v.close();
    d.resolve('late');
    await d.promise;
    await Promise.resolve();
    expect(t.outputs).toEqual([]);
  });

  it('coalesces bursts per view: one render per interval, the last state always rendered', () => {
    const t = setup({ minIntervalMs: 50 });
    const v = t.view('k');
    for (let i = 1; i <= 20; i++) {
      t.host.push('AAPL', { price: i });
      vi.advanceTimersByTime(5);
    }
    vi.advanceTimersByTime(50);
    // t=0 leading edge; 2..10 coalesce into the flush at t=50; 11..20 into the flush at t=100
    expect(t.outputs.map((o) => [o.output, o.at])).toEqual([
      ['<svg>1.00</svg>', 0],
      ['<svg>10.00</svg>', 50],
      ['<svg>20.00</svg>', 100],
    ]);
    expect(t.counters.coalesced).toBe(17);
    v.close();
  });

  it('property: the last state of any burst is rendered, at most one render per interval', () => {
    const tick = fc.record({
      gap: fc.integer({ min: 0, max: 120 }),
      price: fc.integer({ min: 0, max: 5 }),
      noise: fc.double({ min: -0.004, max: 0.004, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.array(tick, { minLength: 1, maxLength: 50 }), (interval, ticks) => {
        vi.setSystemTime(0);
        const t = setup({ minIntervalMs: interval });
        const v = t.view('k');
        for (const { gap, price, noise } of ticks) {
          vi.advanceTimersByTime(gap);
          t.host.push('AAPL', { price: price + noise });
          expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
        }
        vi.advanceTimersByTime(interval);
        const last = ticks.at(-1)!.price;
        expect(t.outputs.at(-1)?.output).toBe(`<svg>${last.toFixed(2)}</svg>`);
        for (let i = 1; i < t.outputs.length; i++) expect(t.outputs[i]!.at - t.outputs[i - 1]!.at).toBeGreaterThanOrEqual(interval);
        v.close();
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('update of render, precision or select re-renders the last data', () => {
    const t = setup();
    const v = t.view('k');
    t.host.push('AAPL', { price: 1.234 });
    v.update({ precision: { price: 1 } });
    v.update({ renderKey: 'tile-v2', render: (s) => `v2:${s.price}` });
    v.update({ select: (q) => ({ price: q.price * 10 }) });
    v.update({ precision: { price: { step: 1 } } });
    expect(t.outputs.map((o) => o.output)).toEqual(['<svg>1.23</svg>', '<svg>1.20</svg>', 'v2:1.2', 'v2:12.3', 'v2:12']);
    v.close();
  });

  it('a throwing select, render or onRender is isolated: counted, logged, reported, and the data path goes on', () => {
    const t = setup();
    const errors: unknown[] = [];
    let failRender = true;
    const v = t.view('k', {
      select: (q) => {
        if (q.price < 0) throw new Error('bad tick');
        return { price: q.price };
      },
      render: (s) => {
        if (failRender) throw new Error('template broke');
        return `ok ${s.price}`;
      },
      onError: (err) => errors.push(err),
    });
    t.host.push('AAPL', { price: -1 });
    t.host.push('AAPL', { price: 1 });
    failRender = false;
    t.host.push('AAPL', { price: 1 }); // the same state is retried after a failed render
    v.update({
      onRender: () => {
        throw new Error('ui gone');
      },
    });
    t.host.push('AAPL', { price: 2 });
    expect(t.counters.callbackErrors).toBe(3);
    expect(errors).toHaveLength(3);
    expect(errors.every((e) => isStreamClientError(e, 'RENDER_FAILED'))).toBe(true);
    expect(t.records.map((r) => [r.event, r.stage])).toEqual([
      ['callback.error', 'select'],
      ['render.error', 'render'],
      ['callback.error', 'onRender'],
    ]);
    expect(t.outputs.map((o) => o.output)).toEqual(['ok 1']);
    v.close();
  });

  it('a render that returns what needs a sizeOf is reported once, renders nothing more, and resumes after update({ sizeOf })', () => {
    const t = setup();
    const errors: unknown[] = [];
    let renders = 0;
    const v = new View<Quote, State, Map<string, number>>(
      'tile-9',
      {
        topic: 'AAPL',
        select: (q) => ({ price: q.price }),
        render: (s) => (renders++, new Map([['p', s.price]])),
        onRender: () => t.outputs.push({} as never),
        onError: (e) => errors.push(e),
      },
      t.deps,
    );
    for (const price of [1, 2, 3]) t.host.push('AAPL', { price });
    expect(renders).toBe(1);
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'INVALID_OPTIONS',
        message: 'view tile-9: render returned a Map, which render.maxBytes cannot measure: give the view a sizeOf',
      }),
    ]);
    expect(t.outputs).toHaveLength(0);
    v.update({ sizeOf: (m) => m.size * 64 });
    expect(renders).toBe(2); // the last data, at once
    expect(t.outputs).toHaveLength(1);
    expect(t.cache.entries).toBe(1);
    v.close();
  });

  it('rejects invalid options naming the option', () => {
    const t = setup();
    expect(() => t.view('k', { select: 3 as never })).toThrow(/view\.select must be a function/);
    expect(() => t.view('k', { minIntervalMs: -1 })).toThrow(/minIntervalMs/);
    expect(t.host.events).toEqual([]);
  });

  it('leaves no timer behind after all views close', () => {
    const t = setup({ minIntervalMs: 50 });
    const views = ['a', 'b', 'c'].map((id) => t.view(id, { topic: id }));
    for (let i = 0; i < 10; i++) for (const id of ['a', 'b', 'c']) t.host.push(id, { price: i });
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    for (const v of views) v[Symbol.dispose]();
    expect(vi.getTimerCount()).toBe(0);
    expect(t.tasks.size).toBe(0);
    expect(t.host.live).toEqual([]);
  });
});
