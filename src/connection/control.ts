import { ProtocolError } from '../core/errors.js';
import type { Frame, HandshakeIO, Inbound } from '../protocol/types.js';

/**
 * Bound on control messages (anything but stream data) queued while a handshake is not
 * reading: a server that chatters without end must not grow the queue without end.
 */
export const MAX_QUEUED_CONTROL = 64;

/** Bound on stream data queued behind a handshake that has not completed (its own, far larger one). */
export const MAX_QUEUED_DATA = 10_000;

/**
 * The `HandshakeIO` of one handshake or re-auth: inbound messages are queued here until the
 * protocol reads them with `next()`. What the handshake leaves unread (a snapshot that came in
 * the same read as the ack) is the connection's to replay, in order, once it completes.
 * Aborting the signal rejects the pending read.
 */
export class ControlChannel implements HandshakeIO {
  readonly token: string | undefined;
  readonly signal: AbortSignal;
  readonly #send: (frame: Frame) => void;
  #queue: Inbound[] = [];
  /** Queued messages that are not stream data: the ones the bound counts. */
  #control = 0;
  #waiter: { resolve(m: Inbound): void; reject(e: unknown): void } | undefined;

  constructor(token: string | undefined, signal: AbortSignal, send: (frame: Frame) => void) {
    this.token = token;
    this.signal = signal;
    this.#send = send;
    signal.addEventListener('abort', () => this.#waiter?.reject(signal.reason), { once: true });
  }

  send(frame: Frame): void {
    if (!this.signal.aborted) this.#send(frame);
  }

  next(): Promise<Inbound> {
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    const queued = this.#queue.shift();
    if (queued) {
      if (queued.type !== 'data') this.#control--;
      return Promise.resolve(queued);
    }
    return new Promise<Inbound>((resolve, reject) => {
      this.#waiter = {
        resolve: (m) => {
          this.#waiter = undefined;
          resolve(m);
        },
        reject: (e) => {
          this.#waiter = undefined;
          reject(e);
        },
      };
    });
  }

  /**
   * Hand a message to the handshake. Never throws (it runs inside socket callbacks): returns
   * the error when the queue is full, and the caller gives the socket up. Stream data has its
   * own bound, not the control one: a snapshot is what the handshake leaves for `drain()`.
   */
  push(msg: Inbound): ProtocolError | undefined {
    if (this.#waiter) {
      this.#waiter.resolve(msg);
      return undefined;
    }
    if (msg.type !== 'data') {
      if (this.#control >= MAX_QUEUED_CONTROL) return overflow(`${MAX_QUEUED_CONTROL} control`);
      this.#control++;
    } else if (this.#queue.length - this.#control >= MAX_QUEUED_DATA) return overflow(`${MAX_QUEUED_DATA} data`);
    this.#queue.push(msg);
    return undefined;
  }

  /** The messages the handshake did not read, in arrival order; the channel is empty after. */
  drain(): Inbound[] {
    const rest = this.#queue;
    this.#queue = [];
    this.#control = 0;
    return rest;
  }
}

function overflow(what: string): ProtocolError {
  return new ProtocolError('PROTOCOL_ERROR', `more than ${what} frames before the handshake completed`);
}
