/**
 * What the soak measures at a checkpoint, and how a series of checkpoints is judged:
 * heap after a full GC, active resources by type, and a least-squares slope over the series
 * (never a single before/after pair).
 */
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';
import { getHeapCodeStatistics } from 'node:v8';

/** Memory after forced full collections. `heapUsed` is per isolate, so it is ours alone. */
export interface HeapSample {
  readonly heapUsed: number;
  /** Machine code, bytecode and their metadata (`v8.getHeapCodeStatistics()`): grows as V8 tiers functions up. */
  readonly code: number;
  /** `heapUsed - code`: what the program's objects retain. The slope is fitted on this. */
  readonly data: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

export function requireGc(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') {
    throw new Error('the soak needs --expose-gc: run it with `npm run soak` (node --expose-gc --import tsx bench/soak.ts)');
  }
  return gc;
}

/**
 * Heap after GC: three full collections with event-loop turns between them, so close
 * callbacks, FinalizationRegistry cleanups and weak callbacks of the previous turn have run
 * and their garbage is collected too.
 */
export async function heapAfterGc(rounds = 3): Promise<HeapSample> {
  const gc = requireGc();
  for (let i = 0; i < rounds; i++) {
    await immediate();
    gc();
  }
  const m = process.memoryUsage();
  const c = getHeapCodeStatistics();
  const code = c.code_and_metadata_size + c.bytecode_and_metadata_size;
  return { heapUsed: m.heapUsed, code, data: m.heapUsed - code, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Pause between the two samples of a checkpoint: socket close callbacks and the like land. */
const RESAMPLE_AFTER_MS = 20;

/**
 * A checkpoint's heap: two `heapAfterGc()` samples 20 ms apart, the smaller data heap kept.
 * Something still in flight at the first (a socket whose close callback has not run yet) is
 * garbage by the second, and a transient spike must not tilt a least-squares line.
 */
export async function settledHeap(): Promise<HeapSample> {
  const first = await heapAfterGc();
  await sleep(RESAMPLE_AFTER_MS);
  const second = await heapAfterGc();
  return second.data <= first.data ? second : first;
}

/** `process.getActiveResourcesInfo()` counted by type (TCPSocketWrap, Timeout, …). */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** `TCPSocketWrap:2 Timeout:1`, stdio wraps left out (they are the process's, not ours). */
export function formatResources(counts: ReadonlyMap<string, number>): string {
  const parts: string[] = [];
  for (const [type, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    if (type === 'TTYWrap' || type === 'PipeWrap' || type === 'FSReqCallback') continue;
    parts.push(`${type.replace(/Wrap$/, '')}:${n}`);
  }
  return parts.length === 0 ? '-' : parts.join(' ');
}

/** Types whose count is above `baseline` (stdio wraps ignored). */
export function resourcesAbove(now: ReadonlyMap<string, number>, baseline: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [type, n] of now) {
    if (type === 'TTYWrap' || type === 'PipeWrap' || type === 'FSReqCallback') continue;
    const grew = n - (baseline.get(type) ?? 0);
    if (grew > 0) out[type] = grew;
  }
  return out;
}

/** Waits for the resource counts to fall back to `baseline` (close callbacks run late), bounded. */
export async function settleResources(baseline: ReadonlyMap<string, number>, turns = 20): Promise<Record<string, number>> {
  let above = resourcesAbove(activeResources(), baseline);
  for (let i = 0; i < turns && Object.keys(above).length > 0; i++) {
    await immediate();
    if (i >= 10) await new Promise<void>((resolve) => setTimeout(resolve, 10));
    above = resourcesAbove(activeResources(), baseline);
  }
  return above;
}

/** A least-squares line through (x, y) points, with the slope's standard error. */
export interface Fit {
  readonly slope: number;
  readonly intercept: number;
  /** Standard error of the slope; `NaN` with fewer than three points. */
  readonly slopeStdErr: number;
  readonly points: number;
}

export function leastSquares(xs: readonly number[], ys: readonly number[]): Fit {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return { slope: 0, intercept: ys[0] ?? 0, slopeStdErr: NaN, points: n };
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    sxx += dx * dx;
    sxy += dx * (ys[i]! - my);
  }
  if (sxx === 0) return { slope: 0, intercept: my, slopeStdErr: NaN, points: n };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssr = 0;
  for (let i = 0; i < n; i++) {
    const r = ys[i]! - (intercept + slope * xs[i]!);
    ssr += r * r;
  }
  const slopeStdErr = n > 2 ? Math.sqrt(ssr / (n - 2) / sxx) : NaN;
  return { slope, intercept, slopeStdErr, points: n };
}

export function kb(bytes: number, digits = 0): string {
  return (bytes / 1024).toFixed(digits);
}

export function mb(bytes: number, digits = 2): string {
  return (bytes / (1024 * 1024)).toFixed(digits);
}
