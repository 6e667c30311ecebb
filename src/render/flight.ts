import type { TaskRegistry, Timer } from '../core/tasks.js';

/** Name of a view's render-timeout timer in the task registry. */
export const RENDER_TIMEOUT_TASK = 'render.timeout';

/**
 * The one async render a view may have in flight, bounded in time: a render not settled after
 * `timeoutMs` is abandoned and its late result ignored, so a render that hangs cannot wedge
 * the view. One timer per view ({@link RENDER_TIMEOUT_TASK}), re-armed per render. The newest
 * state that arrived meanwhile waits here (latest wins) until the view takes it.
 */
export class RenderFlight<R, I> {
  readonly #tasks: TaskRegistry;
  #timer: Timer | undefined;
  /** A fresh object per render in flight: results of an abandoned one do not match it. */
  #renderTag: object | undefined;
  #onExpire: (() => void) | undefined;
  #waiting: I | undefined;

  constructor(tasks: TaskRegistry) {
    this.#tasks = tasks;
  }

  /** True while a render is in flight. */
  get busy(): boolean {
    return this.#renderTag !== undefined;
  }

  /**
   * Track `promise`: `settle` runs if it settles within `timeoutMs`, else `expire` runs once
   * then. Neither runs after `cancel()` or after a newer `start()`.
   */
  start(promise: Promise<R>, timeoutMs: number, settle: (r: R | undefined, err: unknown) => void, expire: () => void): void {
    const tag = {};
    this.#renderTag = tag;
    this.#onExpire = expire;
    (this.#timer ??= this.#tasks.timer(RENDER_TIMEOUT_TASK, () => this.#expire())).arm(timeoutMs);
    promise.then(
      (r) => this.#end(tag) && settle(r, undefined),
      (err: unknown) => this.#end(tag) && settle(undefined, err),
    );
  }

  /** Keep `item` for after the flight, replacing any older one; true when it replaced one. */
  wait(item: I): boolean {
    const replaced = this.#waiting !== undefined;
    this.#waiting = item;
    return replaced;
  }

  /** The item that waited, if any; it waits no more. */
  takeWaiting(): I | undefined {
    const item = this.#waiting;
    this.#waiting = undefined;
    return item;
  }

  /** Forget the item that waited (replaced settings, or closed). */
  dropWaiting(): void {
    this.#waiting = undefined;
  }

  /** Abandon the render in flight (its result will be ignored) and disarm the timer. */
  cancel(): void {
    this.#renderTag = undefined;
    this.#onExpire = undefined;
    this.#timer?.cancel();
  }

  #end(tag: object): boolean {
    if (this.#renderTag !== tag) return false;
    this.cancel();
    return true;
  }

  #expire(): void {
    const expire = this.#onExpire;
    this.#renderTag = undefined;
    this.#onExpire = undefined;
    expire?.();
  }
}
