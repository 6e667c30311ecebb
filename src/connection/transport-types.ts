import type { TaskRegistry } from '../core/tasks.js';
import type { Frame } from '../protocol/types.js';

// The socket contract: what steadystream needs of a WebSocket, and of the adapter over it.

/**
 * An event handler slot. The event is `any` on purpose: each WebSocket types its events its own
 * way (DOM `MessageEvent`, ws's `WebSocket.MessageEvent`, undici's), and a parameter typed any
 * other way would make the browser's `WebSocket` or `ws` fail to assign without a cast.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type WebSocketHandler = ((this: any, ev: any) => unknown) | null;

/**
 * The part of a WHATWG WebSocket steadystream uses: the browser's `WebSocket`, the `ws`
 * package's class, undici's and React Native's all fit without a cast.
 */
export interface WebSocketLike {
  /** `0` connecting, `1` open, `2` closing, `3` closed (WHATWG values). */
  readonly readyState: number;
  /** Bytes queued and not yet sent (browsers and `ws` have it). */
  readonly bufferedAmount?: number;
  /** Set to `'arraybuffer'` where the socket has it, so binary frames arrive as `ArrayBuffer`. */
  binaryType?: string;
  /** Sends one text or binary frame. */
  send(data: Frame): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Called once the socket is open. */
  onopen: WebSocketHandler;
  /** Called per frame with an event carrying `data`. */
  onmessage: WebSocketHandler;
  /** Called once with an event carrying `code` and `reason`. */
  onclose: WebSocketHandler;
  /** Called on a socket error; a close follows. */
  onerror: WebSocketHandler;
}

/** A WHATWG-style WebSocket constructor (browser `WebSocket`, `ws`, or a test double). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: object) => WebSocketLike;

/**
 * Events a transport reports, each with the transport it came from (so one handler object
 * serves every socket of a connection, and a late event of an old socket is recognisable);
 * each is called only while the transport is attached.
 */
export interface TransportHandlers {
  open(t: Transport): void;
  frame(t: Transport, frame: Frame): void;
  close(t: Transport, code: number, reason: string): void;
  error(t: Transport, err: unknown): void;
  /** A transport-level pong (ws only). */
  pong(t: Transport): void;
}

/** One socket, seen through the operations the connection needs. */
export interface Transport {
  send(frame: Frame): void;
  /** Bytes queued on the socket and not yet sent; 0 when the socket does not say. */
  bufferedAmount(): number;
  /** Send a WebSocket ping. False when the transport has none (browsers). */
  ping(): boolean;
  /** Drop the socket now: no closing handshake (half-open sockets never answer one). */
  terminate(): void;
  /** Closing handshake, bounded: resolves when closed or after `timeoutMs` (then terminates). */
  closeGracefully(code: number, reason: string, timeoutMs: number, tasks: TaskRegistry): Promise<void>;
  /** Stop reporting events; later errors from the socket are absorbed. */
  detach(): void;
}
