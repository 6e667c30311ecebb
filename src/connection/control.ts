import { ProtocolError } from '../core/errors.js';
import type { Frame, HandshakeIO, Inbound } from '../protocol/types.js';

/** Bound on control messages queued while a handshake is not reading. */
const MAX_QUEUED = 64;

/**
 * The `HandshakeIO` of one handshake or re-auth: inbound control messages are queued here
 * until the protocol reads them with `next()`. Aborting the signal rejects the pending read.
 */
export class ControlChannel implements HandshakeIO {
  readonly token: string | undefined;
  readonly signal: AbortSignal;
  readonly #send: (frame: Frame) => void;
  readonly #queue: Inbound[] = [];
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
    if (queued) return Promise.resolve(queued);
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

  push(msg: Inbound): void {
    if (this.#waiter) return this.#waiter.resolve(msg);
    if (this.#queue.length >= MAX_QUEUED) {
      this.#waiter = undefined;
      throw new ProtocolError('PROTOCOL_ERROR', `more than ${MAX_QUEUED} frames before the handshake completed`);
    }
    this.#queue.push(msg);
  }
}
