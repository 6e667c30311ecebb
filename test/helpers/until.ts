import type { EventSource } from '../../src/testing/wait-for.js';

/**
 * Resolves once `check()` holds, re-checking on every listed event of every source; rejects
 * after `timeoutMs` naming `what`. Leaves no listener or timer behind.
 */
export function until(check: () => boolean, sources: readonly (readonly [EventSource, readonly string[]])[], timeoutMs: number, what: string): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const listener = (): void => {
      if (!check()) return;
      settle();
      resolve();
    };
    const settle = (): void => {
      clearTimeout(timer);
      for (const [source, events] of sources) for (const e of events) source.off(e, listener);
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`not within ${timeoutMs} ms: ${what}`));
    }, timeoutMs);
    for (const [source, events] of sources) for (const e of events) source.on(e, listener);
  });
}
