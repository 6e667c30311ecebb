import type { Task, TaskRegistry } from '../core/tasks.js';

/** What the heartbeat needs of a connection: three methods, not the connection. */
export interface HeartbeatTarget {
  /** Clock time of the last inbound frame (data, ping, pong, anything). */
  lastInboundAt(): number;
  /** Send a probe (WebSocket ping, or the protocol's ping). */
  probe(): void;
  /** Nothing came back in time: the socket is dead. */
  dead(): void;
}

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
  #task: Task | undefined;

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
    this.#task?.cancel();
    this.#task = undefined;
  }

  #armCheck(ms: number): void {
    this.#task = this.#tasks.timeout('heartbeat.check', ms, () => this.#check());
  }

  #check(): void {
    const quietFor = this.#tasks.clock.now() - this.#target.lastInboundAt();
    if (quietFor < this.#options.intervalMs) return this.#armCheck(this.#options.intervalMs - quietFor);
    this.#probe();
  }

  #probe(): void {
    const probedAt = this.#tasks.clock.now();
    this.#target.probe();
    this.#task = this.#tasks.timeout('heartbeat.timeout', this.#options.timeoutMs, () => {
      // Answered: the next check is due one interval after the last inbound frame.
      if (this.#target.lastInboundAt() >= probedAt) this.#check();
      else {
        this.#task = undefined;
        this.#target.dead();
      }
    });
  }
}
