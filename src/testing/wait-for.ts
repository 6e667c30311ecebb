/** Anything with `on`/`off`: node's EventEmitter, eventemitter3, a `ws` socket, a test server. */
export interface EventSource {
  /** Adds a listener. */
  // biome-ignore lint/suspicious/noExplicitAny: `any` lets typed emitters (whose `on` takes a literal union of names) fit
  on(event: any, listener: (...args: any[]) => void): unknown;
  /** Removes a listener added with `on`. */
  // biome-ignore lint/suspicious/noExplicitAny: as for `on`
  off(event: any, listener: (...args: any[]) => void): unknown;
}

/** Options of {@link waitFor}. `P` is the payload type of the awaited event. */
export interface WaitForOptions<P> {
  /** Reject when no matching event has come within this long. @default 5_000 */
  timeoutMs?: number;
  /** Only an event whose first argument passes resolves the wait. */
  filter?: (payload: P) => boolean;
  /** Reject (and stop listening) when this aborts. */
  signal?: AbortSignal;
}

/** The default bound of `waitFor`. */
export const WAIT_FOR_DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Resolves with the first argument of the next `event` that passes `filter`; rejects after
 * `timeoutMs` or when `signal` aborts. Leaves no listener or timer behind either way.
 * Start waiting before the action that causes the event.
 * @example
 * await waitFor(client, 'state', { filter: (e) => e.to === 'open', timeoutMs: 2_000 });
 */
export function waitFor<P = unknown>(source: EventSource, event: string, options: WaitForOptions<P> = {}): Promise<P> {
  const { timeoutMs = WAIT_FOR_DEFAULT_TIMEOUT_MS, filter, signal } = options;
  return new Promise<P>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error(`waitFor: aborted before '${event}'`, { cause: signal.reason }));
      return;
    }
    const settle = (): void => {
      clearTimeout(timer);
      source.off(event, listener);
      signal?.removeEventListener('abort', onAbort);
    };
    const listener = (payload: P): void => {
      if (filter !== undefined && !filter(payload)) return;
      settle();
      resolve(payload);
    };
    const onAbort = (): void => {
      settle();
      reject(new Error(`waitFor: aborted while waiting for '${event}'`, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`waitFor: no '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    source.on(event, listener);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
