import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { Entry } from './entry.js';
import { notify } from './notify.js';

/**
 * Frames at or below the position numbered consecutively (n, n+1, …), with none delivered
 * between them, after which the stream is taken as restarted (renumbered without an ack): the
 * last of them becomes the position and is delivered. Retransmits and reorders repeat or jump;
 * a replay overlap is as long as the outage's backlog below our position, usually a few frames.
 * A topic that receives frames but delivers none must never stay silent.
 */
export const RESET_AFTER_DUPLICATES = 8;

/**
 * A topic's position (`entry.lastSeq`): gaps, duplicates and resets. The server's position is
 * the truth: a server that numbers again from below our position has restarted its stream, so
 * its position is adopted and what follows is delivered, and the reset is reported (`onGap`
 * with `kind: 'reset'`, a `subscription.reset` record, the `resets` counter).
 */
export class Positions {
  readonly #log: Log;
  readonly #counters: Counters;

  constructor(log: Log, counters: Counters) {
    this.#log = log;
    this.#counters = counters;
  }

  /**
   * The server acknowledged a subscribe (resumable protocols only). `seq` is its position: the
   * start of a later resume when nothing came yet, a reset when below the resume point.
   */
  acked(e: Entry, seq: number | undefined): void {
    e.duplicateRun = 0;
    if (seq === undefined) return;
    const last = e.lastSeq;
    if (last !== undefined && seq < last) this.#reset(e, last + 1, seq, 'ack', 0);
    if (last === undefined || seq < last) e.lastSeq = seq;
  }

  /** A data frame's seq against the position: true to deliver it. Allocates nothing. */
  admit(e: Entry, seq: number): boolean {
    const last = e.lastSeq;
    if (last === undefined || seq === last + 1) {
      e.lastSeq = seq;
      e.duplicateRun = 0;
      return true;
    }
    if (seq > last) {
      this.#gap(e, last + 1, seq);
    } else {
      e.duplicateRun = e.duplicateRun > 0 && seq === e.runSeq + 1 ? e.duplicateRun + 1 : 1;
      e.runSeq = seq;
      if (e.duplicateRun < RESET_AFTER_DUPLICATES) {
        this.#counters.duplicatesDropped++;
        return false;
      }
      this.#reset(e, last + 1, seq, 'duplicates', e.duplicateRun - 1);
    }
    e.lastSeq = seq;
    e.duplicateRun = 0;
    return true;
  }

  #gap(e: Entry, expected: number, received: number): void {
    this.#counters.gaps++;
    this.#log.warn('subscription.gap', { topic: e.topic, key: e.key, expected, received });
    notify(this.#log, this.#counters, e, 'onGap', { kind: 'gap', expected, received });
  }

  /** `dropped`: frames of the new stream already dropped as duplicates before the reset was recognised. */
  #reset(e: Entry, expected: number, received: number, cause: 'ack' | 'duplicates', dropped: number): void {
    this.#counters.resets++;
    this.#log.warn('subscription.reset', { topic: e.topic, key: e.key, expected, received, cause, dropped });
    notify(this.#log, this.#counters, e, 'onGap', { kind: 'reset', expected, received });
  }
}
