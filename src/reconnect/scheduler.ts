import type { Task, TaskRegistry } from '../core/tasks.js';
import { MAX_TIMER_MS, hintedDelay, strategies } from '../core/backoff.js';
import type { BackoffStrategy, JitterKind, RandomSource } from '../core/backoff.js';

/** The reconnect policy the scheduler runs: complete and validated by the client's `resolveOptions` (the scheduler checks nothing). */
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
  /**
   * The first retry after a healthy connection drops is drawn in `[0, quickRetryMs)` instead of
   * by the strategy: a blip is the common case. 0 turns it off.
   */
  quickRetryMs: number;
  /**
   * Cap on the strategy's delays while the server is down (attempts refused at once): probing a
   * refusing host is cheap and finds its return quickly. At or above `maxDelayMs`: off.
   */
  downMaxDelayMs: number;
}

/** One scheduled attempt: its number (1 = first retry after a drop) and its delay. */
export interface ReconnectPlan {
  readonly attempt: number;
  readonly delayMs: number;
  /** The server's retry hint, when one lengthened this delay (bounded by `maxHintMs`). */
  readonly hintMs?: number;
}

/**
 * A socket that fails before opening, with no HTTP answer, this soon after being created was
 * refused: the host answers and nothing listens (server down or restarting). A refusal takes one
 * round trip (~1 ms on a LAN); the margin absorbs a loaded event loop. A timeout never qualifies.
 */
export const REFUSED_FAST_MS = 50;

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
  /** The last draw while the server was down: kept apart so probing does not shrink the backoff. */
  #downPreviousMs = 0;
  #pending: { task: Task; plan: ReconnectPlan } | undefined;
  /** Clock time of the `opened()` that uptime counts from; `undefined` while not open. */
  #openedAt: number | undefined;
  /** The connection opened since the last scheduled attempt: its drop may be a blip. */
  #wasOpen = false;
  /** The strategy's inputs while the server is down (one object per client, not per attempt). */
  readonly #down: { initialDelayMs: number; maxDelayMs: number; factor: number } | undefined;

  constructor(options: ReconnectOptions, tasks: TaskRegistry, random: RandomSource) {
    const { jitter } = options;
    this.#strategy = typeof jitter === 'function' ? jitter : strategies[jitter];
    this.#backoff = options; // the strategy reads initialDelayMs, maxDelayMs and factor of it: no copy per client
    const downMax = Math.min(options.downMaxDelayMs, options.maxDelayMs);
    // A quarter of the cap as the floor keeps a fleet's probes spread over [cap/4, cap].
    this.#down =
      downMax >= options.maxDelayMs
        ? undefined
        : { initialDelayMs: Math.min(options.initialDelayMs, Math.max(1, downMax / 4)), maxDelayMs: downMax, factor: options.factor };
    this.#tasks = tasks;
    this.#random = random; // the client's: a user source is already clamped into [0, 1) by resolveOptions
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
   *
   * The first retry after a healthy connection (opened, no failure since the counter last
   * reset) drops is drawn in `[0, quickRetryMs)`. `down` says the last attempt was refused at
   * once (nothing listening): the strategy's cap is then `downMaxDelayMs`.
   */
  schedule(run: () => void, hintMs?: number, down = false): ReconnectPlan | undefined {
    if (this.#pending?.task.active) return this.#pending.plan;
    this.#settleUptime();
    if (this.#attempt >= this.#backoff.maxAttempts) return undefined;
    down &&= this.#down !== undefined; // no lower cap configured: a refusal backs off like any failure
    const quickMs = this.#backoff.quickRetryMs;
    const quick = this.#wasOpen && this.#attempt === 0 && quickMs > 0;
    this.#wasOpen = false;
    const attempt = ++this.#attempt;
    const backoffMs = quick ? Math.floor(this.#random() * quickMs) : this.#backoffDelay(attempt, down);
    // Decorrelated jitter remembers its own draw: a long server hint does not inflate later waits.
    // A quick retry is outside the strategy: the next draw starts as a first one. Probes of a
    // down server keep their own memory, so a server that comes back over capacity gets the
    // backoff a fleet would have without them.
    if (down && !quick) this.#downPreviousMs = backoffMs;
    else this.#previousMs = quick ? 0 : backoffMs;
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
    if (this.#backoff.resetAfterMs <= 0) this.reset();
    else if (this.#openedAt === undefined) this.#openedAt = this.#tasks.clock.now();
    this.#wasOpen = true;
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
    this.#wasOpen = false;
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
    this.#downPreviousMs = 0;
  }

  #backoffDelay(attempt: number, down: boolean): number {
    const o = (down && this.#down) || this.#backoff;
    const raw = this.#strategy(attempt, down ? this.#downPreviousMs : this.#previousMs, o, this.#random);
    // Whole ms, rounded up so no lower bound (initial) is undercut; a user strategy may
    // return anything, so clamp into [0, cap] too.
    return Number.isFinite(raw) ? Math.min(o.maxDelayMs, Math.max(0, Math.ceil(raw))) : o.maxDelayMs;
  }
}
