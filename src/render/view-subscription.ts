import type { ViewDataMeta, ViewHost } from './view-options.js';

/**
 * A view's one subscription at a time. `move()` subscribes the new topic first, then releases the
 * old one, so the view never goes without data; callbacks of a released subscription are ignored.
 * A `move()` or `release()` made from a callback while `move()` subscribes (data the host delivers
 * synchronously) wins: the subscription being made is released at once.
 */
export class ViewSubscription {
  readonly #host: ViewHost;
  readonly #onData: (data: unknown, meta: ViewDataMeta) => void;
  readonly #onStale: (stale: boolean) => void;
  #sub: { unsubscribe(): void } | undefined;
  /** A fresh object per subscription (not a credential): callbacks of a released one do not match it. */
  #tag: object | undefined;

  constructor(host: ViewHost, onData: (data: unknown, meta: ViewDataMeta) => void, onStale: (stale: boolean) => void) {
    this.#host = host;
    this.#onData = onData;
    this.#onStale = onStale;
  }

  /** Subscribe to `topic` with `params`, then release the previous subscription. Throws what the host throws, keeping the previous one. */
  move(topic: string, params: unknown): void {
    const old = this.#sub;
    const oldTag = this.#tag;
    const tag = {};
    this.#tag = tag; // before subscribe: data delivered synchronously by it is accepted
    let sub: { unsubscribe(): void };
    try {
      sub = this.#host.subscribe(
        topic,
        params,
        (data, meta) => {
          if (this.#tag === tag) this.#onData(data, meta);
        },
        { onStale: () => this.#tag === tag && this.#onStale(true), onRecover: () => this.#tag === tag && this.#onStale(false) },
      );
    } catch (err) {
      if (this.#tag === tag) this.#tag = oldTag;
      throw err;
    }
    if (this.#tag !== tag) return void sub.unsubscribe(); // moved or released from a callback during subscribe
    this.#sub = sub;
    old?.unsubscribe();
  }

  /** Ignore every later callback and unsubscribe. Idempotent; throws what `unsubscribe` throws. */
  release(): void {
    this.#tag = undefined;
    const sub = this.#sub;
    this.#sub = undefined;
    sub?.unsubscribe();
  }
}
