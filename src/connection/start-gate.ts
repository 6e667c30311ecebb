/**
 * The promise `start()` returns, shared by every caller until the connection opens or gives
 * up. Rejections are marked handled here: a caller that did not await `start()` must not get
 * an unhandled rejection when the client later stops.
 */
export class StartGate {
  #pending: { promise: Promise<void>; resolve(): void; reject(e: unknown): void } | undefined;

  wait(): Promise<void> {
    if (!this.#pending) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#pending = { promise, resolve, reject };
    }
    return this.#pending.promise;
  }

  resolve(): void {
    this.#pending?.resolve();
    this.#pending = undefined;
  }

  reject(err: unknown): void {
    const p = this.#pending;
    this.#pending = undefined;
    if (!p) return;
    p.promise.catch(() => {});
    p.reject(err);
  }
}
