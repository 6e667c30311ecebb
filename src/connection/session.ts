import type { Frame } from '../protocol/types.js';
import type { Session } from './types.js';

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
