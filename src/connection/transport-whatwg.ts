import type { TaskRegistry } from '../core/tasks.js';
import type { Frame } from '../protocol/types.js';
import type { Transport, TransportHandlers, WebSocketLike } from './transport-types.js';

const CLOSED = 3;
const noop = () => {};

/** The adapter over a WHATWG socket (browsers, undici, React Native): handler slots, no ping. */
export class WhatwgTransport implements Transport {
  readonly #ws: WebSocketLike;
  #attached = true;

  constructor(ws: WebSocketLike, h: TransportHandlers) {
    this.#ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => h.open(this);
    ws.onmessage = (ev: { data: unknown }) => {
      const d = ev.data;
      h.frame(this, typeof d === 'string' ? d : new Uint8Array(d as ArrayBuffer));
    };
    ws.onclose = (ev: { code: number; reason: string }) => h.close(this, ev.code, ev.reason);
    ws.onerror = (ev: unknown) => h.error(this, ev);
  }

  send(frame: Frame): void {
    this.#ws.send(frame);
  }

  bufferedAmount(): number {
    return this.#ws.bufferedAmount ?? 0;
  }

  ping(): boolean {
    return false;
  }

  terminate(): void {
    this.detach();
    // No terminate in the WHATWG API: close without waiting for the peer.
    if (this.#ws.readyState !== CLOSED) this.#safeClose();
  }

  closeGracefully(code: number, reason: string, timeoutMs: number, tasks: TaskRegistry): Promise<void> {
    const ws = this.#ws;
    this.detach();
    if (ws.readyState === CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = tasks.timeout('connection.close-wait', timeoutMs, resolve);
      ws.onclose = () => {
        ws.onclose = null;
        timer.cancel();
        resolve();
      };
      this.#safeClose(code, reason);
    });
  }

  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    const ws = this.#ws;
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = noop;
  }

  #safeClose(code?: number, reason?: string): void {
    try {
      this.#ws.close(code, reason);
    } catch {
      this.#ws.close();
    }
  }
}
