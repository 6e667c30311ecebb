import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { FallbackPoller } from './fallback.js';
import type { ServerLink } from './server-link.js';
import { lastDataAt, quietSince, type Entry } from './entry.js';
import { notify } from './notify.js';
import type { EntryState } from './types.js';

/** What the stale transitions need from the registry. */
export interface StaleContext {
  readonly log: Log;
  readonly counters: Counters;
  readonly fallback: FallbackPoller | undefined;
  connected(): boolean;
  /** The client is stopped (no stale sweeps, no fallback polls): a callback may stop it mid-sweep. */
  readonly paused: boolean;
  setState(e: Entry, to: EntryState): void;
  /** Made on the first `add()`. */
  readonly link: ServerLink | undefined;
}

/** Silent past its threshold: `stale`, `onStale`, a `stale.enter` record, then the fallback. */
export function enterStale(ctx: StaleContext, e: Entry, now: number): void {
  const { topic, key } = e;
  const silentForMs = now - quietSince(e);
  const connected = ctx.connected();
  e.staleSince = now;
  ctx.setState(e, 'stale');
  ctx.counters.staleEntered++;
  ctx.log.info('stale.enter', { topic, key, silentForMs, connected });
  notify(ctx.log, ctx.counters, e, 'onStale', { topic, key, lastDataAt: lastDataAt(e), silentForMs, connected });
  if (!e.closed && !ctx.paused) ctx.fallback?.start(e); // onStale may unsubscribe or stop the client
}

/** The first stream frame after a stale period: fallback off, `active`, `onRecover`. */
export function recover(ctx: StaleContext, e: Entry, now: number): void {
  const staleForMs = now - (e.staleSince ?? now);
  ctx.fallback?.stop(e, 'recovered');
  ctx.setState(e, 'active');
  ctx.counters.staleRecovered++;
  ctx.log.info('stale.recover', { topic: e.topic, key: e.key, staleForMs });
  notify(ctx.log, ctx.counters, e, 'onRecover', { staleForMs });
}

/** Stale for another `resubscribeAfterMs` (the monitor calls it for stale entries only): send the subscription again; offline, attach resubscribes anyway. */
export function resubscribe(ctx: StaleContext, e: Entry): void {
  const link = ctx.link!; // made on the first add(), before any entry
  if (!link.session) return;
  ctx.counters.staleResubscribes++;
  ctx.log.info('stale.resubscribe', { topic: e.topic, key: e.key });
  link.send(e);
}
