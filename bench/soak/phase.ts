/**
 * A phase runs a bounded number of units (cycles, reconnects, messages), takes a checkpoint
 * before the first unit and after every 1/N of them, and is judged on
 *  - the least-squares slope of heap-after-GC (its data part: heapUsed minus code and
 *    bytecode) over the checkpoints after the first two: the 0% one and the first block are
 *    warm-up (JIT tiering, buffers and caches filling up), see tolerance.ts;
 *  - exact structure: listener counts, pending timers and active handles never above their
 *    value at the first fitted checkpoint; after close, no timer, no listener, no connection.
 */
import { rmSync } from 'node:fs';
import { activeResources, leastSquares, settledHeap, resourcesAbove, type Fit, type HeapSample } from './measure.js';
import { diffSnapshots, readSnapshot, writeSnapshot, type SnapshotDiff } from './snapshot.js';
import { allowedGrowth, TOLERANCE } from './tolerance.js';

/** What a phase reports about the objects it drives, at each checkpoint. */
export interface Probe {
  /** The client's pending timers (`pendingTimers(client)` of steadystream/testing, its length). */
  pendingTimers?(): number;
  /** `client.listenerCount('state')` / `('error')`. */
  listeners?(): { state: number; error: number };
  /** The server's open connections. */
  serverConnections(): number;
  /** Listeners on the server (bounded waits must not leave any behind). */
  serverListeners?(): number;
  /** A short phase-specific note (subscriptions restored, messages delivered, …). */
  note?(): string;
}

export interface Checkpoint {
  readonly label: string;
  readonly units: number;
  readonly heap: HeapSample;
  readonly resources: ReadonlyMap<string, number>;
  readonly pendingTimers: number | undefined;
  readonly listeners: { state: number; error: number } | undefined;
  readonly serverConnections: number;
  readonly serverListeners: number | undefined;
  readonly elapsedMs: number;
  readonly note: string;
}

export type Verdict = 'ok' | 'FAIL' | 'too short' | 'skipped';

export interface PhaseResult {
  readonly name: string;
  readonly unit: string;
  readonly planned: number;
  done: number;
  cut: boolean;
  readonly checkpoints: Checkpoint[];
  /** Rows taken after the phase's client closed (zero timers, listeners, connections expected). */
  readonly after: Checkpoint[];
  readonly problems: string[];
  fit: Fit | undefined;
  secondHalf: Fit | undefined;
  /** Growth the whole-phase slope implies over `planned` units. */
  projectedBytes: number;
  projectedSecondHalfBytes: number;
  allowedBytes: number;
  verdict: Verdict;
  seconds: number;
  /** With --snapshots: what grew over the phase and what retains it. */
  growth: SnapshotDiff | undefined;
}

export interface PhaseContext {
  /** performance.now() after which the phase stops early (reported as cut). */
  readonly deadline: number;
  readonly checkpoints: number;
  readonly snapshots: boolean;
  /** Bytes to retain per unit on purpose (`--inject-leak`, the detector's self-test). */
  readonly injectLeak: number;
}

/** Where `--inject-leak` puts what it retains. */
const injected: unknown[] = [];

/** Checkpoints left out of the fit: the one at 0% and the one after the first block. */
export const WARMUP_CHECKPOINTS = 2;

/** Problems beyond this stop a phase: it has failed already, and its loop must stay bounded. */
const MAX_PROBLEMS = 5;

export class Phase {
  readonly result: PhaseResult;
  readonly #ctx: PhaseContext;
  readonly #started = performance.now();
  /** The first fitted checkpoint's snapshot file, with --snapshots. */
  #snapshot: string | undefined;

  constructor(name: string, unit: string, planned: number, ctx: PhaseContext) {
    this.#ctx = ctx;
    this.result = {
      name,
      unit,
      planned,
      done: 0,
      cut: false,
      checkpoints: [],
      after: [],
      problems: [],
      fit: undefined,
      secondHalf: undefined,
      projectedBytes: 0,
      projectedSecondHalfBytes: 0,
      allowedBytes: 0,
      verdict: planned === 0 ? 'skipped' : 'too short',
      seconds: 0,
      growth: undefined,
    };
  }

  get failed(): boolean {
    return this.result.problems.length >= MAX_PROBLEMS;
  }

  problem(message: string): void {
    if (this.result.problems.length < MAX_PROBLEMS * 4) this.result.problems.push(message);
  }

  /**
   * Runs `step(i, count)` until `planned` units are done — a step does up to `count` units
   * starting at `i` and returns how many it did — with a checkpoint before the first unit and
   * after each 1/N of them. Stops early at the deadline or after MAX_PROBLEMS problems.
   */
  async run(step: (i: number, count: number) => Promise<number>, probe: Probe): Promise<void> {
    const r = this.result;
    if (r.planned === 0) return;
    await this.checkpoint('0%', probe);
    const n = Math.min(this.#ctx.checkpoints, r.planned);
    for (let k = 1; k <= n; k++) {
      const target = Math.round((r.planned * k) / n);
      while (r.done < target) {
        if (performance.now() > this.#ctx.deadline) {
          r.cut = true;
          break;
        }
        if (this.failed) break;
        const did = await step(r.done, target - r.done);
        r.done += did;
        // A packed array of small integers: 8 bytes per element on the V8 heap.
        if (this.#ctx.injectLeak > 0) injected.push(new Array<number>(Math.ceil((this.#ctx.injectLeak * did) / 8)).fill(1));
      }
      if (r.cut || this.failed) break;
      await this.checkpoint(`${Math.round((100 * k) / n)}%`, probe);
      if (k === WARMUP_CHECKPOINTS - 1 && this.#ctx.snapshots) this.#snapshot = writeSnapshot(`${r.unit}-start`);
    }
  }

  async checkpoint(label: string, probe: Probe, into: Checkpoint[] = this.result.checkpoints): Promise<Checkpoint> {
    const heap = await settledHeap();
    const cp: Checkpoint = {
      label,
      units: this.result.done,
      heap,
      resources: activeResources(),
      pendingTimers: probe.pendingTimers?.(),
      listeners: probe.listeners?.(),
      serverConnections: probe.serverConnections(),
      serverListeners: probe.serverListeners?.(),
      elapsedMs: performance.now() - this.#started,
      note: probe.note?.() ?? '',
    };
    into.push(cp);
    return cp;
  }

  /** A row after the phase's client has closed. */
  afterClose(label: string, probe: Probe): Promise<Checkpoint> {
    return this.checkpoint(label, probe, this.result.after);
  }

  /** Fits the slope, checks the structure, sets the verdict. */
  async finish(): Promise<PhaseResult> {
    const r = this.result;
    r.seconds = (performance.now() - this.#started) / 1000;
    if (r.planned === 0) return r;
    const fitted = r.checkpoints.slice(WARMUP_CHECKPOINTS);
    this.#checkStructure(fitted);
    const baseline = fitted[0]?.heap.heapUsed ?? r.checkpoints[0]?.heap.heapUsed ?? 0;
    r.allowedBytes = allowedGrowth(baseline);
    if (fitted.length >= TOLERANCE.minPoints) {
      r.fit = leastSquares(
        fitted.map((c) => c.units),
        fitted.map((c) => c.heap.data),
      );
      const half = fitted.slice(Math.floor(fitted.length / 2));
      r.secondHalf = leastSquares(
        half.map((c) => c.units),
        half.map((c) => c.heap.data),
      );
      r.projectedBytes = r.fit.slope * r.planned;
      r.projectedSecondHalfBytes = r.secondHalf.slope * r.planned;
      // Sustained growth: the whole series and its second half both imply more than allowed;
      // a bounded structure filling up early (a cache reaching its budget) fails only the first.
      const leaking = r.projectedBytes > r.allowedBytes && r.projectedSecondHalfBytes > r.allowedBytes;
      r.verdict = leaking ? 'FAIL' : 'ok';
      if (this.#snapshot !== undefined) {
        const end = writeSnapshot(`${r.unit}-end`);
        r.growth = diffSnapshots(readSnapshot(this.#snapshot), readSnapshot(end));
      }
    }
    if (this.#snapshot !== undefined) rmSync(this.#snapshot, { force: true });
    this.#snapshot = undefined;
    if (r.problems.length > 0) r.verdict = 'FAIL';
    return r;
  }

  /** Counts that must not grow while the phase runs, and must be zero after close. */
  #checkStructure(fitted: readonly Checkpoint[]): void {
    const first = fitted[0];
    if (first !== undefined) {
      for (const cp of fitted.slice(1)) {
        const at = `${cp.label} (${cp.units} ${this.result.unit}s)`;
        const grew = resourcesAbove(cp.resources, first.resources);
        if (Object.keys(grew).length > 0) this.problem(`${at}: active handles grew since ${first.label}: ${JSON.stringify(grew)}`);
        if (cp.listeners && first.listeners && (cp.listeners.state > first.listeners.state || cp.listeners.error > first.listeners.error)) {
          this.problem(`${at}: client listeners grew from ${first.listeners.state}/${first.listeners.error} to ${cp.listeners.state}/${cp.listeners.error}`);
        }
        if ((cp.serverListeners ?? 0) > (first.serverListeners ?? 0)) this.problem(`${at}: server listeners grew to ${cp.serverListeners}`);
        if ((cp.pendingTimers ?? 0) > (first.pendingTimers ?? 0) + TIMER_SLACK) {
          this.problem(`${at}: pending timers ${cp.pendingTimers}, ${first.pendingTimers} at ${first.label}`);
        }
      }
    }
    for (const cp of this.result.after) {
      if ((cp.pendingTimers ?? 0) !== 0) this.problem(`${cp.label}: ${cp.pendingTimers} timers pending`);
      if (cp.listeners && cp.listeners.state + cp.listeners.error !== 0) this.problem(`${cp.label}: listeners ${cp.listeners.state}/${cp.listeners.error}`);
      if (cp.serverConnections !== 0) this.problem(`${cp.label}: ${cp.serverConnections} server connections`);
      if ((cp.serverListeners ?? 0) !== 0) this.problem(`${cp.label}: ${cp.serverListeners} server listeners`);
    }
  }
}

/**
 * Timers a live client may legitimately have armed at one checkpoint and not at another
 * (a view's coalescing timer, a subscription retry); growth beyond it is a finding.
 */
const TIMER_SLACK = 4;
