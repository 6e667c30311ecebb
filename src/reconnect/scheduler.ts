import type { Task, TaskRegistry } from '../core/tasks.js';
import { MAX_TIMER_MS, hintedDelay, strategies, unitInterval } from './backoff.js';
import type { BackoffStrategy, JitterKind, RandomSource } from './backoff.js';

/** The reconnect policy the scheduler runs (already validated and defaulted by the client). */
export interface ReconnectOptions {
  /** Scale of the first retry's delay. */
  initialDelayMs: number;
  /** Cap on every delay the strategy draws (a server hint may go above it, up to `maxHintMs`). */
  maxDelayMs: number;
  /** Bound on a server's retry hint; the hinted wait is jittered up to 20% above it. */
  maxHintMs: number;
  /** Exponential growth per attempt. */
  factor: number;
  /** A built-in strategy by name, or your own {@link BackoffStrategy}. */
  jitter: JitterKind | BackoffStrategy;
  /** Consecutive failed attempts allowed; then `schedule()` returns `undefined`. `Infinity` retries forever. */
  maxAttempts: number;
  /** Uptime after which the attempt counter (and decorrelated jitter's memory) resets. */
  resetAfterMs: number;
}

/** One scheduled attempt: its number (1 = first retry after a drop) and its delay. */
export interface ReconnectPlan {
  readonly attempt: number;
  readonly delayMs: number;
  /** The server's retry hint, when one lengthened this delay (bounded by `maxHintMs`). */
  readonly hintMs?: number;
}

/**
 * Timer names in the {@link TaskRegistry}, for tests and `health()` debugging. (`reset` is no
 * longer a timer: uptime is measured from a timestamp; the name stays for compatibility.)
 */
export const RECONNECT_TIMERS = { attempt: 'reconnect.attempt', reset: 'reconnect.reset' } as const;

/**
 * When to try again: backoff, cap, server hints, max attempts, and a counter that resets only
 * after stable uptime. Pure of sockets; every timer goes through the task registry.
 *
 * At most one attempt is pending at a time, so a close storm schedules one attempt, not many.
 */
export class ReconnectScheduler {
  readonly #tasks: TaskRegistry;
  readonly #random: RandomSource;
  readonly #strategy: BackoffStrategy;
  /** The (shared, validated) reconnect options: backoff inputs, maxAttempts, resetAfterMs. */
  readonly #backoff: ReconnectOptions;
  #attempt = 0;
  #previousMs = 0;
  #pending: { task: Task; plan: ReconnectPlan } | undefined;
  /** Clock time of the `opened()` that uptime counts from; `undefined` while not open. */
  #openedAt: number | undefined;

  constructor(options: ReconnectOptions, tasks: TaskRegistry, random: RandomSource) {
    const { jitter } = options;
    const strategy = typeof jitter === 'function' ? jitter : Object.hasOwn(strategies, jitter) ? strategies[jitter] : undefined;
    if (!strategy) throw new TypeError(`reconnect.jitter must be one of ${Object.keys(strategies).join(', ')} or a function`);
    this.#strategy = strategy;
    this.#backoff = options; // the strategy reads initialDelayMs, maxDelayMs and factor of it: no copy per client
    this.#tasks = tasks;
    // A user source returning -1, 2 or NaN must not make a delay negative or NaN.
    this.#random = random === Math.random ? random : () => unitInterval(random());
  }

  /** Consecutive failed attempts so far: 0 after a reset, 1 once the first retry is scheduled. */
  get attempt(): number {
    this.#settleUptime();
    return this.#attempt;
  }

  /** An attempt is scheduled and has not run or been cancelled. */
  get pending(): boolean {
    return this.#pending?.task.active ?? false;
  }

  /**
   * Schedule the next attempt. While one is pending this returns that plan and schedules
   * nothing (a close storm = one attempt). Returns `undefined` when `maxAttempts` is exhausted:
   * the caller gives up (state `failed`). `hintMs`, a server's retry hint, can only lengthen
   * the strategy's delay: the wait is the longer of the two ({@link hintedDelay}, bounded by
   * `maxHintMs`), so a hint of 0 never turns backoff off.
   */
  schedule(run: () => void, hintMs?: number): ReconnectPlan | undefined {
    if (this.#pending?.task.active) return this.#pending.plan;
    this.#settleUptime();
    if (this.#attempt >= this.#backoff.maxAttempts) return undefined;
    const attempt = ++this.#attempt;
    const backoffMs = this.#backoffDelay(attempt);
    // Decorrelated jitter remembers its own draw: a long server hint does not inflate later waits.
    this.#previousMs = backoffMs;
    const hintedMs = hintMs === undefined ? 0 : Math.ceil(hintedDelay(hintMs, this.#backoff.maxHintMs, this.#random));
    const plan: ReconnectPlan =
      hintedMs > backoffMs
        ? { attempt, delayMs: Math.min(MAX_TIMER_MS, hintedMs), hintMs: Math.min(hintMs!, this.#backoff.maxHintMs) }
        : { attempt, delayMs: backoffMs };
    const delayMs = plan.delayMs;
    const task = this.#tasks.timeout(RECONNECT_TIMERS.attempt, delayMs, () => {
      this.#pending = undefined;
      run();
    });
    this.#pending = { task, plan };
    return plan;
  }

  /** Drop the pending attempt, if any (stop / close). The counter is kept. */
  cancel(): void {
    this.#pending?.task.cancel();
    this.#pending = undefined;
  }

  /**
   * The connection is open: after `resetAfterMs` of uptime the counter resets to 0. A repeated
   * call while uptime is being measured keeps the first one (uptime started then). Uptime is a
   * timestamp checked whenever the counter is read or used, not a timer: an open client holds
   * one timer fewer.
   */
  opened(): void {
    this.#settleUptime();
    if (this.#openedAt !== undefined) return;
    if (this.#backoff.resetAfterMs <= 0) return this.reset();
    this.#openedAt = this.#tasks.clock.now();
  }

  /** The connection went down: unless uptime reached `resetAfterMs`, the counter stays. */
  closed(): void {
    this.#settleUptime();
    this.#openedAt = undefined;
  }

  /** Counter to 0 now (the user called `start()`). A pending attempt is left alone. */
  reset(): void {
    this.closed();
    this.#clearCounter();
  }

  /** Apply the uptime reset if it is due (what a `resetAfterMs` timer would have done by now). */
  #settleUptime(): void {
    const at = this.#openedAt;
    if (at === undefined || this.#tasks.clock.now() - at < this.#backoff.resetAfterMs) return;
    this.#openedAt = undefined;
    this.#clearCounter();
  }

  #clearCounter(): void {
    this.#attempt = 0;
    this.#previousMs = 0;
  }

  #backoffDelay(attempt: number): number {
    const o = this.#backoff;
    const raw = this.#strategy(attempt, this.#previousMs, o, this.#random);
    // Whole ms, rounded up so no lower bound (initial) is undercut; a user strategy may
    // return anything, so clamp into [0, cap] too.
    return Number.isFinite(raw) ? Math.min(o.maxDelayMs, Math.max(0, Math.ceil(raw))) : o.maxDelayMs;
  }
}
