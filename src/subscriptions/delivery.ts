/** Data to an entry's handles: the session and position checks, the timestamp, an implicit ack or a recovery, then the callbacks. */
import type { Clock } from '../core/clock.js';
import type { Entry } from './entry.js';
import { dispatch } from './notify.js';
import type { Positions } from './positions.js';
import { recover, type StaleContext } from './stale-transitions.js';
import type { DataMeta } from './types.js';

/** What delivery needs from the registry. */
export interface DeliveryHost extends StaleContext {
  readonly positions: Positions;
}

/** A stream frame for `e`, received at `now`; `keyed`: routed by key (not by topic). No allocation but the `meta`. */
export function deliver(host: DeliveryHost, e: Entry, data: unknown, seq: number | undefined, keyed: boolean, now: number): void {
  if (e.wire === 'idle') {
    host.counters.lateFramesDropped++; // not subscribed on this session: a leftover
    return;
  }
  if (seq !== undefined && !host.positions.admit(e, seq)) return;
  e.lastDataAt = now;
  if (e.state !== 'active' || e.wire !== 'acked') fresh(host, e, now, keyed);
  dispatch(host.log, host.counters, e, data, { topic: e.topic, seq, source: 'stream', receivedAt: now });
}

/** Stream data on an entry that was not plainly active: an implicit ack, or a recovery. */
function fresh(host: DeliveryHost, e: Entry, now: number, keyed: boolean): void {
  if (e.wire === 'sent') host.link!.implicitAck(e, keyed);
  if (e.state === 'stale') recover(host, e, now);
}

/** A fallback poll's result: delivered only while the entry is still stale. */
export function deliverFallback(host: DeliveryHost, e: Entry, data: unknown, clock: Clock): void {
  if (e.closed || e.state !== 'stale') return;
  const meta: DataMeta = { topic: e.topic, seq: undefined, source: 'fallback', receivedAt: clock.now() };
  dispatch(host.log, host.counters, e, data, meta);
}
