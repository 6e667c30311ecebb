/** A wire frame: text or binary. */
export type Frame = string | Uint8Array;

/** What a subscription asks of the server. `key` is stable for a topic + params pair. */
export interface SubscribeRequest {
  /** Registry key: topic plus canonicalized params. */
  readonly key: string;
  /** The topic to subscribe to. */
  readonly topic: string;
  /** `undefined` when the subscription has no params. */
  readonly params: unknown;
  /** Resume position: the last sequence number seen, when the protocol can resume. */
  readonly from?: number;
}

/** Per-call context for frames that carry a credential (KIS puts the approval key in each). */
export interface FrameContext {
  /** The current credential; `undefined` without `auth`. */
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
  | {
      /** Stream data for a topic. */
      readonly type: 'data';
      /** Routes the message to its subscriptions. */
      readonly topic: string;
      /** Routes to one exact registry entry, when the protocol knows it (a graphql-ws operation id). */
      readonly key?: string;
      /** The payload handed to `onData`. */
      readonly data: unknown;
      /** The message's sequence number, when the protocol numbers them (gaps, duplicates, resume). */
      readonly seq?: number;
    }
  | {
      /** The server acknowledged a subscribe. */
      readonly type: 'subscribed';
      /** Routes the message to its subscriptions. */
      readonly topic: string;
      /** Routes to one exact registry entry, when the protocol knows it (a graphql-ws operation id). */
      readonly key?: string;
      /** The server's current position on the topic, where a later resume may start. */
      readonly seq?: number;
    }
  | {
      /** The server acknowledged an unsubscribe. */
      readonly type: 'unsubscribed';
      /** Routes the message to its subscriptions. */
      readonly topic: string;
      /** Routes to one exact registry entry, when the protocol knows it (a graphql-ws operation id). */
      readonly key?: string;
    }
  | {
      /** The server ended the subscription (it is subscribed again, with backoff). */
      readonly type: 'complete';
      /** Routes the message to its subscriptions. */
      readonly topic: string;
      /** Routes to one exact registry entry, when the protocol knows it (a graphql-ws operation id). */
      readonly key?: string;
    }
  | {
      /** The server refused a subscription, or reported an error without a topic. */
      readonly type: 'error';
      /** The subscription it concerns, if any. */
      readonly topic?: string;
      /** Routes to one exact registry entry, when the protocol knows it (a graphql-ws operation id). */
      readonly key?: string;
      /** The server's own code (kept in the error's `details.serverCode`). */
      readonly code: string;
      /** The server's message. */
      readonly message: string;
      /** `transient`: retried with backoff; `limit`: fails with `SUBSCRIPTION_LIMIT`; otherwise `SUBSCRIPTION_REJECTED`. */
      readonly kind?: SubscriptionErrorKind;
    }
  | {
      /** The server's liveness probe. */
      readonly type: 'ping';
      /** The frame to send back, when the protocol answers pings. */
      readonly reply?: Frame;
    }
  | {
      /** The answer to the client's probe. */
      readonly type: 'pong';
    }
  | {
      /** The server accepted the credential. */
      readonly type: 'auth-ok';
    }
  | {
      /** The server refused the credential. */
      readonly type: 'auth-rejected';
      /** What the server said; either way the token is refreshed once, and a refreshed token refused again ends in `failed`. */
      readonly reason: 'expired' | 'invalid';
      /** The server's message. */
      readonly message?: string;
    }
  | {
      /** The server asks the client to wait before reconnecting. */
      readonly type: 'retry';
      /** The hint, in ms (bounded by `reconnect.maxHintMs`). */
      readonly afterMs: number;
    }
  | {
      /** A frame with nothing for the client (it still proves the socket alive). */
      readonly type: 'ignore';
    };

/** What `decode` returns: one message, several (multi-record frames), or nothing. */
export type DecodeResult = Inbound | readonly Inbound[] | undefined;

/**
 * Where `decodeInto` hands stream data, one call per `data` message, in frame order: the same
 * fields as a `data` Inbound, without allocating one per message.
 */
export interface DataSink {
  /**
   * One `data` message: the fields of a `data` {@link Inbound}, in frame order, and the
   * `receivedAt` that `decodeInto` was given, passed through unchanged. Left out (a protocol
   * written before it existed), the client reads its clock at this call instead.
   */
  data(topic: string, key: string | undefined, data: unknown, seq: number | undefined, receivedAt?: number): void;
}

/** Where the client's stream data goes (its subscription registry): every call carries `receivedAt`. */
export interface StreamSink extends DataSink {
  data(topic: string, key: string | undefined, data: unknown, seq: number | undefined, receivedAt: number): void;
}

/** The socket as a protocol sees it during the handshake or an in-band re-auth. */
export interface HandshakeIO {
  /** The credential to present; `undefined` without `auth`. */
  readonly token: string | undefined;
  /** Aborted when the handshake times out or the socket goes away. */
  readonly signal: AbortSignal;
  /** Send one frame on the socket. */
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
  /** Subscriptions the server allows per connection; the one over gets `SUBSCRIPTION_LIMIT`. */
  maxSubscriptions?: number;
  /** Minimum spacing between subscribe frames (servers that punish bursts). */
  subscribeIntervalMs?: number;
  /** How long the server may take to acknowledge a subscribe. */
  ackTimeoutMs?: number;
}

/**
 * Turns intents into frames and frames into events; the client stays protocol-agnostic.
 * An instance may keep per-connection state (operation ids, keys): use one per client;
 * `reset()` is called before every new connection.
 */
export interface Protocol {
  /** Shown in logs and errors. */
  readonly name: string;
  /** WebSocket subprotocols to request (e.g. `graphql-transport-ws`). */
  readonly subprotocols?: readonly string[];
  /** Limits the server imposes; they take precedence over the client's `subscriptions` defaults. */
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
  /** The frame(s) that subscribe; `undefined` sends nothing (the subscription is active at once). Throwing fails that subscription. */
  subscribe(req: SubscribeRequest, ctx: FrameContext): Frame | readonly Frame[] | undefined;
  /** The frame that unsubscribes; `undefined` sends nothing. */
  unsubscribe(req: SubscribeRequest, ctx: FrameContext): Frame | undefined;
  /** Decode one frame. Throw (any error) for a malformed frame: it is counted, not fatal. */
  decode(frame: Frame): DecodeResult;
  /**
   * Optional fast path of `decode`, used by the client when present: hand every `data`
   * message to `sink.data` (synchronously, in frame order) with `receivedAt`, the frame's
   * receive time (clock ms), as its last argument, and return the frame's other messages
   * exactly as `decode` would (`undefined` when it held only data). While a handshake reads
   * messages, the client calls `decode`.
   */
  decodeInto?(frame: Frame, sink: DataSink, receivedAt: number): DecodeResult;
  /** Classify a close code. Default: see `defaultCloseKind`. */
  closeKind?(code: number, reason: string): CloseKind;
  /** A retry hint carried by a close (e.g. 1013 with "retry-after=5000"). */
  retryAfterMs?(code: number, reason: string): number | undefined;
  /** An application-level probe, used when the transport has no WebSocket ping. */
  ping?(): Frame;
  /** Forget per-connection state (operation ids, pending replies); called before every new connection. */
  reset?(): void;
}
