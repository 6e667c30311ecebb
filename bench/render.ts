/**
 * Render pipeline bench: ticks over many symbols with sub-precision noise, through Views
 * against an in-process host. Run: `node --import tsx bench/render.ts`.
 *
 * Reports renders performed vs distinct visible states (renders <= distinct when the working
 * set fits the budget and nothing is evicted), the cache hit ratio, the cost of
 * normalize + key + cache lookup per tick, and peak cache bytes vs the budget.
 */
import { pathToFileURL } from 'node:url';
import type { Clock, TimerHandle } from '../src/core/clock.js';
import { TaskRegistry } from '../src/core/tasks.js';
import { createCounters } from '../src/observe/counters.js';
import { Log, silentLogger } from '../src/observe/log.js';
import { RenderCache } from '../src/render/cache.js';
import { canonical, sameCanonical } from '../src/render/key.js';
import { compilePrecision, normalize, type PrecisionMap } from '../src/render/precision.js';
import type { RenderState, ViewDataMeta, ViewHost } from '../src/render/view-options.js';
import { View } from '../src/render/view.js';
import { seeded as prng } from '../test/helpers/random.js';

export interface RenderBenchOptions {
  /** Row label. @default 'dedupe' */
  label?: string;
  /** @default 1_000_000 */
  ticks?: number;
  /** @default 100 */
  symbols?: number;
  /** PRNG seed. @default 42 */
  seed?: number;
  /** Per-view coalescing interval. @default 0 (off: every visible change renders) */
  minIntervalMs?: number;
  /** Virtual time between two ticks (all symbols). @default 0.01 (100k ticks/s) */
  tickSpacingMs?: number;
  /** Chance that a tick moves the visible price by 1..3 cents. @default 0.02 */
  visibleMoveP?: number;
  /** Cache budget. @default 8 * 1024 * 1024 */
  maxBytes?: number;
}

export interface RenderBenchResult {
  label: string;
  ticks: number;
  minIntervalMs: number;
  visibleChanges: number;
  distinctVisibleStates: number;
  renders: number;
  onRenders: number;
  cacheHits: number;
  cacheMisses: number;
  hitRatio: number;
  skipped: number;
  coalesced: number;
  evictions: number;
  /** normalize + key + cache get on every tick (no dedupe): the cost of a keyed tick. */
  nsPerTickKeyLookup: number;
  /** As a View does it: normalize + compare with the last state; key + get only on change. */
  nsPerTickDedupe: number;
  /** Whole View path per tick (host push -> … -> onRender), tick generation subtracted. */
  nsPerTickView: number;
  peakCacheBytes: number;
  maxBytes: number;
}

/** A manual clock: time moves only when the bench says so; due timers fire in time order. */
class VirtualClock implements Clock {
  #now = 0;
  #nextId = 1;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  now = (): number => this.#now;
  setTimeout = (fn: () => void, ms: number): TimerHandle => (this.#timers.set(this.#nextId, { at: this.#now + ms, fn }), this.#nextId++);
  clearTimeout = (handle: TimerHandle): void => void this.#timers.delete(handle as number);
  advanceTo(t: number): void {
    for (let due = this.#due(); due !== undefined && due[1].at <= t; due = this.#due()) {
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].fn();
    }
    this.#now = t;
  }
  #due(): [number, { at: number; fn: () => void }] | undefined {
    let first: [number, { at: number; fn: () => void }] | undefined;
    for (const entry of this.#timers) if (first === undefined || entry[1].at < first[1].at) first = entry;
    return first;
  }
}

/** The trivial in-process host: one listener list per topic. */
class LocalHost implements ViewHost {
  readonly #topics = new Map<string, Set<(d: unknown, m: ViewDataMeta) => void>>();
  subscribe(topic: string, _params: unknown, onData: (d: unknown, m: ViewDataMeta) => void) {
    let set = this.#topics.get(topic);
    if (!set) this.#topics.set(topic, (set = new Set()));
    set.add(onData);
    return { unsubscribe: () => void set.delete(onData) };
  }
  push(topic: string, data: unknown): void {
    const set = this.#topics.get(topic);
    if (set) for (const fn of set) fn(data, STREAM);
  }
}
const STREAM: ViewDataMeta = { source: 'stream' };

interface Tick {
  symbol: string;
  price: number;
  size: number;
}
type TileState = Tick;

const PRECISION: PrecisionMap = { price: 2, size: 'integer' };
const RENDER_KEY = 'tile-v1';
const selectTile = (t: Tick): TileState => ({ symbol: t.symbol, price: t.price, size: t.size });
const renderTile = (s: RenderState<TileState>): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="72" height="72"><rect width="72" height="72" fill="${s.stale ? '#555' : '#111'}"/>` +
  `<text x="36" y="28" fill="#fff" text-anchor="middle" font-size="12">${s.symbol}</text>` +
  `<text x="36" y="50" fill="#0f0" text-anchor="middle" font-size="14">${s.price.toFixed(2)}</text>` +
  `<text x="36" y="64" fill="#888" text-anchor="middle" font-size="9">${s.size}</text></svg>`;

/** The tick stream: a bounded random walk in cents per symbol, plus noise below a cent / a lot. */
function* ticks(o: Required<RenderBenchOptions>): Generator<Tick & { level: number; lot: number }> {
  const rand = prng(o.seed);
  const names = Array.from({ length: o.symbols }, (_, i) => `SYM${i}`);
  const level = Array.from({ length: o.symbols }, () => 10_000 + Math.floor(rand() * 1_000));
  const home = level.slice();
  const lot = Array.from({ length: o.symbols }, () => 100);
  for (let i = 0; i < o.ticks; i++) {
    const s = Math.floor(rand() * o.symbols);
    if (rand() < o.visibleMoveP) {
      const step = 1 + Math.floor(rand() * 3);
      const l = level[s]!;
      // Mean-reverting inside +-15 cents of home, so visible states recur (cache hits).
      level[s] = l + (l > home[s]! + 15 ? -step : l < home[s]! - 15 ? step : rand() < 0.5 ? -step : step);
      if (rand() < 0.2) lot[s] = 100 + Math.floor(rand() * 3) * 100;
    }
    const noise = (rand() - 0.5) * 0.008; // |noise| < 0.4 cent: never crosses a rounding boundary
    yield { symbol: names[s]!, price: level[s]! / 100 + noise, size: lot[s]! + (rand() - 0.5) * 0.8, level: level[s]!, lot: lot[s]! };
  }
}

/**
 * Times the key path alone over the same ticks, against the warmed cache, in chunks of
 * pre-selected states (so PRNG and select are not timed). `keyed`: normalize + key + get on
 * every tick. `deduped`: as a View does it — normalize, compare with the symbol's last state
 * (allocation-free), and key + get only when it changed.
 */
function timeKeyPath(o: Required<RenderBenchOptions>, cache: RenderCache): { keyed: number; deduped: number } {
  const compiled = compilePrecision(PRECISION);
  const prefix = JSON.stringify(RENDER_KEY);
  const last = new Map<string, TileState>();
  const chunk: TileState[] = [];
  let keyed = 0n;
  let deduped = 0n;
  let sink = 0;
  const lookup = (n: TileState) => {
    if (cache.get(`${prefix}|${canonical(n)}|live|stream`) !== undefined) sink++;
  };
  const run = () => {
    let t = process.hrtime.bigint();
    for (const s of chunk) lookup(normalize(s, compiled));
    keyed += process.hrtime.bigint() - t;
    t = process.hrtime.bigint();
    for (const s of chunk) {
      const n = normalize(s, compiled);
      const prev = last.get(s.symbol);
      if (prev !== undefined && sameCanonical(n, prev)) continue;
      last.set(s.symbol, n);
      lookup(n);
    }
    deduped += process.hrtime.bigint() - t;
    chunk.length = 0;
  };
  for (const tick of ticks(o)) if (chunk.push(selectTile(tick)) === 10_000) run();
  run();
  if (sink < 0) console.log(sink);
  return { keyed: Number(keyed) / o.ticks, deduped: Number(deduped) / o.ticks };
}

/** Visible changes and distinct visible states, from the generator's own levels (not the library). */
function groundTruth(o: Required<RenderBenchOptions>): { changes: number; distinct: number } {
  const seen = new Set<number>();
  const last = new Map<string, number>();
  let changes = 0;
  for (const t of ticks(o)) {
    const v = Number(t.symbol.slice(3)) * 1e9 + t.level * 1e3 + t.lot / 100;
    if (last.get(t.symbol) !== v) changes++;
    last.set(t.symbol, v);
    seen.add(v);
  }
  return { changes, distinct: seen.size };
}

/** Run the bench once; returns the numbers (for a bench runner). */
export function runRenderBench(options: RenderBenchOptions = {}): RenderBenchResult {
  const o: Required<RenderBenchOptions> = {
    label: 'dedupe',
    ticks: 1_000_000,
    symbols: 100,
    seed: 42,
    minIntervalMs: 0,
    tickSpacingMs: 0.01,
    visibleMoveP: 0.02,
    maxBytes: 8 * 1024 * 1024,
    ...options,
  };
  const counters = createCounters();
  const log = new Log(silentLogger);
  const clock = new VirtualClock();
  const tasks = new TaskRegistry(clock);
  const cache = new RenderCache({ maxBytes: o.maxBytes, maxEntries: 100_000 }, { counters, log });
  const host = new LocalHost();
  let onRenders = 0;
  const views = Array.from({ length: o.symbols }, (_, i) => {
    return new View<Tick, TileState, string>(
      `tile-${i}`,
      { topic: `SYM${i}`, select: selectTile, precision: PRECISION, render: renderTile, renderKey: RENDER_KEY, onRender: () => void onRenders++ },
      { host, cache, tasks, counters, log, defaults: { minIntervalMs: o.minIntervalMs, renderTimeoutMs: 10_000 } },
    );
  });

  const truth = groundTruth(o);
  // The tick generator alone, to subtract from the timed run.
  const idle = new VirtualClock();
  let t0 = process.hrtime.bigint();
  let i = 0;
  for (const tick of ticks(o)) {
    idle.advanceTo(++i * o.tickSpacingMs);
    if (tick.size < 0) host.push('', tick);
  }
  const generatorNs = Number(process.hrtime.bigint() - t0);
  t0 = process.hrtime.bigint();
  i = 0;
  for (const tick of ticks(o)) {
    clock.advanceTo(++i * o.tickSpacingMs);
    host.push(tick.symbol, tick);
  }
  clock.advanceTo(i * o.tickSpacingMs + o.minIntervalMs + 1); // trailing edges
  const viewNs = Number(process.hrtime.bigint() - t0) - generatorNs;
  for (const v of views) v.close();

  const keyPath = timeKeyPath(o, cache);

  const lookups = counters.cacheHits + counters.cacheMisses;
  return {
    label: o.label,
    ticks: o.ticks,
    minIntervalMs: o.minIntervalMs,
    visibleChanges: truth.changes,
    distinctVisibleStates: truth.distinct,
    renders: counters.renders,
    onRenders,
    cacheHits: counters.cacheHits,
    cacheMisses: counters.cacheMisses,
    hitRatio: lookups === 0 ? 0 : counters.cacheHits / lookups,
    skipped: counters.skipped,
    coalesced: counters.coalesced,
    evictions: counters.evictions,
    nsPerTickKeyLookup: keyPath.keyed,
    nsPerTickDedupe: keyPath.deduped,
    nsPerTickView: viewNs / o.ticks,
    peakCacheBytes: cache.peakBytes,
    maxBytes: o.maxBytes,
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** The markdown table of some runs. */
export function renderBenchTable(rows: RenderBenchResult[]): string {
  const head =
    '| run | minIntervalMs | ticks | visible changes | distinct visible states | renders | renders <= distinct | onRender calls | hit ratio | skipped | coalesced | evictions | ns/tick normalize+key+lookup | ns/tick with dedupe | ns/tick whole View path | peak cache / budget |';
  const lines = rows.map(
    (r) =>
      `| ${r.label} | ${r.minIntervalMs} | ${fmt(r.ticks)} | ${fmt(r.visibleChanges)} | ${fmt(r.distinctVisibleStates)} | ${fmt(r.renders)} | ` +
      `${r.renders <= r.distinctVisibleStates ? 'yes' : 'no'} | ${fmt(r.onRenders)} | ${(r.hitRatio * 100).toFixed(1)}% | ${fmt(r.skipped)} | ` +
      `${fmt(r.coalesced)} | ${fmt(r.evictions)} | ${r.nsPerTickKeyLookup.toFixed(0)} | ${r.nsPerTickDedupe.toFixed(0)} | ${r.nsPerTickView.toFixed(0)} | ` +
      `${kib(r.peakCacheBytes)} / ${kib(r.maxBytes)} |`,
  );
  return [head, `|${' --- |'.repeat(16)}`, ...lines].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = [{ label: 'dedupe (no coalescing)' }, { label: 'coalescing 50 ms', minIntervalMs: 50 }, { label: 'tight budget 64 KiB', maxBytes: 65_536 }];
  console.log(renderBenchTable(rows.map(runRenderBench)));
}
