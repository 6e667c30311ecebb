import type { Task, TaskRegistry } from '../core/tasks.js';

/** While the output is blocked, look again this often (ms). */
export const BLOCKED_RETRY_MS = 50;

/** Where the pacer sends: its owner, seen through two methods. */
export interface PacerOutput<T> {
  /** Send one item now. */
  transmit(item: T): void;
  /** The output holds too much unsent: wait. */
  blocked(): boolean;
}

/**
 * Sends queued items at most one per `intervalMs` (servers that punish bursts); with
 * `intervalMs` 0 everything goes out synchronously, in order. While `blocked()` (the socket
 * holds too much unsent) nothing goes out and it looks again every `BLOCKED_RETRY_MS`. One
 * timer at most (`subscribe.pace`), armed only while items wait. Deleting an item that has not
 * gone out yet means it never goes out.
 */
export class Pacer<T> {
  readonly #intervalMs: number;
  readonly #tasks: TaskRegistry;
  readonly #out: PacerOutput<T>;
  readonly #queue = new Set<T>();
  #task: Task | undefined;
  #lastAt = -Infinity;
  #pumping = false;

  constructor(intervalMs: number, tasks: TaskRegistry, out: PacerOutput<T>) {
    this.#intervalMs = intervalMs;
    this.#tasks = tasks;
    this.#out = out;
  }

  get size(): number {
    return this.#queue.size;
  }

  has(item: T): boolean {
    return this.#queue.has(item);
  }

  /** Queue an item (once); it goes out now if the pace allows. */
  push(item: T): void {
    this.#queue.add(item);
    this.#pump();
  }

  delete(item: T): void {
    this.#queue.delete(item);
    if (this.#queue.size === 0) this.#cancel();
  }

  /** Forget everything queued and the pace (a new session starts a fresh burst budget). */
  clear(): void {
    this.#queue.clear();
    this.#cancel();
    this.#lastAt = -Infinity;
  }

  #wait(ms: number): void {
    this.#task = this.#tasks.timeout('subscribe.pace', ms, () => {
      this.#task = undefined;
      this.#pump();
    });
  }

  #cancel(): void {
    this.#task?.cancel();
    this.#task = undefined;
  }

  #pump(): void {
    if (this.#pumping || this.#task) return;
    this.#pumping = true;
    try {
      for (const item of this.#queue) {
        if (this.#out.blocked()) return this.#wait(BLOCKED_RETRY_MS);
        if (this.#intervalMs > 0) {
          const now = this.#tasks.clock.now();
          const wait = this.#lastAt + this.#intervalMs - now;
          if (wait > 0) return this.#wait(wait);
          this.#lastAt = now;
        }
        this.#queue.delete(item);
        this.#out.transmit(item);
      }
    } finally {
      this.#pumping = false;
    }
  }
}
