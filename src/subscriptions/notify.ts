import { describeError, type StreamClientError } from '../core/errors.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { Entry, EntryHandle } from './entry.js';
import type { DataMeta } from './types.js';

/**
 * After the first `onData` failure of a subscription is logged, its next record comes with the
 * first failure at least this long after the last record, counting the ones in between.
 */
export const CALLBACK_ERROR_SUMMARY_MS = 10_000;

/** Record a user callback that threw: counted and logged, never rethrown. */
export function callbackFailed(log: Log, counters: Counters, entry: Entry, callback: string, err: unknown, suppressed?: number): void {
  counters.callbackErrors++;
  log.error('callback.error', {
    topic: entry.topic,
    key: entry.key,
    callback,
    error: err instanceof Error ? err : describeError(err),
    ...(suppressed === undefined ? {} : { suppressed }),
  });
}

/**
 * An `onData` that threw: always counted; logged the first time for the subscription, then at
 * most once per `CALLBACK_ERROR_SUMMARY_MS` with `suppressed` (failures not logged since the
 * last record), so a handler that throws on every message does not log every message. No timer.
 */
function dataCallbackFailed(log: Log, counters: Counters, entry: Entry, err: unknown, now: number): void {
  const last = entry.dataErrorLoggedAt;
  if (!Number.isNaN(last) && now - last < CALLBACK_ERROR_SUMMARY_MS) {
    counters.callbackErrors++;
    entry.dataErrorsSuppressed++;
    return;
  }
  entry.dataErrorLoggedAt = now;
  const suppressed = entry.dataErrorsSuppressed;
  entry.dataErrorsSuppressed = 0;
  callbackFailed(log, counters, entry, 'onData', err, Number.isNaN(last) ? undefined : suppressed);
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
      dataCallbackFailed(log, counters, entry, err, meta.receivedAt);
    }
  }
}

type Hook = 'onStale' | 'onRecover' | 'onError' | 'onGap';
type HookArg<K extends Hook> = Parameters<NonNullable<EntryHandle['options'][K]>>[0];

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

/** A subscription failed: its handles' `onError`, then the client's; a throw in either is isolated. */
export function reportFailure(
  log: Log,
  counters: Counters,
  entry: Entry,
  err: StreamClientError,
  onError: ((err: StreamClientError) => void) | undefined,
): void {
  notify(log, counters, entry, 'onError', err);
  try {
    onError?.(err);
  } catch (thrown) {
    callbackFailed(log, counters, entry, 'error', thrown);
  }
}
