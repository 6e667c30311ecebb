/** The longest delay a JS timer honours: Node fires anything above 2^31 - 1 ms after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** An opaque timer handle, as returned by the clock. */
export type TimerHandle = unknown;

/**
 * The only source of time in steadystream. The default reads the timer globals at call time,
 * so `vi.useFakeTimers()` (installed after the client was built) still drives everything.
 */
export interface Clock {
  /** Wall time, epoch ms: only for times a person sees. */
  now(): number;
  /**
   * A clock that never steps back (ms, any origin), for every duration: deadlines, heartbeat
   * silence, staleness, uptime. Without it, durations are measured on `now()` and follow any
   * wall-clock step. @default `performance.now` on the system clock
   */
  monotonic?(): number;
  /** Calls `fn` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer that has not fired; a no-op otherwise. */
  clearTimeout(handle: TimerHandle): void;
  /**
   * The capability to share one clock read per synchronous job: time does not move within a job
   * (a real clock), so every frame of one socket read gets the read of the first (a read per
   * frame costs 170 ns/msg in process: bench/RESULTS.md, "stale bookkeeping"). Leave it off for a clock that a test advances
   * synchronously (fake timers), where frames of one job arrive at different times: each frame
   * then reads the clock. {@link systemClock} has it while the timer globals are the platform's.
   * @default false
   */
  readonly realTime?: boolean;
}

/** The platform's own time functions, captured when steadystream loads. */
const platformNow = Date.now;
const platformPerfNow = globalThis.performance?.now;
const platformSetTimeout = globalThis.setTimeout;

/**
 * The clock's sources are the ones captured at load: no fake timers and no spy replaced them since
 * (fake timers that leave `Date` alone do not move time within a job). Fake timers installed before
 * steadystream is imported (a setup file) are not seen: there, give the client
 * `clock: { ...systemClock, realTime: false }`.
 */
function platformTime(): boolean {
  return Date.now === platformNow && globalThis.performance?.now === platformPerfNow;
}

/**
 * Fake timers that replace `Date` and the timers but leave `performance` alone (a `toFake` list
 * without it): timers run on fake time, so durations must be measured on it too (`Date.now`),
 * or every silence check sees ~0 ms pass and nothing ever goes stale or times out.
 */
function datePaced(): boolean {
  return Date.now !== platformNow && globalThis.setTimeout !== platformSetTimeout && globalThis.performance?.now === platformPerfNow;
}

/**
 * The default clock: `Date.now`, `performance.now` and the global `setTimeout`, looked up on
 * every call, so fake timers installed after a client was built drive it. It is `realTime`
 * (one read per job) while those globals are the platform's (the ones captured when steadystream loaded), and reads
 * per frame under fake timers, which a test advances synchronously.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => (datePaced() ? Date.now() : globalThis.performance.now()),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  get realTime(): boolean {
    return platformTime();
  },
};

/** May frames arriving in one synchronous job share one read of `clock`? (Its `realTime` capability.) */
export function isRealTime(clock: Clock): boolean {
  return clock.realTime === true;
}

/**
 * The clock every part of a client reads (through the task registry): `now()` is epoch ms that
 * advance with the monotonic clock and never step back, anchored to the wall clock once, so a
 * backward NTP step cannot stop a deadline, a probe or a stale check. `wallOf(t)` turns such a
 * time back into wall time for a person to read. Without a `monotonic` source it is the base clock.
 */
export class SteadyClock implements Clock {
  readonly #base: Clock;
  /** Steady time minus monotonic time (the anchor: wall at construction minus monotonic then). */
  #offset = 0;
  #lastMono = 0;
  /** The system clock measured on fake `Date.now` at the last read ({@link datePaced}). */
  #paced = false;

  // Two number fields and the base's own `monotonic` (no bound copy): one per client (bench/RESULTS.md (c)).
  constructor(base: Clock) {
    this.#base = base;
    this.#paced = base === systemClock && datePaced();
    if (base.monotonic) this.#anchor(base.now(), base.monotonic());
  }

  now(): number {
    const base = this.#base;
    if (base.monotonic === undefined) return base.now();
    const m = base.monotonic();
    // A monotonic source never goes back: when it does, or when the system clock changes source
    // (fake timers installed or removed), re-anchor so steady time stays continuous.
    const paced = base === systemClock && datePaced();
    if (m < this.#lastMono || paced !== this.#paced) {
      this.#paced = paced;
      this.#anchor(this.#lastMono + this.#offset, m);
    }
    this.#lastMono = m;
    return m + this.#offset;
  }

  monotonic(): number {
    return this.now();
  }

  /** Wall time (epoch ms) of a steady time `t` from `now()`. */
  wallOf(t: number): number {
    return this.#base.monotonic === undefined ? t : this.#base.now() - (this.now() - t);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#base.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#base.clearTimeout(handle);
  }

  get realTime(): boolean {
    return this.#base.realTime === true;
  }

  #anchor(wall: number, mono: number): void {
    this.#offset = wall - mono;
    this.#lastMono = mono;
  }
}
