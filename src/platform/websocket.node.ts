import WebSocketImpl from 'ws';
import type { ResolvedNetwork, SocketInit } from '../connection/network.js';
import { nodeSocketInit } from '../connection/node-socket-init.js';
import type { WebSocketConstructor } from '../connection/transport.js';
import { isNodeRuntime } from './runtime.js';

/**
 * The default `WebSocket` on Node: the `ws` package, even where Node has a global WebSocket
 * (22+): ws gives transport pings (half-open detection) and the listener fast path.
 * The browser build swaps this module for `websocket.browser.ts`, so bundles never see `ws`.
 */
export function defaultWebSocket(): WebSocketConstructor {
  return WebSocketImpl as unknown as WebSocketConstructor;
}

/**
 * The Node socket's headers, TLS and agent, built before each connect. The environment's proxy
 * applies to the `ws` package only: a test double's connect stays free of I/O.
 */
export function platformSocketInit(net: ResolvedNetwork | undefined, WebSocket: unknown): SocketInit | undefined {
  return nodeSocketInit(net, isNodeRuntime() && (WebSocket === undefined || WebSocket === WebSocketImpl));
}
