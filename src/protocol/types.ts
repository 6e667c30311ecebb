/** A wire frame: text or binary. */
export type Frame = string | Uint8Array;

/** What a subscription asks of the server. `key` is stable for a topic + params pair. */
export interface SubscribeRequest {
  /** Registry key: topic plus canonicalized params. */
  readonly key: string;
  readonly topic: string;
  /** `undefined` when the subscription has no params. */
  readonly params: unknown;
  /** Resume position: the last sequence number seen, when the protocol can resume. */
  readonly from?: number;
}

/** Per-call context for frames that carry a credential (KIS puts the approval key in each). */
export interface FrameContext {
  readonly token: string | undefined;
}

/** How the client should treat a close: reconnect, refresh the credential first, or give up. */
export type CloseKind = 'retry' | 'auth' | 'fatal';

/** Why a subscription failed, as the protocol classifies the server's answer. */
export type SubscriptionErrorKind = 'rejected' | 'limit' | 'auth' | 'transient';

/**
 * A decoded inbound message. `topic` routes data to subscriptions; `key` (when a protocol
 * knows it, e.g. graphql-ws operation ids) routes to one exact registry entry. A `seq` is
 * always a safe non-negative integer: `decode` throws for a frame carrying anything else.
 */
export type Inbound =
  | { readonly type: 'data'; readonly topic: string; readonly key?: string; readonly data: unknown; readonly seq?: number }
  /** `seq`: the server's current position on the topic, where a later resume may start. */
  | { readonly type: 'subscribed'; readonly topic: string; readonly key?: string; readonly seq?: number }
  | { readonly type: 'unsubscribed'; readonly topic: string; readonly key?: string }
  | { readonly type: 'complete'; readonly topic: string; readonly key?: string }
  | {
      readonly type: 'error';
      readonly topic?: string;
      readonly key?: string;
      readonly code: string;
      readonly message: string;
      readonly kind?: SubscriptionErrorKind;
    }
  | { readonly type: 'ping'; readonly reply?: Frame }
  | { readonly type: 'pong' }
  | { readonly type: 'auth-ok' }
  | { readonly type: 'auth-rejected'; readonly reason: 'expired' | 'invalid'; readonly message?: string }
  | { readonly type: 'retry'; readonly afterMs: number }
  | { readonly type: 'ignore' };

/** What `decode` returns: one message, several (multi-record frames), or nothing. */
export type DecodeResult = Inbound | readonly Inbound[] | undefined;

/**
 * Where `decodeInto` hands stream data, one call per `data` message, in frame order: the same
 * fields as a `data` Inbound, without allocating one per message.
 */
export interface DataSink {
  data(topic: string, key: string | undefined, data: unknown, seq: number | undefined): void;
}

/**
 * Where the client's stream data goes (its subscription registry). The connection sets
 * `receivedAt` (the frame's receive time) before each frame is decoded, so `decodeInto` can
 * hand data straight to `data` with nothing in between.
 */
export interface StreamSink extends DataSink {
  receivedAt: number;
}

/** The socket as a protocol sees it during the handshake or an in-band re-auth. */
export interface HandshakeIO {
  readonly token: string | undefined;
  /** Aborted when the handshake times out or the socket goes away. */
  readonly signal: AbortSignal;
  send(frame: Frame): void;
  /**
   * The next decoded inbound message; rejects when `signal` aborts. What the handshake has not
   * read when it returns (data that came in the same read as the ack) is delivered as usual,
   * in order, once the connection is open.
   */
  next(): Promise<Inbound>;
}

/** Limits and pacing a server imposes; the client applies them. */
export interface ProtocolLimits {
  maxSubscriptions?: number;
  subscribeIntervalMs?: number;
  ackTimeoutMs?: number;
}

/**
 * Turns intents into frames and frames into events; the client stays protocol-agnostic.
 * An instance may keep per-connection state (operation ids, keys): use one per client;
 * `reset()` is called before every new connection.
 */
export interface Protocol {
  readonly name: string;
  /** WebSocket subprotocols to request (e.g. `graphql-transport-ws`). */
  readonly subprotocols?: readonly string[];
  readonly limits?: ProtocolLimits;
  /** True when `subscribe` honours `from` (resume after reconnect). */
  readonly resumable?: boolean;
  /**
   * How the heartbeat proves the socket alive. `'probe'` (default): after a quiet
   * `heartbeat.intervalMs`, send a WebSocket ping (or `ping()`) and await any frame.
   * `'passive'`: never probe (the server keeps the feed alive itself and may punish client
   * pings, e.g. KIS's PINGPONG); quiet for `intervalMs + timeoutMs` is a dead socket.
   */
  readonly liveness?: 'probe' | 'passive';
  /** Send auth/init and await the ack. Throwing an `AuthError` means the credential was refused. */
  handshake?(io: HandshakeIO): Promise<void>;
  /** Re-authenticate on the open socket with a new token, without reconnecting. */
  reauth?(io: HandshakeIO): Promise<void>;
  subscribe(req: SubscribeRequest, ctx: FrameContext): Frame | readonly Frame[] | undefined;
  unsubscribe(req: SubscribeRequest, ctx: FrameContext): Frame | undefined;
  /** Decode one frame. Throw (any error) for a malformed frame: it is counted, not fatal. */
  decode(frame: Frame): DecodeResult;
  /**
   * Optional fast path of `decode`, used by the client when present: hand every `data`
   * message to `sink.data` (synchronously, in frame order) and return the frame's other
   * messages exactly as `decode` would (`undefined` when it held only data). While a
   * handshake reads messages, the client calls `decode`.
   */
  decodeInto?(frame: Frame, sink: DataSink): DecodeResult;
  /** Classify a close code. Default: see `defaultCloseKind`. */
  closeKind?(code: number, reason: string): CloseKind;
  /** A retry hint carried by a close (e.g. 1013 with "retry-after=5000"). */
  retryAfterMs?(code: number, reason: string): number | undefined;
  /** An application-level probe, used when the transport has no WebSocket ping. */
  ping?(): Frame;
  reset?(): void;
}
