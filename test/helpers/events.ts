import type { EventEmitter } from 'node:events';

/**
 * Resolves with the arguments of the next `event` on `emitter`; rejects after `timeoutMs`.
 * Leaves no listener or timer behind. Start it before the action that causes the event.
 */
export function once<A extends unknown[] = unknown[]>(emitter: EventEmitter, event: string, timeoutMs = 2_000): Promise<A> {
  return new Promise<A>((resolve, reject) => {
    const listener = (...args: unknown[]): void => {
      clearTimeout(timer);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.once(event, listener);
  });
}

/** Lets pending I/O callbacks and `setImmediate`s run `ticks` times. */
export async function settleImmediates(ticks = 5): Promise<void> {
  for (let i = 0; i < ticks; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
