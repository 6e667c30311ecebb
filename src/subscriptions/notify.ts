import { describeError } from '../core/errors.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { Entry, SubscriptionHandle } from './handle.js';
import type { DataMeta } from './types.js';

/** Record a user callback that threw: counted and logged, never rethrown. */
export function callbackFailed(log: Log, counters: Counters, entry: Entry, callback: string, err: unknown): void {
  counters.callbackErrors++;
  log.error('callback.error', {
    topic: entry.topic,
    key: entry.key,
    callback,
    error: err instanceof Error ? err : describeError(err),
  });
}

/**
 * Deliver one message to every open handle of the entry. Iterates the copy-on-write snapshot
 * and checks `closed` before each call, so a handle that unsubscribes (itself or another)
 * during the loop gets nothing more. A throwing handler does not stop the others.
 */
export function dispatch(log: Log, counters: Counters, entry: Entry, data: unknown, meta: DataMeta): void {
  const handles = entry.handles;
  for (let i = 0; i < handles.length; i++) {
    const h = handles[i]!;
    if (h.closed) continue;
    try {
      h.onData(data, meta);
    } catch (err) {
      callbackFailed(log, counters, entry, 'onData', err);
    }
  }
}

type Hook = 'onStale' | 'onRecover' | 'onError' | 'onGap';
type HookArg<K extends Hook> = Parameters<NonNullable<SubscriptionHandle['options'][K]>>[0];

/** Call an optional per-handle hook on every open handle, isolated like `dispatch`. */
export function notify<K extends Hook>(log: Log, counters: Counters, entry: Entry, hook: K, arg: HookArg<K>): void {
  for (const h of entry.handles) {
    if (h.closed) continue;
    const fn = h.options[hook] as ((a: HookArg<K>) => void) | undefined;
    if (!fn) continue;
    try {
      fn.call(h.options, arg);
    } catch (err) {
      callbackFailed(log, counters, entry, hook, err);
    }
  }
}
