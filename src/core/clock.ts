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
