import type { Task, TaskRegistry } from '../core/tasks.js';

/**
 * Sends queued items at most one per `intervalMs` (servers that punish bursts); with
 * `intervalMs` 0 everything goes out synchronously, in order. One timer at most
 * (`subscribe.pace`), armed only while items wait. Deleting an item that has not gone out
 * yet means it never goes out.
 */
export class Pacer<T> {
  readonly #intervalMs: number;
  readonly #tasks: TaskRegistry;
  readonly #send: (item: T) => void;
  readonly #queue = new Set<T>();
  #task: Task | undefined;
  #lastAt = -Infinity;
  #pumping = false;

  constructor(intervalMs: number, tasks: TaskRegistry, send: (item: T) => void) {
    this.#intervalMs = intervalMs;
    this.#tasks = tasks;
    this.#send = send;
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

  #cancel(): void {
    this.#task?.cancel();
    this.#task = undefined;
  }

  #pump(): void {
    if (this.#pumping || this.#task) return;
    this.#pumping = true;
    try {
      for (const item of this.#queue) {
        if (this.#intervalMs > 0) {
          const now = this.#tasks.clock.now();
          const wait = this.#lastAt + this.#intervalMs - now;
          if (wait > 0) {
            this.#task = this.#tasks.timeout('subscribe.pace', wait, () => {
              this.#task = undefined;
              this.#pump();
            });
            return;
          }
          this.#lastAt = now;
        }
        this.#queue.delete(item);
        this.#send(item);
      }
    } finally {
      this.#pumping = false;
    }
  }
}
