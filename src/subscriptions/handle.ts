import { ClosedError, type StreamClientError } from '../core/errors.js';
import type { DataHandler, Entry, EntryHandle } from './entry.js';
import type { SubscribeOptions, Subscription, SubscriptionState } from './types.js';

/** A user's handle on an entry. `closed` is checked before every callback. */
export class SubscriptionHandle implements Subscription, EntryHandle {
  readonly entry: Entry;
  readonly onData: DataHandler;
  readonly options: SubscribeOptions;
  closed = false;
  readonly #release: (handle: SubscriptionHandle) => void;
  /** Made on the first read of `ready`: a handle nobody awaits holds no promise. */
  #ready: Promise<void> | undefined;
  #settle: ((err?: StreamClientError) => void) | undefined;

  constructor(entry: Entry, onData: DataHandler, options: SubscribeOptions, release: (handle: SubscriptionHandle) => void) {
    this.entry = entry;
    this.onData = onData;
    this.options = options;
    this.#release = release;
  }

  get topic(): string {
    return this.entry.topic;
  }

  get key(): string {
    return this.entry.key;
  }

  get state(): SubscriptionState {
    return this.closed ? 'closed' : this.entry.state;
  }

  get ready(): Promise<void> {
    if (this.#ready) return this.#ready;
    const state = this.state;
    let p: Promise<void>;
    if (state === 'error') p = Promise.reject(this.entry.error);
    else if (state === 'closed') p = Promise.reject(new ClosedError('unsubscribed before the subscription was active'));
    else if (this.entry.everActive) p = Promise.resolve();
    else p = new Promise<void>((resolve, reject) => (this.#settle = (err) => (err ? reject(err) : resolve())));
    p.catch(() => {}); // a rejection nobody awaits is not an unhandledRejection
    return (this.#ready = p);
  }

  /** Settle a pending `ready`: resolve when active, reject with the error (no-op once settled). */
  settleReady(err?: StreamClientError): void {
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.(err);
  }

  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    this.settleReady(new ClosedError('unsubscribed before the subscription was active'));
    this.#release(this);
  }

  [Symbol.dispose](): void {
    this.unsubscribe();
  }
}
