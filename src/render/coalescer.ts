import type { Task, TaskRegistry } from '../core/tasks.js';

/** Name of the coalescer's timer in the task registry. */
export const COALESCE_TASK = 'render.coalesce';

export interface CoalescerOptions {
  /** Minimum time between two flushes, in ms in `[0, 2^31 - 1]` (validated by the caller); 0 flushes every value at once. */
  minIntervalMs: number;
  /** Called for each value replaced by a newer one before it was flushed. */
  onDrop?: () => void;
}

/**
 * Per-view burst coalescing with both edges (the interval counts from the end of the last
 * flush, so a slow synchronous render stretches it rather than defeating it):
 * - leading: a value arriving `minIntervalMs` or more after the last flush is flushed at once
 *   (a slow ticker renders without delay, and no timer is armed);
 * - trailing: a value arriving sooner waits for the end of the interval; newer values replace
 *   it (latest wins), and the last one is always flushed.
 *
 * So at most one flush per interval, never a lost final value, and at most one timer (named
 * {@link COALESCE_TASK}, through the task registry) per coalescer.
 */
export class Coalescer<T> {
  readonly #tasks: TaskRegistry;
  readonly #flush: (value: T) => void;
  readonly #onDrop: (() => void) | undefined;
  #intervalMs: number;
  #lastFlushAt: number | undefined;
  #pending: { value: T } | undefined;
  #timer: Task | undefined;

  constructor(tasks: TaskRegistry, flush: (value: T) => void, options: CoalescerOptions) {
    this.#tasks = tasks;
    this.#flush = flush;
    this.#onDrop = options.onDrop;
    this.#intervalMs = options.minIntervalMs;
  }

  get minIntervalMs(): number {
    return this.#intervalMs;
  }

  /** Change the interval (validated by the caller); a waiting value is rescheduled against the new one. */
  set minIntervalMs(ms: number) {
    this.#intervalMs = ms;
    if (this.#timer === undefined) return;
    this.#timer.cancel();
    this.#timer = undefined;
    this.#arm();
  }

  /** Offer a value: flushed now (leading edge) or at the end of the interval (trailing edge). */
  push(value: T): void {
    if (this.#pending !== undefined) {
      this.#pending = { value };
      this.#onDrop?.();
      return;
    }
    const now = this.#tasks.clock.now();
    if (this.#lastFlushAt === undefined || now - this.#lastFlushAt >= this.#intervalMs) {
      this.#run(value, now);
      return;
    }
    this.#pending = { value };
    this.#arm();
  }

  /** Drop the waiting value and its timer. The coalescer stays usable. */
  cancel(): void {
    this.#pending = undefined;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #arm(): void {
    const elapsed = this.#tasks.clock.now() - (this.#lastFlushAt ?? 0);
    this.#timer = this.#tasks.timeout(COALESCE_TASK, this.#intervalMs - elapsed, () => {
      this.#timer = undefined;
      const pending = this.#pending;
      this.#pending = undefined;
      if (pending === undefined) return;
      this.#run(pending.value, this.#tasks.clock.now());
    });
  }

  /**
   * Flush, then start the interval from the flush's END: a render slower than the interval
   * must not turn every next value into a leading edge (coalescing would stop, lag would grow).
   */
  #run(value: T, now: number): void {
    this.#lastFlushAt = now; // a push from inside the flush is not a leading edge
    this.#flush(value);
    this.#lastFlushAt = this.#tasks.clock.now();
    if (this.#timer === undefined) return;
    this.#timer.cancel(); // armed by a push from inside the flush: count from the end instead
    this.#arm();
  }
}
