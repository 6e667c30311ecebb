import { StreamClientError } from '../core/errors.js';
import type { Frame } from '../protocol/types.js';

/**
 * Frames sent by the user while offline, flushed in order on the next open. Bounded: a full
 * outbox throws `OUTBOX_FULL` to the caller instead of dropping silently.
 */
export class Outbox {
  readonly #max: number;
  #frames: Frame[] = [];

  constructor(maxMessages: number) {
    this.#max = maxMessages;
  }

  get size(): number {
    return this.#frames.length;
  }

  push(frame: Frame): void {
    if (this.#frames.length >= this.#max) {
      throw new StreamClientError('OUTBOX_FULL', `outbox is full (outbox.maxMessages = ${this.#max})`, {
        details: { maxMessages: this.#max },
      });
    }
    this.#frames.push(frame);
  }

  /** Hand every queued frame to `send`, oldest first, and empty the outbox. */
  drain(send: (frame: Frame) => void): void {
    const frames = this.#frames;
    this.#frames = [];
    for (const f of frames) send(f);
  }

  clear(): void {
    this.#frames = [];
  }
}
