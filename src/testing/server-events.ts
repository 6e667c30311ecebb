import type { AuthVerdict } from './server-options.js';

/** Where a connection stands with auth. `not-required`: the server does not require auth. */
export type AuthStatus = 'not-required' | 'awaiting' | 'authenticated' | 'rejected';

/** The server's handle on one client connection. */
export interface TestConnection {
  /** 1 for the first connection of the server, then increasing. */
  readonly id: number;
  /** The request path and query of the upgrade (`/ws?token=…`). */
  readonly path: string;
  /** The upgrade request's headers. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** True until the socket closes. */
  readonly open: boolean;
  /** Where the connection stands with auth. */
  readonly authStatus: AuthStatus;
  /** Live subscriptions of this connection: topic -> count (a duplicate subscribe counts twice). */
  subscriptions(): ReadonlyMap<string, number>;
  /** Send a raw text frame (skipped while the server is silent). Returns whether it was sent. */
  send(text: string): boolean;
  /** Graceful close with a code and reason. @default code 1000 */
  close(code?: number, reason?: string): void;
  /** Abrupt loss: the socket is destroyed; the client sees 1006. */
  terminate(): void;
}

/** One frame a client sent, as logged in `server.received`. */
export interface ReceivedFrame {
  /** The `id` of the connection that sent it. */
  readonly connectionId: number;
  /** The frame text (binary frames are decoded as UTF-8). */
  readonly raw: string;
  /** The `op` field, when the frame is a JSON object with a string `op`. */
  readonly op: string | undefined;
  /** The parsed JSON object; `undefined` when the frame is not a JSON object. */
  readonly message: Readonly<Record<string, unknown>> | undefined;
}

/** Payload of the `auth` event: a token was judged. */
export interface AuthEvent {
  /** The client connection it happened on. */
  readonly connection: TestConnection;
  /** The token as sent: this is a test server, it keeps secrets in plain sight on purpose. */
  readonly token: string;
  /** What `auth.validate` decided. */
  readonly verdict: AuthVerdict;
}

/** Payload of the `subscribe` event: a subscribe frame was answered. */
export interface SubscribeEvent {
  /** The client connection it happened on. */
  readonly connection: TestConnection;
  /** The topic asked for. */
  readonly topic: string;
  /** The frame's `params`. */
  readonly params: unknown;
  /** The frame's resume position (`from`), if any. */
  readonly from: number | undefined;
  /** `'ok'` when accepted, else the error code sent back (`'limit'`, `'unauthorized'`, …). */
  readonly result: string;
  /** Data frames replayed from history after `subscribed`. */
  readonly replayed: number;
}

/** Payload of the `unsubscribe` event. */
export interface UnsubscribeEvent {
  /** The client connection it happened on. */
  readonly connection: TestConnection;
  /** The topic left. */
  readonly topic: string;
}

/** Payload of the `disconnect` event. */
export interface DisconnectEvent {
  /** The connection that closed. */
  readonly connection: TestConnection;
  /** The close code (1006 for an abrupt loss). */
  readonly code: number;
  /** The close reason. */
  readonly reason: string;
}

/** Payload of the `refused` event: an upgrade attempt was refused (see `refuse()`). */
export interface RefusedEvent {
  /** 1-based count of upgrade attempts, accepted and refused together. */
  readonly attempt: number;
  /** `status`: answered with an HTTP error status; `reset`: the TCP connection was destroyed. */
  readonly mode: 'status' | 'reset';
}

/** Events of a test server; each listener receives one payload object. */
export interface TestServerEvents {
  /** A client completed the WebSocket handshake. */
  connection: [connection: TestConnection];
  /** A client connection closed, for any reason. */
  disconnect: [event: DisconnectEvent];
  /** An upgrade attempt was refused (see `refuse()`). */
  refused: [event: RefusedEvent];
  /** An `auth` frame was judged. */
  auth: [event: AuthEvent];
  /** A `subscribe` frame was answered (accepted or refused). */
  subscribe: [event: SubscribeEvent];
  /** An `unsubscribe` frame was handled. */
  unsubscribe: [event: UnsubscribeEvent];
  /** Any frame a client sent, before it is handled. */
  frame: [frame: ReceivedFrame];
}

/** The name of a {@link TestServerEvents} event. */
export type TestServerEventName = keyof TestServerEvents;
