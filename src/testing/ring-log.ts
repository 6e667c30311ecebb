/** A fixed-capacity log that keeps the newest `capacity` items (the oldest are overwritten). */
export class RingLog<T> {
  readonly #items: (T | undefined)[];
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.#items.length;
    if (this.#size < this.#items.length) this.#size += 1;
  }

  /** A copy, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    const cap = this.#items.length;
    const start = (this.#next - this.#size + cap) % cap;
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(start + i) % cap] as T);
    return out;
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }
}
