import { isRealTime } from '../core/clock.js';
import type { Task, TaskRegistry } from '../core/tasks.js';
import { quietSince, type Entry } from './entry.js';

/** Staleness settings (the client's `stale` option). */
export interface StaleConfig {
  /** Silence on a topic before it is `stale`. @default 10_000 */
  afterMs?: number;
  /** Re-send the subscription every this long while stale (servers that drop one silently). @default undefined (off) */
  resubscribeAfterMs?: number | undefined;
}

/** What the monitor asks of the registry. */
export interface StaleHost {
  /** Every entry; (un)subscribing while this is iterated is allowed. */
  allEntries(): Iterable<Entry>;
  /** The entry crossed its threshold: mark it stale (callbacks, log, fallback). */
  enterStale(entry: Entry, now: number): void;
  /** The entry has been stale for another `resubscribeAfterMs`: re-send it. */
  resubscribe(entry: Entry, now: number): void;
}

/** Sweeps never run closer together than this fraction of `afterMs` … */
const FLOOR_FRACTION = 0.1;
/** … bounded to this range (ms). */
const MIN_FLOOR_MS = 10;
const MAX_FLOOR_MS = 250;

/**
 * The minimum gap between sweeps: `afterMs / 10`, clamped to [10, 250] ms. A topic turns
 * stale no earlier than `afterMs` after its last frame and at most this much later.
 */
export function sweepFloorMs(afterMs: number | undefined): number {
  const base = afterMs === undefined ? MAX_FLOOR_MS : afterMs * FLOOR_FRACTION;
  return Math.min(MAX_FLOOR_MS, Math.max(MIN_FLOOR_MS, base));
}

/**
 * When the entry next needs the monitor's attention, or `undefined` if never. Silence counts
 * from the last frame, but never from before `countFrom` (the client's last `start()`).
 */
function deadline(entry: Entry, resubscribeAfterMs: number | undefined, countFrom = 0): number | undefined {
  if (entry.afterMs === undefined) return undefined;
  if (entry.state === 'pending' || entry.state === 'active') return Math.max(quietSince(entry), countFrom) + entry.afterMs;
  if (entry.state === 'stale' && resubscribeAfterMs !== undefined) return entry.resubscribeAt;
  return undefined;
}

/**
 * Per-topic staleness with one timer (`stale.sweep`), never one per message: the data path
 * only writes `entry.lastDataAt`. The timer is armed for the earliest deadline among the
 * watched entries (pending or active with a threshold; stale ones when re-sending is on), but
 * never sooner than `sweepFloorMs` ahead, so sweeps are bounded in frequency and each costs
 * O(entries). A busy topic costs one sweep per `afterMs`. No watched entries, no timer.
 * Pending entries are watched too: topics go stale during an outage by the same rule.
 */
export class StaleMonitor {
  readonly #tasks: TaskRegistry;
  readonly #host: StaleHost;
  readonly #resubscribeAfterMs: number | undefined;
  readonly #floorMs: number;
  #task: Task | undefined;
  #taskAt = Infinity;
  #paused = false;
  #countFrom = 0;
  /** When the sweep that deferred to let pending input be read ran; NaN when none did (see `#sweep`). */
  #deferredAt = NaN;
  /** Counts `idle()` calls: a sweep whose callbacks stopped, closed or emptied the registry ends there. */
  #idles = 0;

  constructor(config: StaleConfig | undefined, tasks: TaskRegistry, host: StaleHost) {
    this.#tasks = tasks;
    this.#host = host;
    this.#resubscribeAfterMs = config?.resubscribeAfterMs;
    this.#floorMs = sweepFloorMs(config?.afterMs);
  }

  /** The entry changed on the control path (new, state change, threshold change). */
  watch(entry: Entry): void {
    if (this.#paused) return;
    const at = deadline(entry, this.#resubscribeAfterMs, this.#countFrom);
    if (at !== undefined) this.#armAt(at, this.#tasks.clock.now());
  }

  /** Nothing left to watch (or disposing): drop the sweep now rather than at its next run. */
  idle(): void {
    this.#task?.cancel();
    this.#task = undefined;
    this.#taskAt = Infinity;
    this.#deferredAt = NaN;
    this.#idles++;
  }

  /** The user stopped the client: no sweeps (and no staleness) until `resume()`. */
  pause(): void {
    this.#paused = true;
    this.idle();
  }

  /** Started again: silence counts from `now`, not from before the stop. */
  resume(now: number): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#countFrom = now;
    for (const entry of this.#host.allEntries()) this.watch(entry);
  }

  #armAt(at: number, now: number): void {
    const fireAt = Math.max(at, now + this.#floorMs);
    if (this.#task && this.#taskAt <= fireAt) return;
    this.#task?.cancel();
    this.#taskAt = fireAt;
    this.#task = this.#tasks.timeout('stale.sweep', fireAt - now, () => this.#sweep());
  }

  #sweep(): void {
    this.#task = undefined;
    this.#taskAt = Infinity;
    const now = this.#tasks.clock.now();
    const resubscribeAfterMs = this.#resubscribeAfterMs;
    // In real time a frame carries its socket read's start time, and timers run before pending
    // I/O: after a long job (a slow subscriber on a backlog) the next frames are already
    // waiting. Judge silence as of now, but only after they were read (a 0 ms task runs after
    // the I/O phase): data being delivered is never silence. Fake and custom clocks stamp every frame.
    let judgeAt = now;
    if (!Number.isNaN(this.#deferredAt)) {
      judgeAt = this.#deferredAt;
      this.#deferredAt = NaN;
    } else if (isRealTime(this.#tasks.clock) && this.#anyDue(now)) {
      this.#deferredAt = now;
      this.#taskAt = now;
      this.#task = this.#tasks.timeout('stale.sweep', 0, () => this.#sweep());
      return;
    }
    let next = Infinity;
    const idles = this.#idles;
    // Callbacks may (un)subscribe during the sweep: Map iteration tolerates both.
    for (const entry of this.#host.allEntries()) {
      let at = deadline(entry, resubscribeAfterMs, this.#countFrom);
      if (at === undefined) continue;
      if (at <= judgeAt) {
        if (entry.state === 'stale') this.#host.resubscribe(entry, now);
        else this.#host.enterStale(entry, now);
        if (this.#idles !== idles) return; // a callback stopped or closed the client: nothing may re-arm
        entry.resubscribeAt = now + (resubscribeAfterMs ?? Infinity);
        at = deadline(entry, resubscribeAfterMs, this.#countFrom);
      }
      if (at !== undefined && !entry.closed && at < next) next = at;
    }
    if (next < Infinity) this.#armAt(next, now);
  }

  /** Whether some pending or active entry has been silent past its threshold. */
  #anyDue(now: number): boolean {
    for (const entry of this.#host.allEntries()) {
      if (entry.state !== 'pending' && entry.state !== 'active') continue;
      const at = deadline(entry, undefined, this.#countFrom);
      if (at !== undefined && at <= now) return true;
    }
    return false;
  }
}
