import type { TaskRegistry, Timer } from '../core/tasks.js';

/** What the heartbeat needs of a connection: three methods, not the connection. */
export interface HeartbeatTarget {
  /** Clock time of the last inbound frame (data, ping, pong, anything). */
  lastInboundAt(): number;
  /** Send a probe (WebSocket ping, or the protocol's ping). */
  probe(): void;
  /** Nothing came back in time: the socket is dead. */
  dead(): void;
}

/** A deadline firing this much after its time means the page slept or was throttled, not that the feed was silent. */
const LATE_MS = 1_000;

export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
}

/**
 * Half-open detection without a timer per message: one timer, armed for when the feed would
 * have been quiet for `intervalMs`. When it fires early (frames arrived meanwhile) it re-arms
 * for the remainder, so its cost is bounded by one check per interval, whatever the rate.
 * Only after a real quiet interval does it probe, and only silence for `timeoutMs` after the
 * probe is death: a quiet but healthy feed answers the probe.
 */
export class Heartbeat {
  readonly #tasks: TaskRegistry;
  readonly #options: HeartbeatOptions;
  readonly #target: HeartbeatTarget;
  /** One timer, re-armed for each check and each probe: nothing is allocated per period but the clock's own handle. */
  #timer: Timer | undefined;
  /** Clock time of the outstanding probe; `undefined` while the timer waits for a check. */
  #probedAt: number | undefined;
  /** The probe's timeout passed unanswered; the verdict waits for pending I/O to be read. */
  #verdictPending = false;
  /** Clock time the armed timer is due at, to tell a late firing (hidden tab, sleep) from a real deadline. */
  #dueAt = 0;
  /** This probe already got its one extra deadline after a late firing. */
  #graced = false;

  constructor(options: HeartbeatOptions, tasks: TaskRegistry, target: HeartbeatTarget) {
    this.#options = options;
    this.#tasks = tasks;
    this.#target = target;
  }

  start(): void {
    this.stop();
    this.#armCheck(this.#options.intervalMs);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#probedAt = undefined;
    this.#verdictPending = false;
  }

  #armCheck(ms: number): void {
    this.#probedAt = undefined;
    this.#verdictPending = false;
    this.#graced = false;
    this.#dueAt = this.#tasks.clock.now() + ms;
    (this.#timer ??= this.#tasks.timer('heartbeat.check', this.#due.bind(this))).arm(ms, 'heartbeat.check');
  }

  #due(): void {
    const probedAt = this.#probedAt;
    if (probedAt === undefined) return this.#check();
    // Answered: the next check is due one interval after the last inbound frame.
    if (this.#target.lastInboundAt() >= probedAt) return this.#check();
    if (!this.#verdictPending) {
      if (!this.#graced && this.#tasks.clock.now() - this.#dueAt > LATE_MS) {
        // Fired late (throttled or frozen tab): the frames that would answer may still be queued
        // behind this timer. Probe again on a deadline measured from now, once.
        this.#graced = true;
        return this.#probe();
      }
      // Timers run before I/O: after an event-loop stall the answer may sit unread in the socket.
      // A 0 ms timer armed now runs after the loop's next I/O poll; decide then.
      this.#verdictPending = true;
      return this.#timer!.arm(0, 'heartbeat.verdict');
    }
    this.#probedAt = undefined;
    this.#verdictPending = false;
    this.#target.dead();
  }

  #check(): void {
    const quietFor = this.#tasks.clock.now() - this.#target.lastInboundAt();
    if (quietFor < this.#options.intervalMs) return this.#armCheck(this.#options.intervalMs - quietFor);
    this.#probe();
  }

  #probe(): void {
    const probedAt = this.#tasks.clock.now();
    this.#target.probe();
    this.#probedAt = probedAt;
    this.#verdictPending = false;
    this.#dueAt = probedAt + this.#options.timeoutMs;
    this.#timer!.arm(this.#options.timeoutMs, 'heartbeat.timeout');
  }
}
