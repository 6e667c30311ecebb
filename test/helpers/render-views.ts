import { DEFAULTS } from '../../src/client/defaults.js';
import { systemClock } from '../../src/core/clock.js';
import { TaskRegistry } from '../../src/core/tasks.js';
import { createCounters } from '../../src/observe/counters.js';
import { Log, type Logger } from '../../src/observe/log.js';
import { RenderCache } from '../../src/render/cache.js';
import { View } from '../../src/render/view.js';
import type { RenderInfo, RenderState, ViewDataMeta, ViewHooks, ViewHost, ViewOptions } from '../../src/render/view-options.js';
import { renderCacheOptions } from './config.js';

/** Views over a fake host, with their outputs, renders, log records and counters recorded. */
export interface Quote {
  price: number;
  name?: string;
}
export type State = { price: number };

/** Records subscribe/unsubscribe in order and pushes data to live subscriptions. */
export class FakeHost implements ViewHost {
  readonly events: string[] = [];
  readonly subs: { topic: string; onData: (d: unknown, m: ViewDataMeta) => void; hooks: ViewHooks; live: boolean }[] = [];
  subscribe(topic: string, _params: unknown, onData: (d: unknown, m: ViewDataMeta) => void, hooks: ViewHooks) {
    const sub = { topic, onData, hooks, live: true };
    this.subs.push(sub);
    this.events.push(`sub ${topic}`);
    return {
      unsubscribe: () => {
        if (!sub.live) return;
        sub.live = false;
        this.events.push(`unsub ${topic}`);
      },
    };
  }
  push(topic: string, data: Quote, meta: ViewDataMeta = { source: 'stream' }): void {
    for (const s of this.subs) if (s.live && s.topic === topic) s.onData(data, meta);
  }
  stale(topic: string, on: boolean): void {
    for (const s of this.subs) if (s.live && s.topic === topic) (on ? s.hooks.onStale : s.hooks.onRecover)?.({});
  }
  get live(): string[] {
    return this.subs.filter((s) => s.live).map((s) => s.topic);
  }
}

export function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

export function setupViews(render: { maxBytes?: number; minIntervalMs?: number; renderTimeoutMs?: number } = {}) {
  const counters = createCounters();
  const records: Record<string, unknown>[] = [];
  const write = (level: string) => (obj: object) => void records.push({ level, ...obj });
  const logger: Logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  const log = new Log(logger);
  const tasks = new TaskRegistry(systemClock);
  const cache = new RenderCache(renderCacheOptions({ maxBytes: render.maxBytes ?? 1_000_000 }), { counters, log });
  const host = new FakeHost();
  const deps = {
    host,
    cache,
    tasks,
    counters,
    log,
    defaults: { minIntervalMs: render.minIntervalMs ?? 0, renderTimeoutMs: render.renderTimeoutMs ?? DEFAULTS.render.renderTimeoutMs },
  };
  const outputs: { view: string; output: string; info: RenderInfo; at: number }[] = [];
  const renders: RenderState<State>[] = [];
  const base: ViewOptions<Quote, State, string> = {
    topic: 'AAPL',
    select: (q) => ({ price: q.price }),
    precision: { price: 2 },
    renderKey: 'tile-v1',
    render: (s) => (renders.push(s), `<svg>${s.price.toFixed(2)}${s.stale ? ' stale' : ''}</svg>`),
    onRender: (output, info) => outputs.push({ view: info.viewId, output, info, at: Date.now() }),
  };
  const view = (id: string, o: Partial<ViewOptions<Quote, State, string>> = {}) => new View<Quote, State, string>(id, { ...base, ...o }, deps);
  return { counters, records, tasks, cache, host, outputs, renders, view, deps, base };
}
