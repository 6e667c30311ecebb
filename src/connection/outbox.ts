import { StreamClientError } from '../core/errors.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { Frame } from '../protocol/types.js';

/**
 * Frames sent by the user while offline, flushed in order on the next open. Bounded: a full
 * outbox refuses the frame with `OUTBOX_FULL` to the caller (counted in `outboxDropped`, logged
 * as `outbox.overflow`) instead of dropping one silently.
 */
export class Outbox {
  readonly #max: number;
  readonly #counters: Counters;
  readonly #log: Log;
  /** Made on the first frame queued: an outbox never used holds no array. */
  #frames: Frame[] | undefined;

  constructor(maxMessages: number, deps: { counters: Counters; log: Log }) {
    this.#max = maxMessages;
    this.#counters = deps.counters;
    this.#log = deps.log;
  }

  get size(): number {
    return this.#frames?.length ?? 0;
  }

  push(frame: Frame): void {
    const frames = (this.#frames ??= []);
    if (frames.length >= this.#max) {
      this.#counters.outboxDropped++;
      this.#log.warn('outbox.overflow', { max: this.#max });
      throw new StreamClientError('OUTBOX_FULL', `outbox is full (outbox.maxMessages = ${this.#max})`, {
        details: { maxMessages: this.#max },
      });
    }
    frames.push(frame);
  }

  /** Hand every queued frame to `send`, oldest first, and empty the outbox. */
  drain(send: (frame: Frame) => void): void {
    const frames = this.#frames;
    if (!frames) return;
    this.#frames = undefined;
    for (const f of frames) send(f);
  }

  clear(): void {
    this.#frames = undefined;
  }
}
