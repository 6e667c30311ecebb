import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS } from '../../../src/core/clock.js';
import { isStreamClientError, StreamClientError } from '../../../src/core/errors.js';
import { systemClock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import { createCounters } from '../../../src/observe/counters.js';
import { Log } from '../../../src/observe/log.js';
import { ATTACH_VIEWS } from '../../../src/render/views-slot.js';
import { createViews } from '../../../src/render/views.js';
import { validateViewOptions, type ViewOptions } from '../../../src/render/view-options.js';
import { View } from '../../../src/render/view.js';
import { FakeHost, type Quote, setupViews as setup, type State } from '../../helpers/render-views.js';

const svgs = (t: { outputs: { output: string }[] }) => t.outputs.map((o) => o.output);
const valid: ViewOptions<unknown, unknown, unknown> = { topic: 'A', select: (d) => d, render: () => '', onRender: () => {} };

function errorOf(o: object): { message: string; details: unknown } | undefined {
  try {
    validateViewOptions({ ...valid, ...o } as ViewOptions<unknown, unknown, unknown>);
  } catch (err) {
    expect(isStreamClientError(err, 'INVALID_OPTIONS')).toBe(true);
    return { message: (err as Error).message, details: (err as { details?: unknown }).details };
  }
  return undefined;
}

describe('view options', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('each invalid option is INVALID_OPTIONS naming it, with the rule it breaks', () => {
    const cases: [object, string][] = [
      [{ topic: '' }, 'view.topic must be a non-empty string'],
      [{ topic: 5 }, 'view.topic must be a non-empty string'],
      [{ select: 'x' }, 'view.select must be a function'],
      [{ render: undefined }, 'view.render must be a function'],
      [{ onRender: {} }, 'view.onRender must be a function'],
      [{ sizeOf: 64 }, 'view.sizeOf must be a function'],
      [{ onError: 'log' }, 'view.onError must be a function'],
      [{ renderKey: 2 }, 'view.renderKey must be a string'],
      [{ minIntervalMs: -1 }, `view.minIntervalMs must be a number of ms in [0, ${MAX_TIMER_MS}]`],
      [{ minIntervalMs: Number.NaN }, `view.minIntervalMs must be a number of ms in [0, ${MAX_TIMER_MS}]`],
      [{ minIntervalMs: '5' }, `view.minIntervalMs must be a number of ms in [0, ${MAX_TIMER_MS}]`],
      [{ minIntervalMs: MAX_TIMER_MS + 1 }, `view.minIntervalMs must be a number of ms in [0, ${MAX_TIMER_MS}]`],
      [{ renderTimeoutMs: 0 }, `view.renderTimeoutMs must be a number of ms in [1, ${MAX_TIMER_MS}]`],
      [{ renderTimeoutMs: Number.NaN }, `view.renderTimeoutMs must be a number of ms in [1, ${MAX_TIMER_MS}]`],
      [{ renderTimeoutMs: '5' }, `view.renderTimeoutMs must be a number of ms in [1, ${MAX_TIMER_MS}]`],
      [{ renderTimeoutMs: MAX_TIMER_MS + 1 }, `view.renderTimeoutMs must be a number of ms in [1, ${MAX_TIMER_MS}]`],
    ];
    for (const [o, message] of cases) {
      expect(errorOf(o)).toEqual({ message, details: { option: message.split(' ')[0] } });
    }
  });

  it('the bounds themselves, and absent optional options, are valid', () => {
    for (const o of [
      { minIntervalMs: 0 },
      { minIntervalMs: MAX_TIMER_MS },
      { renderTimeoutMs: 1 },
      { renderTimeoutMs: MAX_TIMER_MS },
      { renderKey: '' },
      { sizeOf: () => 1, onError: () => {} },
    ]) {
      expect(errorOf(o)).toBeUndefined();
    }
  });

  it('sizeOf and onError are called with the options object as this', () => {
    const t = setup();
    const seen: unknown[] = [];
    const options = {
      ...t.base,
      render: (): string => {
        throw new Error('boom');
      },
      sizeOf(this: unknown) {
        seen.push(this);
        return 1;
      },
      onError(this: unknown) {
        seen.push(this);
      },
    };
    const v = t.view('k', options);
    t.host.push('AAPL', { price: 1 });
    v.update({ render: () => 'ok' });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ topic: 'AAPL', renderKey: 'tile-v1' });
    expect(seen[1]).toMatchObject({ topic: 'AAPL', renderKey: 'tile-v1' });
    v.close();
  });

  it('a callback that throws a non-Error is reported with its description, the thrown value as cause; an onError that throws is swallowed', () => {
    const t = setup();
    const errors: { message: string; cause: unknown; details: unknown }[] = [];
    const v = t.view('k', {
      select: () => {
        throw 'no quote';
      },
      onError: (e) => {
        errors.push(e as never);
        throw new Error('handler broke');
      },
    });
    t.host.push('AAPL', { price: 1 });
    t.host.push('AAPL', { price: 2 });
    expect(errors.map((e) => [e.message, e.cause, e.details])).toEqual([
      ['view k: select threw: no quote', 'no quote', { viewId: 'k', stage: 'select' }],
      ['view k: select threw: no quote', 'no quote', { viewId: 'k', stage: 'select' }],
    ]);
    expect(t.records).toEqual([
      { level: 'warn', event: 'callback.error', viewId: 'k', topic: 'AAPL', stage: 'select', error: 'no quote' },
      { level: 'warn', event: 'callback.error', viewId: 'k', topic: 'AAPL', stage: 'select', error: 'no quote' },
    ]);
    expect(t.counters.callbackErrors).toBe(2);
    v.close();
  });

  it("another view's render timeout error thrown by a render is wrapped, not passed on as this view's", async () => {
    const t = setup({ renderTimeoutMs: 10 });
    const errors: { message: string }[] = [];
    let foreign: unknown;
    const a = t.view('a', { render: () => new Promise<string>(() => {}), onError: (e) => void (foreign = e) });
    t.host.push('AAPL', { price: 1 });
    await vi.advanceTimersByTimeAsync(10);
    const b = t.view('b', {
      topic: 'B',
      render: () => {
        throw foreign;
      },
      onError: (e) => errors.push(e as never),
    });
    t.host.push('B', { price: 1 });
    expect(errors.map((e) => e.message)).toEqual(['view b: render threw: StreamClientError: view a: render did not settle within 10 ms']);
    a.close();
    b.close();
  });
});

describe('view errors and keys', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it("a render that throws the library's own errors (another option, no details) is reported and the view goes on", () => {
    const t = setup();
    const errors: { code: string; message: string }[] = [];
    const thrown = [
      new StreamClientError('INVALID_OPTIONS', 'url must be a string', { details: { option: 'url' } }),
      new StreamClientError('INVALID_OPTIONS', 'bare'),
      new StreamClientError('RENDER_FAILED', 'bare render failure'),
    ];
    const v = t.view('k', {
      render: (s) => {
        const err = thrown[s.price - 1];
        if (err) throw err;
        return `p${s.price}`;
      },
      onError: (e) => errors.push(e as never),
    });
    for (const price of [1, 2, 3, 4]) t.host.push('AAPL', { price });
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['RENDER_FAILED', 'view k: render threw: StreamClientError: url must be a string'],
      ['RENDER_FAILED', 'view k: render threw: StreamClientError: bare'],
      ['RENDER_FAILED', 'view k: render threw: StreamClientError: bare render failure'],
    ]);
    expect(svgs(t)).toEqual(['p4']);
    v.close();
  });

  it('a render timeout is reported with its details', async () => {
    const t = setup({ renderTimeoutMs: 25 });
    const errors: { details?: unknown }[] = [];
    const v = t.view('k', { render: () => new Promise<string>(() => {}), onError: (e) => errors.push(e as never) });
    t.host.push('AAPL', { price: 1 });
    await vi.advanceTimersByTimeAsync(25);
    expect(errors.map((e) => e.details)).toEqual([{ viewId: 'k', stage: 'render', timeoutMs: 25 }]);
    v.close();
  });

  it('onRender receives the semantic key: render key, state, stale flag and source', () => {
    const t = setup();
    const v = t.view('k');
    t.host.push('AAPL', { price: 1 });
    t.host.stale('AAPL', true);
    t.host.push('AAPL', { price: 2 }, { source: 'fallback' });
    expect(t.outputs.map((o) => o.info.key)).toEqual([
      '"tile-v1"|{"price":1}|live|stream',
      '"tile-v1"|{"price":1}|stale|stream',
      '"tile-v1"|{"price":2}|stale|fallback',
    ]);
    v.close();
  });

  it('a repeated state that only its key can tell equal (a fresh Map each tick) is skipped, not queued', () => {
    const t = setup({ minIntervalMs: 50 });
    const v = new View<Quote, { book: Map<string, number> }, string>(
      'k',
      {
        topic: 'AAPL',
        select: (q) => ({ book: new Map([['bid', q.price]]) }),
        render: (s) => `bid ${s.book.get('bid')}`,
        onRender: (output) => t.outputs.push({ output } as never),
      },
      t.deps,
    );
    t.host.push('AAPL', { price: 1 });
    vi.advanceTimersByTime(10);
    t.host.push('AAPL', { price: 1 });
    vi.advanceTimersByTime(10);
    t.host.push('AAPL', { price: 1 });
    expect([t.counters.skipped, t.counters.coalesced, t.tasks.size]).toEqual([2, 0, 0]);
    vi.advanceTimersByTime(100);
    expect(svgs(t)).toEqual(['bid 1']);
    v.close();
  });
});

describe('createViews', () => {
  function attach() {
    const host = new FakeHost();
    const counters = createCounters();
    const log = new Log({ debug() {}, info() {}, warn() {}, error() {} });
    const tasks = new TaskRegistry(systemClock);
    const render = { maxBytes: 1_000_000, maxEntries: 100, minIntervalMs: 0, renderTimeoutMs: 1_000 };
    const views = createViews({ [ATTACH_VIEWS]: (make) => (make as (h: unknown) => ReturnType<typeof make>)({ host, tasks, counters, log, render }) });
    return { host, counters, tasks, views };
  }
  const opts = (out: string[], topic = 'A') => ({
    topic,
    select: (q: Quote): State => ({ price: q.price }),
    render: (s: State) => `${s.price}`,
    onRender: (o: string) => void out.push(o),
  });

  it('a second view with the same id closes the first; a closed view leaves the next one with that id alone', () => {
    const t = attach();
    const a: string[] = [];
    const b: string[] = [];
    const c: string[] = [];
    const first = t.views.view('tile', opts(a));
    const second = t.views.view('tile', opts(b));
    expect(first.closed).toBe(true);
    t.host.push('A', { price: 1 });
    second.close();
    const third = t.views.view('tile', opts(c));
    second.close();
    t.host.push('A', { price: 2 });
    t.views.close();
    expect(third.closed).toBe(true);
    expect([a, b, c]).toEqual([[], ['1'], ['2']]);
    expect(t.host.live).toEqual([]);
  });

  it('close() closes every view and empties the render cache', () => {
    const t = attach();
    const out: string[] = [];
    const x = t.views.view('x', opts(out, 'X'));
    const y = t.views.view('y', opts(out, 'Y'));
    t.host.push('X', { price: 1 });
    t.host.push('Y', { price: 2 });
    expect(t.counters.cacheEntries).toBe(2);
    t.views.close();
    expect([x.closed, y.closed]).toEqual([true, true]);
    expect([t.counters.cacheEntries, t.counters.cacheBytes]).toEqual([0, 0]);
    expect(out).toEqual(['1', '2']);
    expect(t.tasks.size).toBe(0);
  });
});
