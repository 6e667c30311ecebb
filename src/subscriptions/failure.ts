/** An entry's failure (over the limit, refused, out of retries): reset, `error` state, then its handles' `onError` and the client's, once. */
import type { StreamClientError } from '../core/errors.js';
import type { Entry } from './entry.js';
import { reportFailure } from './notify.js';
import type { StaleContext } from './stale-transitions.js';
import type { EntryState } from './types.js';

/** What a failure needs from the registry. */
export interface FailureHost extends StaleContext {
  /** The client's error listener. */
  readonly onError: ((err: StreamClientError) => void) | undefined;
  /** Closed: a deferred report that comes due after `dispose()` is dropped. */
  readonly disposed: boolean;
  setState(e: Entry, to: EntryState, extra?: object): void;
}

/** Mark the entry failed and tell its handles (`deferred`: in a microtask, as inside `add()`). */
export function failEntry(host: FailureHost, e: Entry, err: StreamClientError, deferred: boolean): void {
  host.log.redactor.exposed(err); // handed to onError callbacks and the client's error event
  e.error = err;
  e.attempts = 0;
  e.previousDelayMs = 0;
  host.fallback?.stop(e, 'error');
  host.counters.subscriptionErrors++;
  host.setState(e, 'error', { code: err.code });
  const report = (): void => {
    if (e.error === err && !host.disposed) reportFailure(host.log, host.counters, e, err, host.onError);
  };
  if (deferred) queueMicrotask(report);
  else report();
}
