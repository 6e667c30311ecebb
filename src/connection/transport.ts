import type { TaskRegistry } from '../core/tasks.js';
import type { Frame } from '../protocol/types.js';

/** The part of a WHATWG WebSocket steadystream uses. The `ws` package's class fits too. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  send(data: Frame): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** A WHATWG-style WebSocket constructor (browser `WebSocket`, `ws`, or a test double). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Events a transport reports; each is called only while the transport is attached. */
export interface TransportHandlers {
  open(): void;
  frame(frame: Frame): void;
  close(code: number, reason: string): void;
  error(err: unknown): void;
  /** A transport-level pong (ws only). */
  pong(): void;
}

/** One socket, seen through the operations the connection needs. */
export interface Transport {
  send(frame: Frame): void;
  /** Send a WebSocket ping. False when the transport has none (browsers). */
  ping(): boolean;
  /** Drop the socket now: no closing handshake (half-open sockets never answer one). */
  terminate(): void;
  /** Closing handshake, bounded: resolves when closed or after `timeoutMs` (then terminates). */
  closeGracefully(code: number, reason: string, timeoutMs: number, tasks: TaskRegistry): Promise<void>;
  /** Stop reporting events; later errors from the socket are absorbed. */
  detach(): void;
}

const OPEN = 1;
const CLOSED = 3;
const noop = () => {};

/** The `ws` package's EventEmitter surface: faster than EventTarget (no MessageEvent per frame). */
interface NodeWs {
  on(event: string, fn: (...args: any[]) => void): unknown;
  once(event: string, fn: (...args: any[]) => void): unknown;
  removeAllListeners(): unknown;
  ping(): void;
  terminate(): void;
}

function isNodeWs(socket: unknown): socket is WebSocketLike & NodeWs {
  const s = socket as Partial<NodeWs>;
  return typeof s.on === 'function' && typeof s.terminate === 'function' && typeof s.ping === 'function';
}

/** Open a socket and adapt it. Construction errors (bad URL) are thrown synchronously. */
export function openTransport(
  WebSocketCtor: WebSocketConstructor,
  url: string,
  subprotocols: readonly string[] | undefined,
  handlers: TransportHandlers,
): Transport {
  const socket = subprotocols?.length ? new WebSocketCtor(url, [...subprotocols]) : new WebSocketCtor(url);
  return isNodeWs(socket) ? adaptNodeWs(socket, handlers) : adaptWhatwg(socket, handlers);
}

function adaptNodeWs(ws: WebSocketLike & NodeWs, h: TransportHandlers): Transport {
  let attached = true;
  ws.on('open', () => h.open());
  // Text frames arrive as a Buffer: toString() then JSON.parse is cheaper than parsing the Buffer.
  ws.on('message', (data: Buffer, isBinary: boolean) => h.frame(isBinary ? data : data.toString()));
  ws.on('close', (code: number, reason: Buffer) => h.close(code, reason.toString()));
  ws.on('error', (err: unknown) => h.error(err));
  ws.on('pong', () => h.pong());
  const detach = () => {
    if (!attached) return;
    attached = false;
    ws.removeAllListeners();
    ws.on('error', noop);
  };
  return {
    send: (frame) => ws.send(frame),
    ping: () => {
      if (ws.readyState !== OPEN) return false;
      ws.ping();
      return true;
    },
    terminate: () => {
      detach();
      ws.terminate();
    },
    closeGracefully: (code, reason, timeoutMs, tasks) => {
      detach();
      if (ws.readyState === CLOSED) return Promise.resolve();
      if (ws.readyState !== OPEN) {
        ws.terminate();
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = tasks.timeout('connection.close-wait', timeoutMs, () => {
          ws.terminate();
          resolve();
        });
        ws.once('close', () => {
          timer.cancel();
          resolve();
        });
        ws.close(code, reason);
      });
    },
    detach,
  };
}

function adaptWhatwg(ws: WebSocketLike, h: TransportHandlers): Transport {
  let attached = true;
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => h.open();
  ws.onmessage = (ev) => {
    const d = ev.data;
    h.frame(typeof d === 'string' ? d : new Uint8Array(d as ArrayBuffer));
  };
  ws.onclose = (ev) => h.close(ev.code, ev.reason);
  ws.onerror = (ev) => h.error(ev);
  const detach = () => {
    if (!attached) return;
    attached = false;
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = noop;
  };
  const safeClose = (code?: number, reason?: string) => {
    try {
      ws.close(code, reason);
    } catch {
      ws.close();
    }
  };
  return {
    send: (frame) => ws.send(frame),
    ping: () => false,
    terminate: () => {
      detach();
      // No terminate in the WHATWG API: close without waiting for the peer.
      if (ws.readyState !== CLOSED) safeClose();
    },
    closeGracefully: (code, reason, timeoutMs, tasks) => {
      detach();
      if (ws.readyState === CLOSED) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = tasks.timeout('connection.close-wait', timeoutMs, resolve);
        ws.onclose = () => {
          ws.onclose = null;
          timer.cancel();
          resolve();
        };
        safeClose(code, reason);
      });
    },
    detach,
  };
}
