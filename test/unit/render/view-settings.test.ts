import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { View } from '../../../src/render/view.js';
import { deferred, type Quote, setupViews as setup, type State } from '../../helpers/render-views.js';

const svgs = (t: ReturnType<typeof setup>) => t.outputs.map((o) => o.output);

describe('View: subscription, settings and failures', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('callbacks the host still makes on a released subscription (a queued frame, a stale signal) are ignored', () => {
    const t = setup();
    const v = t.view('k');
    t.host.push('AAPL', { price: 1 });
    const old = t.host.subs[0]!;
    v.update({ topic: 'MSFT' });
    t.host.push('MSFT', { price: 2 });
    old.onData({ price: 9 }, { source: 'stream' });
    old.hooks.onStale?.({});
    expect(v.stale).toBe(false);
    t.host.stale('MSFT', true);
    expect(v.stale).toBe(true);
    old.hooks.onRecover?.({});
    expect(v.stale).toBe(true);
    const last = t.host.subs[1]!;
    v.close();
    last.onData({ price: 5 }, { source: 'stream' });
    last.hooks.onRecover?.({});
    expect(svgs(t)).toEqual(['<svg>1.00</svg>', '<svg>2.00</svg>', '<svg>2.00 stale</svg>']);
  });

  it('close is idempotent and calls onClose once; update on a closed view subscribes nothing', () => {
    const t = setup();
    let closes = 0;
    const v = new View<Quote, State, string>('k', { ...t.base }, { ...t.deps, onClose: () => closes++ });
    v.close();
    v.close();
    v.update({ topic: 'MSFT' });
    expect(closes).toBe(1);
    expect(t.host.events).toEqual(['sub AAPL', 'unsub AAPL']);
    expect(v.topic).toBe('AAPL');
  });

  it('an unsubscribe that throws on close is reported at stage unsubscribe, and the view is closed', () => {
    const t = setup();
    const errors: unknown[] = [];
    t.host.subscribe = () => ({
      unsubscribe: () => {
        throw new Error('socket gone');
      },
    });
    const v = t.view('k', { onError: (e) => errors.push(e) });
    v.close();
    expect(v.closed).toBe(true);
    expect(t.counters.callbackErrors).toBe(1);
    expect(t.records.map((r) => [r.event, r.stage])).toEqual([['callback.error', 'unsubscribe']]);
    expect(errors).toHaveLength(1);
    expect(isStreamClientError(errors[0], 'RENDER_FAILED')).toBe(true);
    expect((errors[0] as { details?: unknown }).details).toEqual({ viewId: 'k', stage: 'unsubscribe' });
  });

  it('a custom precision rule that throws is reported at stage normalize; the next tick renders', () => {
    const t = setup();
    const errors: unknown[] = [];
    const v = t.view('k', {
      precision: {
        price: (p) => {
          if (p === 13) throw new Error('unlucky');
          return p;
        },
      },
      onError: (e) => errors.push(e),
    });
    t.host.push('AAPL', { price: 13 });
    t.host.push('AAPL', { price: 14 });
    expect(svgs(t)).toEqual(['<svg>14.00</svg>']);
    expect(t.records.map((r) => [r.event, r.stage])).toEqual([['callback.error', 'normalize']]);
    expect((errors[0] as { details?: unknown }).details).toEqual({ viewId: 'k', stage: 'normalize' });
    v.close();
  });

  it('before any data, stale signals and settings changes render nothing; the first data renders with them', () => {
    const t = setup();
    const v = t.view('k');
    t.host.stale('AAPL', true);
    v.update({ select: (q) => ({ price: q.price * 2 }) });
    v.update({ precision: { price: 1 } });
    expect(t.renders).toEqual([]);
    expect(t.counters.callbackErrors).toBe(0);
    t.host.push('AAPL', { price: 1.234 });
    expect(t.renders).toEqual([{ price: 2.5, stale: true, source: 'stream' }]);
    v.close();
  });

  it('fallback data marked stale renders stale; a repeated stale signal renders and counts nothing', () => {
    const t = setup();
    const v = t.view('k');
    t.host.push('AAPL', { price: 1 }, { source: 'fallback', stale: true });
    expect(v.stale).toBe(true);
    t.host.stale('AAPL', true);
    expect(t.outputs.map((o) => [o.output, o.info.stale])).toEqual([['<svg>1.00 stale</svg>', true]]);
    expect(t.renders).toEqual([{ price: 1, stale: true, source: 'fallback' }]);
    expect(t.counters.skipped).toBe(0);
    v.close();
  });

  it('a tick whose select throws is not counted as skipped', () => {
    const t = setup();
    const v = t.view('k', {
      select: (q) => {
        if (q.price < 0) throw new Error('bad tick');
        return { price: q.price };
      },
    });
    t.host.push('AAPL', { price: 1 });
    t.host.push('AAPL', { price: -1 });
    expect(t.counters.skipped).toBe(0);
    expect(t.counters.callbackErrors).toBe(1);
    v.close();
  });

  it('update({ minIntervalMs }) alone changes coalescing and keeps the render in flight', async () => {
    const t = setup();
    const first = deferred<string>();
    const v = t.view('k', { render: (s) => (s.price === 1 ? first.promise : `p${s.price}`) });
    t.host.push('AAPL', { price: 1 });
    v.update({ minIntervalMs: 100 });
    first.resolve('p1');
    await vi.advanceTimersByTimeAsync(0);
    expect(svgs(t)).toEqual(['p1']);
    t.host.push('AAPL', { price: 2 }); // within 100 ms of the last flush: waits
    await vi.advanceTimersByTimeAsync(99);
    expect(svgs(t)).toEqual(['p1']);
    await vi.advanceTimersByTimeAsync(1);
    expect(svgs(t)).toEqual(['p1', 'p2']);
    expect([t.counters.skipped, t.counters.coalesced]).toEqual([0, 0]);
    v.close();
  });

  it('without a renderKey, update({ render }) re-renders the last data; update({ renderKey }) alone does too', () => {
    const t = setup();
    const { renderKey: _, ...noKey } = t.base;
    const v = new View<Quote, State, string>('k', noKey, t.deps);
    t.host.push('AAPL', { price: 1 });
    v.update({ render: (s) => `new ${s.price}` });
    v.update({ renderKey: 'v3' });
    expect(t.outputs.map((o) => [o.output, o.info.cache])).toEqual([
      ['<svg>1.00</svg>', 'miss'],
      ['new 1', 'miss'],
      ['new 1', 'miss'],
    ]);
    v.close();
  });

  it('after a render that needs a sizeOf, only an update of sizeOf, render or renderKey renders again', () => {
    const t = setup();
    const errors: unknown[] = [];
    let renders = 0;
    const v = new View<Quote, State, unknown>(
      'k',
      {
        topic: 'AAPL',
        select: (q) => ({ price: q.price }),
        render: (s) => (renders++, new Set([s.price])),
        onRender: (output) => t.outputs.push({ output } as never),
        onError: (e) => errors.push(e),
      },
      t.deps,
    );
    t.host.push('AAPL', { price: 1 });
    v.update({ precision: { price: 1 } });
    v.update({ select: (q) => ({ price: q.price + 1 }) });
    v.update({ minIntervalMs: 0 });
    t.host.push('AAPL', { price: 2 });
    expect([renders, errors.length]).toEqual([1, 1]);
    v.update({ renderKey: 'v2' }); // renders again, and needs a sizeOf again
    expect([renders, errors.length]).toEqual([2, 2]);
    v.update({ render: (s) => `${s.price}` });
    expect([renders, errors.length]).toEqual([2, 2]); // the new render is not counted by the old one
    expect(svgs(t)).toEqual(['3']);
    v.close();
  });

  it('an async render under replaced settings is cached but not shown (counted coalesced); the new settings render next', async () => {
    const t = setup();
    const old = deferred<string>();
    const v = t.view('k', { render: () => old.promise });
    t.host.push('AAPL', { price: 1 });
    v.update({ renderKey: 'tile-v2', render: (s) => Promise.resolve(`v2 ${s.price}`) });
    old.resolve('v1 1');
    await vi.advanceTimersByTimeAsync(0);
    expect(svgs(t)).toEqual(['v2 1']);
    expect(t.counters.coalesced).toBe(1);
    v.close();
  });

  it('a burst that comes back to what is shown renders nothing (counted skipped)', () => {
    const t = setup({ minIntervalMs: 50 });
    const v = t.view('k');
    t.host.push('AAPL', { price: 1 });
    vi.advanceTimersByTime(10);
    t.host.push('AAPL', { price: 2 });
    vi.advanceTimersByTime(10);
    t.host.push('AAPL', { price: 1 });
    vi.advanceTimersByTime(100);
    expect(svgs(t)).toEqual(['<svg>1.00</svg>']);
    expect(t.renders).toHaveLength(1);
    expect([t.counters.skipped, t.counters.coalesced]).toEqual([1, 1]);
    v.close();
  });

  it('after an async render rejects or times out, the same state renders again on its next tick', async () => {
    const t = setup({ renderTimeoutMs: 100 });
    let calls = 0;
    const v = t.view('k', {
      render: (s) => {
        calls++;
        if (calls === 1) return Promise.reject(new Error('template broke'));
        if (calls === 2) return new Promise<string>(() => {});
        return Promise.resolve(`p${s.price}`);
      },
    });
    t.host.push('AAPL', { price: 1 });
    await vi.advanceTimersByTimeAsync(0);
    t.host.push('AAPL', { price: 1 });
    await vi.advanceTimersByTimeAsync(100);
    expect(t.records.map((r) => [r.event, r.stage])).toEqual([
      ['render.error', 'render'],
      ['render.error', 'render'],
    ]);
    t.host.push('AAPL', { price: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(svgs(t)).toEqual(['p1']);
    expect(calls).toBe(3);
    v.close();
  });

  it('an async render whose output needs a sizeOf is reported once and stops the view until update({ sizeOf })', async () => {
    const t = setup();
    const errors: unknown[] = [];
    let renders = 0;
    const v = new View<Quote, State, unknown>(
      'k',
      {
        topic: 'AAPL',
        select: (q) => ({ price: q.price }),
        render: async (s) => (renders++, new Map([['p', s.price]])),
        onRender: (output) => t.outputs.push({ output } as never),
        onError: (e) => errors.push(e),
      },
      t.deps,
    );
    t.host.push('AAPL', { price: 1 });
    await vi.advanceTimersByTimeAsync(0);
    t.host.push('AAPL', { price: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect([renders, errors.length, t.outputs.length]).toEqual([1, 1, 0]);
    expect(isStreamClientError(errors[0], 'INVALID_OPTIONS')).toBe(true);
    v.update({ sizeOf: () => 64 });
    await vi.advanceTimersByTimeAsync(0);
    expect([renders, errors.length, t.outputs.length]).toEqual([2, 1, 1]);
    v.close();
  });

  it('a move drops the state of the old topic that waited for the render in flight', async () => {
    const t = setup();
    const first = deferred<string>();
    const v = t.view('k', { render: (s) => (s.price === 1 ? first.promise : `p${s.price}`) });
    t.host.push('AAPL', { price: 1 });
    t.host.push('AAPL', { price: 2 }); // waits for the render of 1
    v.update({ topic: 'MSFT' });
    first.resolve('p1');
    await vi.advanceTimersByTimeAsync(0);
    t.host.push('MSFT', { price: 3 });
    expect(svgs(t)).toEqual(['p3']);
    v.close();
  });

  it('a render that settles after its timeout is not shown, and does not cut short the render that followed', async () => {
    const t = setup({ renderTimeoutMs: 100 });
    const slow = deferred<string>();
    const next = deferred<string>();
    const v = t.view('k', { render: (s) => (s.price === 1 ? slow.promise : next.promise) });
    t.host.push('AAPL', { price: 1 });
    t.host.push('AAPL', { price: 2 });
    await vi.advanceTimersByTimeAsync(100); // 1 times out; 2 starts
    slow.resolve('p1');
    await vi.advanceTimersByTimeAsync(50);
    expect(svgs(t)).toEqual([]);
    next.resolve('p2');
    await vi.advanceTimersByTimeAsync(0);
    expect(svgs(t)).toEqual(['p2']);
    expect(t.counters.callbackErrors).toBe(1); // only the timeout of 1
    v.close();
  });

  it('update({ sizeOf }) while a render that needs it is in flight: the view renders again with it', async () => {
    const t = setup();
    const errors: unknown[] = [];
    const v = new View<Quote, State, unknown>(
      'k',
      {
        topic: 'AAPL',
        select: (q) => ({ price: q.price }),
        render: async (s) => new Map([['p', s.price]]),
        onRender: (output) => t.outputs.push({ output } as never),
        onError: (e) => errors.push(e),
      },
      t.deps,
    );
    t.host.push('AAPL', { price: 1 });
    v.update({ sizeOf: () => 64 });
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1); // the render made without a sizeOf
    expect(t.outputs).toHaveLength(1);
    expect(t.cache.entries).toBe(1);
    v.close();
  });
});
