import { STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** How `refuse()` turns an upgrade attempt away. */
export interface RefuseOptions {
  /**
   * `'status'` answers the upgrade with an HTTP error response (the client sees an unexpected
   * response); `'reset'` resets the TCP connection (the client sees ECONNRESET).
   * @default 'status'
   */
  mode?: 'status' | 'reset';
  /** The HTTP status of `'status'` mode. @default 503 */
  status?: number;
}

interface Refusal {
  remaining: number;
  readonly mode: 'status' | 'reset';
  readonly status: number;
}

/** Counts upgrade attempts and refuses the next N of them when told to. */
export class UpgradeGate {
  #attempts = 0;
  #refusal: Refusal | undefined;

  get attempts(): number {
    return this.#attempts;
  }

  refuse(count: number, options: RefuseOptions): void {
    if (!(count >= 0)) throw new RangeError(`refuse: count must be >= 0 (got ${count})`);
    this.#refusal = count > 0 ? { remaining: count, mode: options.mode ?? 'status', status: options.status ?? 503 } : undefined;
  }

  accept(): void {
    this.#refusal = undefined;
  }

  /**
   * Counts one attempt. When refusing, answers `socket` and returns how; else `undefined`
   * (the caller completes the upgrade).
   */
  admit(socket: Duplex): 'status' | 'reset' | undefined {
    this.#attempts += 1;
    const refusal = this.#refusal;
    if (refusal === undefined) return undefined;
    refusal.remaining -= 1;
    if (refusal.remaining <= 0) this.#refusal = undefined;
    if (refusal.mode === 'reset') {
      if (socket instanceof Socket) socket.resetAndDestroy();
      else socket.destroy();
    } else {
      const status = `${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Refused'}`;
      socket.once('finish', () => socket.destroy());
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
    }
    return refusal.mode;
  }
}
