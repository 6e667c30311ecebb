import WebSocketImpl from 'ws';
import type { WebSocketConstructor } from '../connection/transport.js';

/**
 * The default `WebSocket` on Node: the `ws` package, even where Node has a global WebSocket
 * (22+): ws gives transport pings (half-open detection) and the listener fast path.
 * The browser build swaps this module for `websocket.browser.ts`, so bundles never see `ws`.
 */
export function defaultWebSocket(): WebSocketConstructor {
  return WebSocketImpl as unknown as WebSocketConstructor;
}
