/** `maxSubscriptions`: which entries count toward it, and what the one over the limit gets. */
import { SubscriptionError } from '../core/errors.js';
import type { Entry } from './entry.js';
import { failEntry, type FailureHost } from './failure.js';
import type { ServerLink } from './server-link.js';

/** What the limit check needs from the registry. */
export interface LimitHost extends FailureHost {
  /** Entries, error ones included. */
  readonly size: number;
  /** Entries in `error`: they hold no server subscription, so they do not count. */
  readonly errorCount: number;
}

/** The entry needs a server subscription: back to `pending` if it had failed, then queued, or `SUBSCRIPTION_LIMIT` (reported in a microtask). */
export function want(host: LimitHost, e: Entry, link: ServerLink, max: number): void {
  if (e.state === 'error') {
    e.error = undefined;
    host.setState(e, 'pending');
  }
  if (host.size - host.errorCount <= max) return link.send(e);
  const details = { topic: e.topic, key: e.key, maxSubscriptions: max };
  failEntry(host, e, new SubscriptionError('SUBSCRIPTION_LIMIT', `subscription limit (${max}) reached; "${e.topic}" was not sent`, { details }), true);
}
