import type { SocketInit } from '../connection/network.js';
import type { WebSocketConstructor } from '../connection/transport.js';
import { StreamClientError } from '../core/errors.js';

/**
 * The default `WebSocket` in browsers, workers and other non-Node runtimes: the global one,
 * read when a client is made (so a polyfill installed after import counts).
 */
export function defaultWebSocket(): WebSocketConstructor {
  const ws = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof ws !== 'function') {
    throw new StreamClientError('INVALID_OPTIONS', 'WebSocket is required here: this runtime has no global WebSocket', { details: { option: 'WebSocket' } });
  }
  return ws as WebSocketConstructor;
}

/** Browsers own headers, TLS and proxies (the options are refused when resolved): no socket init. */
export function platformSocketInit(): SocketInit | undefined {
  return undefined;
}
