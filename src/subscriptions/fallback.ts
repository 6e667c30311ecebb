import { StreamClientError, describeError } from '../core/errors.js';
import type { Task, TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import { equalJitter, type RandomSource } from '../core/backoff.js';
import type { Entry } from './entry.js';

/** A polling source used while a topic is stale: the client's `fallback` option, resolved (complete, validated). */
export interface FallbackConfig {
  /** Fetch the current value of a topic. Honour `signal`: it aborts on timeout and on stop. */
  fetch(topic: string, signal: AbortSignal): Promise<unknown>;
  /** Poll period per stale topic. */
  readonly intervalMs: number;
  /** Each fetch is aborted after this (and counts as a failure). */
  readonly timeoutMs: number;
  /** Fetches in flight across all topics; the rest wait their turn, first come first served. */
  readonly concurrency: number;
}

/** After failures the poll period backs off up to this multiple of `intervalMs`. */
export const FALLBACK_MAX_BACKOFF_FACTOR = 8;

interface Poll {
  readonly entry: Entry;
  /** Waiting for its next turn (timer) … */
  timer: Task | undefined;
  /** … or in flight: aborted on stop, timeout or dispose. */
  controller: AbortController | undefined;
  timeout: Task | undefined;
  failures: number;
  previousDelayMs: number;
}

export interface FallbackDeps {
  tasks: TaskRegistry;
  log: Log;
  counters: Counters;
  random: RandomSource;
  /** Hand polled data to the entry's handles (`meta.source: 'fallback'`). */
  deliver(entry: Entry, data: unknown): void;
}

/**
 * Polls stale entries through `fetch`. Each polled entry has exactly one of: a pending turn
 * (`fallback.poll` timer), a place in the FIFO of turns waiting for a concurrency slot, or a
 * fetch in flight (with its `fallback.timeout` timer). `stop()` removes all three, and a
 * result that arrives after `stop()` is discarded, so nothing is fetched or delivered for an
 * entry once it recovered, was unsubscribed, or the poller was disposed.
 */
export class FallbackPoller {
  readonly #fetch: FallbackConfig['fetch'];
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #concurrency: number;
  readonly #deps: FallbackDeps;
  readonly #polls = new Map<Entry, Poll>();
  readonly #waiting: Poll[] = [];
  #inFlight = 0;

  constructor(config: FallbackConfig, deps: FallbackDeps) {
    this.#fetch = config.fetch;
    this.#intervalMs = config.intervalMs;
    this.#timeoutMs = config.timeoutMs;
    this.#concurrency = config.concurrency;
    this.#deps = deps;
  }

  /** Entries being served. */
  get size(): number {
    return this.#polls.size;
  }

  /** Fetches in flight right now (never above `concurrency`). */
  get inFlight(): number {
    return this.#inFlight;
  }

  has(entry: Entry): boolean {
    return this.#polls.has(entry);
  }

  /** Start serving an entry: its first poll is due now. */
  start(entry: Entry): void {
    if (this.#polls.has(entry)) return;
    const poll: Poll = { entry, timer: undefined, controller: undefined, timeout: undefined, failures: 0, previousDelayMs: 0 };
    this.#polls.set(entry, poll);
    this.#deps.log.info('fallback.start', { topic: entry.topic, key: entry.key, intervalMs: this.#intervalMs });
    this.#due(poll);
  }

  /** Stop serving an entry; `reason` goes into the `fallback.stop` record. */
  stop(entry: Entry, reason: string): void {
    const poll = this.#polls.get(entry);
    if (!poll) return;
    this.#polls.delete(entry);
    this.#halt(poll);
    this.#deps.log.info('fallback.stop', { topic: entry.topic, key: entry.key, reason });
    this.#pump();
  }

  /** Stop everything, without log records. Idempotent. */
  dispose(): void {
    for (const poll of this.#polls.values()) this.#halt(poll);
    this.#polls.clear();
  }

  #halt(poll: Poll): void {
    poll.timer?.cancel();
    poll.timer = undefined;
    const i = this.#waiting.indexOf(poll);
    if (i >= 0) this.#waiting.splice(i, 1);
    if (poll.controller) {
      poll.controller.abort(new StreamClientError('FALLBACK_FAILED', 'fallback stopped'));
      poll.controller = undefined;
      poll.timeout?.cancel();
      poll.timeout = undefined;
      this.#inFlight--;
    }
  }

  #due(poll: Poll): void {
    poll.timer = undefined;
    this.#waiting.push(poll);
    this.#pump();
  }

  #pump(): void {
    while (this.#inFlight < this.#concurrency) {
      const poll = this.#waiting.shift();
      if (!poll) return;
      this.#launch(poll);
    }
  }

  #launch(poll: Poll): void {
    const { tasks, counters } = this.#deps;
    const controller = new AbortController();
    const startedAt = tasks.clock.now();
    poll.controller = controller;
    this.#inFlight++;
    counters.fallbackPolls++;
    poll.timeout = tasks.timeout('fallback.timeout', this.#timeoutMs, () => {
      poll.timeout = undefined;
      controller.abort(new StreamClientError('FALLBACK_FAILED', `fallback fetch timed out after ${this.#timeoutMs} ms`));
    });
    // A fetch that ignores its signal still frees its slot on abort.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(this.#fetch(poll.entry.topic, controller.signal));
    } catch (err) {
      result = Promise.reject(err);
    }
    Promise.race([result, aborted]).then(
      (data) => this.#settle(poll, controller, startedAt, true, data),
      (err: unknown) => this.#settle(poll, controller, startedAt, false, err),
    );
    // The losing side of the race must not surface as an unhandled rejection.
    result.catch(() => {});
    aborted.catch(() => {});
  }

  #settle(poll: Poll, controller: AbortController, startedAt: number, ok: boolean, value: unknown): void {
    if (poll.controller !== controller) return; // stopped meanwhile: discard
    poll.controller = undefined;
    poll.timeout?.cancel();
    poll.timeout = undefined;
    this.#inFlight--;
    const { tasks, log, counters, random } = this.#deps;
    const now = tasks.clock.now();
    let delay: number;
    if (ok) {
      poll.failures = 0;
      poll.previousDelayMs = 0;
      delay = Math.max(0, startedAt + this.#intervalMs - now);
    } else {
      counters.fallbackErrors++;
      poll.failures++;
      // Equal jitter over [ceiling/2, ceiling], ceiling = interval * 2^failures: never sooner than intervalMs.
      const options = { initialDelayMs: this.#intervalMs, maxDelayMs: this.#intervalMs * FALLBACK_MAX_BACKOFF_FACTOR, factor: 2 };
      delay = equalJitter(poll.failures + 1, poll.previousDelayMs, options, random);
      poll.previousDelayMs = delay;
      log.warn('fallback.error', {
        topic: poll.entry.topic,
        key: poll.entry.key,
        failures: poll.failures,
        retryInMs: Math.round(delay),
        error: value instanceof Error ? value : describeError(value),
      });
    }
    if (this.#polls.get(poll.entry) === poll) {
      poll.timer = tasks.timeout('fallback.poll', delay, () => this.#due(poll));
      if (ok) this.#deps.deliver(poll.entry, value);
    }
    this.#pump();
  }
}
