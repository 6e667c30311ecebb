import { SteadyClock, type Clock, type TimerHandle } from './clock.js';
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

/**
 * A timer that can be armed again after it fired or was cancelled (periodic work such as the
 * heartbeat): one object and one callback for its whole life instead of new ones per period.
 */
export interface Timer extends Task {
  /** (Re-)arm to run after `ms`; a pending run is replaced. `name` renames it (as `names()` shows it). */
  arm(ms: number, name?: string): void;
}

/**
 * One task is one object: state and prototype methods, plus the one callback the clock needs.
 * (A literal with a getter and an arrow per task cost ~0.7 KB each in dictionary-mode
 * properties, accessor pairs and closures.) Pending tasks are linked into their registry's
 * list through `prev`/`next`: no Set (and its hash table) per client.
 */
class ScheduledTask implements Timer {
  name: string;
  /** Neighbours in the registry's list of pending tasks (registry-owned). */
  prev: ScheduledTask | undefined = undefined;
  next: ScheduledTask | undefined = undefined;
  readonly #registry: TaskRegistry;
  readonly #fn: () => void;
  #handle: TimerHandle = undefined;
  #active = false;
  /** The clock's callback, made once per task (not per arm); bound, so no closure context. */
  readonly #fire: () => void = this.#run.bind(this);

  constructor(registry: TaskRegistry, name: string, fn: () => void) {
    this.#registry = registry;
    this.name = name;
    this.#fn = fn;
  }

  get active(): boolean {
    return this.#active;
  }

  arm(ms: number, name?: string): void {
    this.cancel();
    if (name !== undefined) this.name = name;
    const handle = track(this.#registry, this, this.#fire, ms);
    if (handle === NOT_ARMED) return;
    this.#handle = handle;
    this.#active = true;
  }

  cancel(): void {
    if (!this.#active) return;
    this.#active = false;
    const handle = this.#handle;
    this.#handle = undefined;
    untrack(this.#registry, this);
    clear(this.#registry, handle);
  }

  #run(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#handle = undefined;
    untrack(this.#registry, this);
    this.#fn();
  }
}

const NOT_ARMED: unique symbol = Symbol('not armed');
/* Registry internals the task class reaches through (assigned in the registry's static block). */
let track: (r: TaskRegistry, t: ScheduledTask, fire: () => void, ms: number) => TimerHandle | typeof NOT_ARMED;
let untrack: (r: TaskRegistry, t: ScheduledTask) => void;
let clear: (r: TaskRegistry, handle: TimerHandle) => void;

/**
 * Every timer of a client goes through one registry, so a test (or `close()`) can see and
 * cancel all of them. Timers are one-shot; periodic work re-arms itself, which keeps each
 * period's cost visible and lets the work stop by not re-arming.
 */
export class TaskRegistry {
  readonly #clock: SteadyClock;
  readonly #unref: boolean;
  /** Pending tasks, newest first (an intrusive list). */
  #head: ScheduledTask | undefined;
  #size = 0;
  #disposed = false;

  static {
    track = (r, t, fire, ms) => {
      if (r.#disposed) return NOT_ARMED;
      const head = r.#head;
      t.prev = undefined;
      t.next = head;
      if (head) head.prev = t;
      r.#head = t;
      r.#size++;
      const handle = r.#clock.setTimeout(fire, Math.max(0, ms));
      if (r.#unref) (handle as { unref?: () => void } | undefined)?.unref?.();
      return handle;
    };
    untrack = (r, t) => {
      const { prev, next } = t;
      if (prev) prev.next = next;
      else r.#head = next;
      if (next) next.prev = prev;
      t.prev = t.next = undefined;
      r.#size--;
    };
    clear = (r, handle) => r.#clock.clearTimeout(handle);
  }

  constructor(clock: Clock, options: TaskRegistryOptions = {}) {
    this.#clock = clock instanceof SteadyClock ? clock : new SteadyClock(clock);
    this.#unref = options.unref ?? false;
  }

  /** The client's clock: `now()` is steady (monotonic, epoch-anchored); `wallOf()` converts for display. */
  get clock(): SteadyClock {
    return this.#clock;
  }

  /** Timers pending right now. */
  get size(): number {
    return this.#size;
  }

  /** Names of the pending timers, oldest first (for tests and `health()` debugging). */
  names(): string[] {
    return this.#pending().map((t) => t.name);
  }

  /** Run `fn` once after `ms`. After `dispose()` this returns an inactive task. */
  timeout(name: string, ms: number, fn: () => void): Task {
    const task = new ScheduledTask(this, name, fn);
    task.arm(ms);
    return task;
  }

  /** A timer that runs `fn` each time it is armed and comes due; not armed yet. */
  timer(name: string, fn: () => void): Timer {
    return new ScheduledTask(this, name, fn);
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
    for (const task of this.#pending()) task.cancel();
  }

  /** Cancel everything and refuse new timers. Idempotent. */
  dispose(): void {
    this.#disposed = true;
    this.cancelAll();
  }

  /** A snapshot of the pending tasks, oldest first (the order a Set would give). */
  #pending(): ScheduledTask[] {
    const out: ScheduledTask[] = [];
    for (let t = this.#head; t; t = t.next) out.push(t);
    return out.reverse();
  }
}
