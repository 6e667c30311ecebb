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
  readonly connectionId: number;
  /** The frame text (binary frames are decoded as UTF-8). */
  readonly raw: string;
  /** The `op` field, when the frame is a JSON object with a string `op`. */
  readonly op: string | undefined;
  /** The parsed JSON object; `undefined` when the frame is not a JSON object. */
  readonly message: Readonly<Record<string, unknown>> | undefined;
}

export interface AuthEvent {
  readonly connection: TestConnection;
  /** The token as sent: this is a test server, it keeps secrets in plain sight on purpose. */
  readonly token: string;
  readonly verdict: AuthVerdict;
}

export interface SubscribeEvent {
  readonly connection: TestConnection;
  readonly topic: string;
  readonly params: unknown;
  readonly from: number | undefined;
  /** `'ok'` when accepted, else the error code sent back (`'limit'`, `'unauthorized'`, …). */
  readonly result: string;
  /** Data frames replayed from history after `subscribed`. */
  readonly replayed: number;
}

export interface UnsubscribeEvent {
  readonly connection: TestConnection;
  readonly topic: string;
}

export interface DisconnectEvent {
  readonly connection: TestConnection;
  readonly code: number;
  readonly reason: string;
}

export interface RefusedEvent {
  /** 1-based count of upgrade attempts, accepted and refused together. */
  readonly attempt: number;
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
  unsubscribe: [event: UnsubscribeEvent];
  /** Any frame a client sent, before it is handled. */
  frame: [frame: ReceivedFrame];
}

export type TestServerEventName = keyof TestServerEvents;
