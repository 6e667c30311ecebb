import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import type { TaskRegistry, Timer } from '../core/tasks.js';
import { INTEREST_PREFIX, topicOfToken } from './names.js';

/** What the table tells its owner: a topic gained its first or lost its last consumer. */
export interface InterestListener {
  wanted(topic: string): void;
  unwanted(topic: string): void;
}

/**
 * Consumers' interest across machines, ref-counted per topic. Each consumer keeps a key
 * `i.<topic>.<consumer>` alive by rewriting it; a key deleted (unsubscribe, clean close) or
 * not rewritten within `ttlMs` (the bucket's max age: a dead consumer) stops counting. Keys
 * that age out leave no marker on nats-server 2.9, so the table sweeps by its own receipt time.
 */
export class InterestTable {
  readonly #kv: KV;
  readonly #ttlMs: number;
  readonly #clock: TaskRegistry['clock'];
  readonly #listener: InterestListener;
  /** key -> receipt time of its last write. */
  readonly #seen = new Map<string, number>();
  /** topic -> live keys. */
  readonly #byTopic = new Map<string, Set<string>>();
  readonly #sweep: Timer;
  #watch: QueuedIterator<KvWatchEntry> | undefined;
  #closed = false;

  constructor(kv: KV, ttlMs: number, tasks: TaskRegistry, listener: InterestListener) {
    this.#kv = kv;
    this.#ttlMs = ttlMs;
    this.#clock = tasks.clock;
    this.#listener = listener;
    this.#sweep = tasks.timer('relay.interest.sweep', () => this.#expire());
  }

  /** Topics with at least one live consumer. */
  topics(): string[] {
    return [...this.#byTopic.keys()];
  }

  consumers(topic: string): number {
    return this.#byTopic.get(topic)?.size ?? 0;
  }

  async start(): Promise<void> {
    const watch = await this.#kv.watch({ key: `${INTEREST_PREFIX}>` });
    if (this.#closed) {
      watch.stop();
      return;
    }
    this.#watch = watch;
    this.#sweep.arm(this.#ttlMs / 2);
    void (async () => {
      for await (const e of watch) this.#apply(e);
    })().catch(() => {}); // ends on stop(); the ordered watch survives reconnects by itself
  }

  stop(): void {
    this.#closed = true;
    this.#watch?.stop();
    this.#sweep.cancel();
  }

  #apply(e: KvWatchEntry): void {
    const rest = e.key.slice(INTEREST_PREFIX.length);
    const dot = rest.indexOf('.');
    if (dot <= 0) return;
    const topic = topicOfToken(rest.slice(0, dot));
    if (e.operation === 'PUT') this.#add(topic, e.key);
    else this.#remove(topic, e.key);
  }

  #add(topic: string, key: string): void {
    this.#seen.set(key, this.#clock.now());
    let keys = this.#byTopic.get(topic);
    if (!keys) this.#byTopic.set(topic, (keys = new Set()));
    if (keys.has(key)) return;
    keys.add(key);
    if (keys.size === 1) this.#listener.wanted(topic);
  }

  #remove(topic: string, key: string): void {
    this.#seen.delete(key);
    const keys = this.#byTopic.get(topic);
    if (!keys?.delete(key) || keys.size > 0) return;
    this.#byTopic.delete(topic);
    this.#listener.unwanted(topic);
  }

  #expire(): void {
    const cutoff = this.#clock.now() - this.#ttlMs;
    for (const [key, at] of this.#seen) {
      if (at > cutoff) continue;
      const rest = key.slice(INTEREST_PREFIX.length);
      this.#remove(topicOfToken(rest.slice(0, rest.indexOf('.'))), key);
    }
    if (!this.#closed) this.#sweep.arm(this.#ttlMs / 2);
  }
}
