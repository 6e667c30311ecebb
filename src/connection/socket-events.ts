import { ProtocolError, isStreamClientError, type StreamClientError } from '../core/errors.js';
import type { Frame } from '../protocol/types.js';
import type { Connection, Session } from './connection.js';
import type { HeartbeatTarget } from './heartbeat.js';
import type { Transport, TransportHandlers } from './transport.js';

/** The connection internals these objects reach through, granted once by `Connection`'s static block. */
export interface ConnectionAccess {
  write(c: Connection, gen: number, frame: Frame): void;
  buffered(c: Connection, gen: number): number;
  token(c: Connection): string | undefined;
  open(c: Connection, t: Transport): void;
  frame(c: Connection, t: Transport, frame: Frame): void;
  close(c: Connection, t: Transport, code: number, reason: string): void;
  error(c: Connection, t: Transport, err: unknown): void;
  /** Something threw inside a socket callback: give the socket up, never rethrow. */
  fault(c: Connection, t: Transport, err: unknown): void;
  pong(c: Connection): void;
  lastInboundAt(c: Connection): number;
  probe(c: Connection): void;
  dead(c: Connection): void;
}

let access: ConnectionAccess;

/**
 * The error of a frame that could not be decoded. A parser's message quotes the frame (`"{"op":
 * tok-abcdefg"... is not valid JSON`): untrusted text that may echo a secret cut short, where
 * scrubbing by value cannot find it. So only the parser error's type is kept, not its text.
 */
export function decodeFailure(err: unknown): StreamClientError {
  if (isStreamClientError(err)) return err;
  return new ProtocolError('DECODE_ERROR', `cannot decode frame: ${err instanceof Error ? err.name : typeof err}`);
}

/** @internal Called once, by `Connection`'s static block. */
export function grantConnectionAccess(a: ConnectionAccess): void {
  access = a;
}

/**
 * The connection's side of its sockets and of its heartbeat: one object per connection with
 * prototype methods, made once (not one set of closures per connect). Socket events are
 * acted on only while their transport is the current one: a late event of an old socket is
 * dropped here. Nothing thrown while handling a socket event leaves here: it would surface in
 * the socket library's listener as an uncaught exception and end the user's process.
 */
export class SocketEvents implements TransportHandlers, HeartbeatTarget {
  readonly #c: Connection;

  constructor(c: Connection) {
    this.#c = c;
  }

  open(t: Transport): void {
    try {
      access.open(this.#c, t);
    } catch (err) {
      access.fault(this.#c, t, err);
    }
  }

  frame(t: Transport, frame: Frame): void {
    try {
      access.frame(this.#c, t, frame);
    } catch (err) {
      access.fault(this.#c, t, err);
    }
  }

  close(t: Transport, code: number, reason: string): void {
    try {
      access.close(this.#c, t, code, reason);
    } catch (err) {
      access.fault(this.#c, t, err);
    }
  }

  error(t: Transport, err: unknown): void {
    try {
      access.error(this.#c, t, err);
    } catch (err) {
      access.fault(this.#c, t, err);
    }
  }

  pong(t: Transport): void {
    try {
      access.pong(this.#c);
    } catch (err) {
      access.fault(this.#c, t, err);
    }
  }

  lastInboundAt(): number {
    return access.lastInboundAt(this.#c);
  }

  probe(): void {
    access.probe(this.#c);
  }

  dead(): void {
    access.dead(this.#c);
  }
}

/**
 * The session handed to `ready()`: writes to the socket of its own generation for as long as
 * that generation is current; `token` follows an in-band re-auth. A class, not a literal with
 * a getter and closures: an open client holds one for its whole life.
 */
export class LiveSession implements Session {
  readonly #conn: Connection;
  readonly #gen: number;

  constructor(conn: Connection, gen: number) {
    this.#conn = conn;
    this.#gen = gen;
  }

  send(frame: Frame): void {
    access.write(this.#conn, this.#gen, frame);
  }

  get token(): string | undefined {
    return access.token(this.#conn);
  }

  get bufferedAmount(): number {
    return access.buffered(this.#conn, this.#gen);
  }
}
