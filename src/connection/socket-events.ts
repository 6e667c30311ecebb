import { ProtocolError, isStreamClientError, type StreamClientError } from '../core/errors.js';
import type { Frame } from '../protocol/types.js';
import type { Transport, TransportHandlers } from './transport.js';
import type { Session } from './types.js';

/**
 * What the socket events need of their connection: one handler per transport event, each
 * told which transport reported it (a late event of an old socket is the owner's to ignore).
 * A handler may throw; what escapes goes to `onFault`.
 */
export interface SocketOwner {
  onOpen(t: Transport): void;
  onFrame(t: Transport, frame: Frame): void;
  onClose(t: Transport, code: number, reason: string): void;
  onError(t: Transport, err: unknown): void;
  onPong(t: Transport): void;
  /** Something threw while handling an event of `t`: give the socket up, never rethrow. */
  onFault(t: Transport, err: unknown): void;
}

/** What a session needs of its connection: the socket of generation `gen`, while current. */
export interface SessionOwner {
  /** Send on the socket of generation `gen`; dropped when that socket is gone. */
  write(gen: number, frame: Frame): void;
  /** Bytes queued on the socket of generation `gen`; 0 when that socket is gone. */
  buffered(gen: number): number;
  /** The credential frames carry (updated by an in-band re-auth). */
  readonly token: string | undefined;
}

/**
 * The error of a frame that could not be decoded. A parser's message quotes the frame (`"{"op":
 * tok-abcdefg"... is not valid JSON`): untrusted text that may echo a secret cut short, where
 * scrubbing by value cannot find it. So only the parser error's type is kept, not its text.
 */
export function decodeFailure(err: unknown): StreamClientError {
  if (isStreamClientError(err)) return err;
  return new ProtocolError('DECODE_ERROR', `cannot decode frame: ${err instanceof Error ? err.name : typeof err}`);
}

/**
 * The connection's side of its sockets: one object per connection serving every socket it
 * opens. Nothing thrown while handling a socket event leaves here: it would surface in the
 * socket library's listener as an uncaught exception and end the user's process.
 */
export class SocketEvents implements TransportHandlers {
  readonly #owner: SocketOwner;

  constructor(owner: SocketOwner) {
    this.#owner = owner;
  }

  open(t: Transport): void {
    try {
      this.#owner.onOpen(t);
    } catch (err) {
      this.#owner.onFault(t, err);
    }
  }

  frame(t: Transport, frame: Frame): void {
    try {
      this.#owner.onFrame(t, frame);
    } catch (err) {
      this.#owner.onFault(t, err);
    }
  }

  close(t: Transport, code: number, reason: string): void {
    try {
      this.#owner.onClose(t, code, reason);
    } catch (err) {
      this.#owner.onFault(t, err);
    }
  }

  error(t: Transport, err: unknown): void {
    try {
      this.#owner.onError(t, err);
    } catch (err) {
      this.#owner.onFault(t, err);
    }
  }

  pong(t: Transport): void {
    try {
      this.#owner.onPong(t);
    } catch (err) {
      this.#owner.onFault(t, err);
    }
  }
}

/**
 * The session handed to `ready()`: writes to the socket of its own generation for as long as
 * that generation is current; `token` follows an in-band re-auth. A class with prototype
 * methods: an open client holds one for its whole life.
 */
export class LiveSession implements Session {
  readonly #owner: SessionOwner;
  readonly #gen: number;

  constructor(owner: SessionOwner, gen: number) {
    this.#owner = owner;
    this.#gen = gen;
  }

  send(frame: Frame): void {
    this.#owner.write(this.#gen, frame);
  }

  get token(): string | undefined {
    return this.#owner.token;
  }

  get bufferedAmount(): number {
    return this.#owner.buffered(this.#gen);
  }
}
