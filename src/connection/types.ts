import type { StreamClientError } from '../core/errors.js';
import type { Frame, Inbound, Protocol } from '../protocol/types.js';
import type { StateChange } from './states.js';
import type { SocketInit } from './network.js';
import type { WebSocketConstructor } from './transport.js';

/** The live, authenticated socket as other parts see it. */
export interface Session {
  send(frame: Frame): void;
  readonly token: string | undefined;
}

/** What the connection asks of the parts around it (wired by the facade). */
export interface ConnectionHooks {
  /** The credential for the next connect; rejects with an AuthError when none can be had. */
  credential(signal: AbortSignal): Promise<string | undefined>;
  /** Handshake done, before `open` is announced: resubscribe, flush the outbox. */
  ready(session: Session): void;
  /** Other inbound messages that are not the connection's own (acks, topic errors). */
  message(msg: Inbound): void;
  /** The session is gone, whatever the reason. */
  down(): void;
  /**
   * The server has accepted the session's credential: after the handshake when the protocol
   * has one, else at the first acknowledged subscribe (KIS checks its key only there).
   */
  accepted(): void;
  /** The server refused `token`: reconnect with a fresh one, or give up. */
  authRejected(token: string | undefined): 'retry' | 'fatal';
  transition(change: StateChange): void;
  error(err: StreamClientError): void;
}

export interface ConnectionOptions {
  url: string | ((ctx: { token?: string }) => string);
  protocol: Protocol;
  WebSocket: WebSocketConstructor;
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
  closeTimeoutMs: number;
  heartbeat: { intervalMs: number; timeoutMs: number } | false;
  /** Largest inbound frame accepted (bytes; characters for text from non-`ws` sockets). */
  maxFrameBytes: number;
  /** The Node socket's headers, TLS and agent, built before each connect. */
  socketInit?: SocketInit | undefined;
}
