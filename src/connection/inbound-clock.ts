import { isRealTime, type Clock } from '../core/clock.js';

/**
 * When the connection last heard from the server, and the receive time of each frame. In real
 * time one clock read serves every frame of one job: `ws` hands all frames of one socket read
 * over in one synchronous run, and they were received at that moment; one microtask (shared by
 * every connection) lets the next job read again. Under fake timers or a custom clock the
 * clock is read once per frame, since a synchronous advance can deliver frames at different
 * times within one job. (A read per frame instead: the "clock read per frame" cost in bench/RESULTS.md.)
 */
export class InboundClock {
  /** Last inbound frame or pong (epoch ms); 0 before any. */
  last = 0;
  /** `last` was read in the current job: frames of this job share it. */
  #fresh = false;

  static readonly #pending: InboundClock[] = [];
  static readonly #staleAll = (): void => {
    for (const c of InboundClock.#pending) c.#fresh = false;
    InboundClock.#pending.length = 0;
  };

  /** The receive time of a frame arriving now. */
  frame(clock: Clock): number {
    if (this.#fresh) return this.last;
    if (isRealTime(clock)) {
      this.#fresh = true;
      if (InboundClock.#pending.push(this) === 1) queueMicrotask(InboundClock.#staleAll);
    }
    return (this.last = clock.now());
  }

  /** Something other than a frame came in (a pong, the socket opened). */
  touch(clock: Clock): void {
    this.last = clock.now();
  }
}
