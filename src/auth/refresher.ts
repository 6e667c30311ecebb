import { linkSignals } from '../core/abort.js';
import { AuthError, ClosedError } from '../core/errors.js';
import type { Task } from '../core/tasks.js';
import { MAX_RETRY_AFTER_MS } from '../core/retry-after.js';
import { hintedDelay, strategies } from '../core/backoff.js';
import { classifyFailure, cycleFailure, failureCode, readTokenResult, retryAfterOf } from './classify.js';
import { MAX_TIMER_MS } from '../core/clock.js';
import { backgroundRetryDelay, proactiveRefreshDelay } from './schedule.js';
import { invoke, untilAborted } from './signals.js';
import type { ResolvedAuthOptions, TokenRefresherDeps } from './types.js';

/** Names of the timers the refresher puts in the `TaskRegistry`. */
export const AUTH_TASKS = { refresh: 'auth.refresh', retry: 'auth.retry', timeout: 'auth.timeout' } as const;

interface Cached {
  readonly token: string;
  readonly expiresAt: number;
  readonly obtainedAt: number;
  /** 1 for the first token ever obtained, +1 per successful fetch. */
  readonly generation: number;
}

/** The one shared refresh cycle: every attempt and retry wait of one refresh. */
interface Flight {
  readonly abort: AbortController;
  promise: Promise<string>;
}

/**
 * The approval-token lifecycle, owned by the client.
 *
 * - **Single-flight**: every concurrent `getToken()`/`refresh()` shares one refresh cycle —
 *   one `fetchToken` call at a time, its timeout, and its retries.
 * - **Timeouts abort**: an attempt's signal aborts after `timeoutMs` before any retry starts, so
 *   two fetches are never in flight.
 * - **Proactive**: while started, a token is renewed `refreshBeforeMs` (jittered) before expiry,
 *   or at 75–80% of a short TTL (see `proactiveRefreshDelay`). While the cached token is valid,
 *   callers get it at once and background failures only log.
 * - **Repeated rejection** (`invalidate()`): a rejection is *repeated* when the rejected token is
 *   newer than the previously rejected one and the server accepted no token in between
 *   (`markAccepted()`). A duplicate report about the same token is not repeated.
 * - **Secrets**: every token is registered with the log redactor on arrival; messages and
 *   records carry expiry times, never tokens.
 */
export class TokenRefresher {
  readonly #o: ResolvedAuthOptions;
  readonly #d: TokenRefresherDeps;
  #cached: Cached | undefined;
  #flight: Flight | undefined;
  /** When the proactive refresh of the cached token is due (epoch ms). */
  #refreshAt: number | undefined;
  #timer: Task | undefined;
  #running = false;
  #disposed = false;
  #generation = 0;
  /** Generation of the last rejected token, until the server accepts one. */
  #rejectedGeneration: number | undefined;
  /** Failed attempts since the last success, across cycles: a new cycle keeps backing off. */
  #failures = 0;
  #lastDelayMs = 0;

  constructor(options: ResolvedAuthOptions, deps: TokenRefresherDeps) {
    this.#o = options;
    this.#d = deps;
  }

  /** Expiry of the cached token (epoch ms), for `health()`. */
  get expiresAt(): number | undefined {
    return this.#cached?.expiresAt;
  }

  /** A token is cached and more than `clockSkewMs` away from expiry. */
  get hasValidToken(): boolean {
    return this.#cached !== undefined && this.#isValid(this.#cached);
  }

  /**
   * A valid token: the cached one if it is beyond `clockSkewMs` of expiry, else the result of
   * the shared refresh cycle (joined or started). Rejects with `AuthError('AUTH_FAILED')` when
   * the cycle fails (fatal error or retries exhausted; the next call starts a new cycle), with
   * `ClosedError` on `stop()`/`dispose()`, or with `signal.reason` when `signal` aborts — which
   * stops only this caller's wait, not the shared fetch.
   */
  getToken(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const cached = this.#cached;
    if (cached && this.#isValid(cached)) return Promise.resolve(cached.token);
    return untilAborted(this.#join(), signal);
  }

  /** Fetch a new token now (explicit refresh, proactive timer), joining a cycle in flight. */
  refresh(signal?: AbortSignal): Promise<string> {
    return untilAborted(this.#join(), signal);
  }

  /**
   * The server rejected a token: drop the cached one (unless `token` is given and differs from
   * it — then an older token was rejected and the cached one stays). `repeated: true` means a
   * token obtained after the previous rejection was rejected too, with no `markAccepted()` in
   * between: the caller should give up instead of refreshing in a loop.
   */
  invalidate(token?: string): { repeated: boolean } {
    this.#d.counters.authRejections++;
    const cached = this.#cached;
    if (token !== undefined && cached && cached.token !== token) {
      this.#d.log.warn('auth.rejected', { repeated: false, current: false });
      return { repeated: false };
    }
    const generation = cached?.generation ?? this.#generation;
    const repeated = this.#rejectedGeneration !== undefined && generation > this.#rejectedGeneration;
    // After a repeated rejection the caller gives up; a later manual restart gets one fresh try.
    this.#rejectedGeneration = repeated ? undefined : generation;
    const now = this.#now();
    this.#d.log.warn('auth.rejected', {
      repeated,
      current: true,
      ...(cached ? { ageMs: now - cached.obtainedAt, expiresAt: cached.expiresAt } : {}),
    });
    this.#cached = undefined;
    this.#refreshAt = undefined;
    this.#cancelTimer();
    return { repeated };
  }

  /** The server accepted the current token (handshake ok): resets the repeated-rejection rule. */
  markAccepted(): void {
    this.#rejectedGeneration = undefined;
  }

  /** Run the proactive timer (armed now if a token is cached). Idempotent. */
  start(): void {
    if (this.#disposed) return;
    this.#running = true;
    if (!this.#timer?.active) this.#arm();
  }

  /** Cancel the proactive timer and any retry wait, abort the fetch in flight (callers get `ClosedError`). The cached token is kept. */
  stop(): void {
    this.#halt(new ClosedError('token refresh stopped'));
  }

  /** `stop()`, forget the token, refuse further calls. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#halt(new ClosedError('token refresher is disposed'));
    this.#disposed = true;
    this.#cached = undefined;
    this.#refreshAt = undefined;
  }

  #halt(reason: ClosedError): void {
    this.#running = false;
    this.#cancelTimer();
    const flight = this.#flight;
    // Cleared now, not when the cycle unwinds, so a call right after stop() starts afresh.
    this.#flight = undefined;
    flight?.abort.abort(reason);
  }

  #now(): number {
    return this.#d.tasks.clock.now();
  }

  #isValid(c: Cached): boolean {
    return this.#now() < c.expiresAt - this.#o.clockSkewMs;
  }

  #join(): Promise<string> {
    if (this.#disposed) return Promise.reject(new ClosedError('token refresher is disposed'));
    if (this.#flight) return this.#flight.promise;
    const flight: Flight = { abort: new AbortController(), promise: Promise.resolve('') };
    this.#flight = flight;
    flight.promise = this.#cycle(flight);
    // A proactive cycle has no caller; its failures are logged, not unhandled.
    flight.promise.catch(() => {});
    return flight.promise;
  }

  async #cycle(flight: Flight): Promise<string> {
    const { signal } = flight.abort;
    const startedAt = this.#now();
    try {
      for (let attempt = 1; ; attempt++) {
        let error: unknown;
        try {
          const result = await this.#attempt(signal);
          if (signal.aborted) throw signal.reason;
          return this.#store(result, attempt, startedAt);
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          error = err;
        }
        const fatal = classifyFailure(error, this.#o.isFatal) === 'fatal';
        const last = fatal || attempt >= this.#o.retry.maxAttempts;
        this.#failures++;
        const nextDelayMs = last ? undefined : this.#backoff(retryAfterOf(error));
        this.#d.counters.tokenRefreshFailures++;
        this.#d.log.warn('auth.refresh.fail', {
          code: failureCode(error),
          attempt,
          nextDelayMs,
          fatal,
          background: this.hasValidToken,
          err: error,
        });
        if (nextDelayMs === undefined) {
          this.#afterFailedCycle(fatal);
          throw cycleFailure(error, attempt, fatal, (text) => this.#d.log.redactor.scrub(text));
        }
        await this.#d.tasks.delay(AUTH_TASKS.retry, nextDelayMs, signal);
      }
    } finally {
      if (this.#flight === flight) this.#flight = undefined;
    }
  }

  /** One `fetchToken` call, aborted after `timeoutMs` (or with the cycle). */
  async #attempt(cycle: AbortSignal): Promise<{ token: string; expiresAt: number }> {
    const link = linkSignals(cycle);
    const { timeoutMs } = this.#o;
    const timer = this.#d.tasks.timeout(AUTH_TASKS.timeout, timeoutMs, () =>
      link.abort(new AuthError('TOKEN_TIMEOUT', `fetchToken did not settle within ${timeoutMs} ms`)),
    );
    try {
      const pending = invoke(() => this.#o.fetchToken(link.signal));
      pending.catch(() => {}); // a fetch that settles after its abort is ignored
      const raw: unknown = await untilAborted(pending, link.signal);
      const token = (raw as { token?: unknown } | null)?.token;
      if (typeof token === 'string') this.#d.log.redactor.add(token); // before anything can echo it
      return readTokenResult(raw, this.#now());
    } finally {
      timer.cancel();
      link.dispose();
    }
  }

  /**
   * The next retry delay, from the failure streak (not the cycle's attempt): a dead service stays
   * backed off. A `Retry-After` the service sent only lengthens it (jittered, at most 10 min).
   */
  #backoff(hintMs: number | undefined): number {
    const r = this.#o.retry;
    const o = { initialDelayMs: r.initialDelayMs, maxDelayMs: r.maxDelayMs, factor: r.factor };
    this.#lastDelayMs = Math.round(strategies[r.jitter](this.#failures, this.#lastDelayMs, o, this.#d.random));
    if (hintMs === undefined) return this.#lastDelayMs;
    return Math.max(this.#lastDelayMs, Math.round(hintedDelay(hintMs, MAX_RETRY_AFTER_MS, this.#d.random)));
  }

  #store(result: { token: string; expiresAt: number }, attempt: number, startedAt: number): string {
    const now = this.#now();
    const { token, expiresAt } = result;
    this.#cached = { token, expiresAt, obtainedAt: now, generation: ++this.#generation };
    this.#failures = 0;
    this.#lastDelayMs = 0;
    const refreshInMs = proactiveRefreshDelay(expiresAt - now, this.#o.refreshBeforeMs, this.#d.random);
    this.#refreshAt = now + refreshInMs;
    this.#d.counters.tokenRefreshes++;
    this.#d.log.info('auth.refresh.ok', { expiresAt, ttlMs: expiresAt - now, durationMs: now - startedAt, attempt, refreshInMs });
    this.#arm();
    try {
      this.#d.onToken?.(token, expiresAt);
    } catch (err) {
      this.#d.counters.callbackErrors++;
      this.#d.log.error('callback.error', { callback: 'auth.onToken', err });
    }
    return token;
  }

  /** A cycle gave up. With a valid token left, a transient failure is retried in a later cycle. */
  #afterFailedCycle(fatal: boolean): void {
    const cached = this.#cached;
    if (fatal || !cached || !this.#isValid(cached)) {
      this.#refreshAt = undefined;
      this.#cancelTimer();
      return;
    }
    const validForMs = cached.expiresAt - this.#o.clockSkewMs - this.#now();
    this.#refreshAt = this.#now() + backgroundRetryDelay(validForMs, this.#o.retry.maxDelayMs);
    this.#arm();
  }

  /** (Re)arm the proactive timer for `#refreshAt`, if started and a token is cached. */
  #arm(): void {
    this.#cancelTimer();
    if (!this.#running || !this.#cached || this.#refreshAt === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, this.#refreshAt - this.#now()));
    this.#timer = this.#d.tasks.timeout(AUTH_TASKS.refresh, delay, () => {
      this.#timer = undefined;
      // A due time beyond what one timer can hold: wait again.
      if (this.#refreshAt !== undefined && this.#now() < this.#refreshAt) return this.#arm();
      this.#join().catch(() => {});
    });
  }

  #cancelTimer(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
