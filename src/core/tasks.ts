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

/** What a task sees of its registry: the list of pending tasks, and the clock that runs them. */
interface TaskOwner {
  /** Lists `task` as pending and starts its clock timer; `NOT_ARMED` once the registry is disposed. */
  link(task: ScheduledTask, fire: () => void, ms: number): TimerHandle | typeof NOT_ARMED;
  /** Takes `task` off the pending list (it ran or was cancelled). */
  unlink(task: ScheduledTask): void;
  readonly clock: SteadyClock;
}

const NOT_ARMED: unique symbol = Symbol('not armed');

/**
 * One task is one object with prototype methods, plus the one callback the clock needs, and
 * pending tasks are linked into their registry through `prev`/`next` (no Set per client): part
 * of bench/RESULTS.md "idle heap per connection, steadystream" (5.5 KB).
 */
class ScheduledTask implements Timer {
  name: string;
  /** Neighbours in the owner's list of pending tasks (owner-written). */
  prev: ScheduledTask | undefined = undefined;
  next: ScheduledTask | undefined = undefined;
  readonly #owner: TaskOwner;
  readonly #fn: () => void;
  #handle: TimerHandle = undefined;
  #active = false;
  /** The clock's callback, made once per task (not per arm). */
  readonly #fire: () => void = this.#run.bind(this);

  constructor(owner: TaskOwner, name: string, fn: () => void) {
    this.#owner = owner;
    this.name = name;
    this.#fn = fn;
  }

  get active(): boolean {
    return this.#active;
  }

  arm(ms: number, name?: string): void {
    this.cancel();
    if (name !== undefined) this.name = name;
    const handle = this.#owner.link(this, this.#fire, ms);
    if (handle === NOT_ARMED) return;
    this.#handle = handle;
    this.#active = true;
  }

  cancel(): void {
    if (!this.#active) return;
    this.#active = false;
    const handle = this.#handle;
    this.#handle = undefined;
    this.#owner.unlink(this);
    this.#owner.clock.clearTimeout(handle);
  }

  #run(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#handle = undefined;
    this.#owner.unlink(this);
    this.#fn();
  }
}

/**
 * Every timer of a client goes through one registry, so a test (or `close()`) can see and
 * cancel all of them. Timers are one-shot; periodic work re-arms itself, which keeps each
 * period's cost visible and lets the work stop by not re-arming.
 */
export class TaskRegistry implements TaskOwner {
  readonly #clock: SteadyClock;
  readonly #unref: boolean;
  /** Pending tasks, newest first (an intrusive list). */
  #head: ScheduledTask | undefined;
  #size = 0;
  #disposed = false;

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

  /** Names of the pending timers, oldest first (`pendingTimers(client)` of steadystream/testing). */
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

  /** For this registry's own tasks (their class is private to this module): list one as pending and start its timer. */
  link(task: ScheduledTask, fire: () => void, ms: number): TimerHandle | typeof NOT_ARMED {
    if (this.#disposed) return NOT_ARMED;
    const head = this.#head;
    task.prev = undefined;
    task.next = head;
    if (head) head.prev = task;
    this.#head = task;
    this.#size++;
    const handle = this.#clock.setTimeout(fire, Math.max(0, ms));
    if (this.#unref) (handle as { unref?: () => void } | undefined)?.unref?.();
    return handle;
  }

  /** For this registry's own tasks: take one off the pending list. */
  unlink(task: ScheduledTask): void {
    const { prev, next } = task;
    if (prev) prev.next = next;
    else this.#head = next;
    if (next) next.prev = prev;
    task.prev = task.next = undefined;
    this.#size--;
  }

  /** A copy of the pending tasks, oldest first. */
  #pending(): ScheduledTask[] {
    const out: ScheduledTask[] = [];
    for (let t = this.#head; t; t = t.next) out.push(t);
    return out.reverse();
  }
}
