import type { Clock, TimerHandle } from './clock.js';
import { ClosedError } from './errors.js';

/** A scheduled unit of work; `cancel()` is idempotent. */
export interface Task {
  readonly name: string;
  readonly active: boolean;
  cancel(): void;
}

export interface TaskRegistryOptions {
  /** Do not keep the process alive for these timers. @default false */
  unref?: boolean;
}

interface Entry {
  readonly name: string;
  handle: TimerHandle;
  active: boolean;
}

/**
 * Every timer of a client goes through one registry, so a test (or `close()`) can see and
 * cancel all of them. Timers are one-shot; periodic work re-arms itself, which keeps each
 * period's cost visible and lets the work stop by not re-arming.
 */
export class TaskRegistry {
  readonly #clock: Clock;
  readonly #unref: boolean;
  readonly #live = new Set<Entry>();
  #disposed = false;

  constructor(clock: Clock, options: TaskRegistryOptions = {}) {
    this.#clock = clock;
    this.#unref = options.unref ?? false;
  }

  get clock(): Clock {
    return this.#clock;
  }

  /** Timers pending right now. */
  get size(): number {
    return this.#live.size;
  }

  /** Names of the pending timers (for tests and `health()` debugging). */
  names(): string[] {
    return [...this.#live].map((e) => e.name);
  }

  /** Run `fn` once after `ms`. After `dispose()` this returns an inactive task. */
  timeout(name: string, ms: number, fn: () => void): Task {
    const entry: Entry = { name, handle: undefined, active: !this.#disposed };
    const task: Task = {
      name,
      get active() {
        return entry.active;
      },
      cancel: () => this.#cancel(entry),
    };
    if (!entry.active) return task;
    this.#live.add(entry);
    entry.handle = this.#clock.setTimeout(
      () => {
        if (!entry.active) return;
        entry.active = false;
        this.#live.delete(entry);
        fn();
      },
      Math.max(0, ms),
    );
    if (this.#unref) (entry.handle as { unref?: () => void } | undefined)?.unref?.();
    return task;
  }

  /** A promise that resolves after `ms`, or rejects with the signal's reason when aborted. */
  delay(name: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#disposed) return reject(new ClosedError('client is closed'));
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        task.cancel();
        reject(signal?.reason);
      };
      const task = this.timeout(name, ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Cancel every pending timer; the registry stays usable. */
  cancelAll(): void {
    for (const entry of [...this.#live]) this.#cancel(entry);
  }

  /** Cancel everything and refuse new timers. Idempotent. */
  dispose(): void {
    this.#disposed = true;
    this.cancelAll();
  }

  #cancel(entry: Entry): void {
    if (!entry.active) return;
    entry.active = false;
    this.#live.delete(entry);
    this.#clock.clearTimeout(entry.handle);
  }
}
