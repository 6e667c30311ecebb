/** The longest delay a JS timer honours: Node fires anything above 2^31 - 1 ms after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** An opaque timer handle, as returned by the clock. */
export type TimerHandle = unknown;

/**
 * The only source of time in steadystream. The default reads the timer globals at call time,
 * so `vi.useFakeTimers()` (installed after the client was built) still drives everything.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The default clock: `Date.now` and the global `setTimeout`, looked up on every call. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The platform's own `Date.now`, captured at load (a fake timer's replacement is JS, not native). */
const platformNow = Date.now;
const platformNowIsNative = /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(platformNow));

/**
 * True when `clock` is real time: the system clock over the platform's own `Date.now` — no
 * fake timers, no spy, no user clock. Only then may frames that arrive in one synchronous job
 * share one clock read: under fake timers a synchronous advance delivers frames at different
 * times within one job, and each must see its own.
 */
export function isRealTime(clock: Clock): boolean {
  return clock === systemClock && platformNowIsNative && Date.now === platformNow;
}
