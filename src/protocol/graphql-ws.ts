import { ProtocolError } from '../core/errors.js';
import { boundedText } from './bounded-text.js';
import { defaultCloseKind, retryAfterFromReason } from './close-codes.js';
import { OperationTable, type Operation } from './graphql-ws-ops.js';
import type { CloseKind, DataSink, DecodeResult, Frame, HandshakeIO, Inbound, Protocol, SubscribeRequest } from './types.js';

/** The GraphQL operation a topic subscribes to: a `subscription` document and its variables. */
/** One GraphQL subscription operation, as `graphql-ws` sends it in a `subscribe` message. */
export interface GraphqlOperation {
  /** The GraphQL document (a `subscription`). */
  readonly query: string;
  /** Values of the document's variables. */
  readonly variables?: Readonly<Record<string, unknown>>;
  /** Which operation of the document to run, when it holds several. */
  readonly operationName?: string;
}

/** Options of {@link graphqlWsProtocol}. */
export interface GraphqlWsProtocolOptions {
  /**
   * Maps a topic (and the subscription's params) to the GraphQL operation to run. Called for
   * every subscribe, including resubscribes after a reconnect. Throwing fails that subscription.
   * @example
   * operation: (topic) => ({
   *   query: 'subscription($t: String!) { ticks(topic: $t) { price } }',
   *   variables: { t: topic },
   * })
   */
  operation(topic: string, params: unknown): GraphqlOperation;
  /**
   * The `connection_init` payload, re-read at every connect (so it sees the current token).
   * Return `undefined` to send no payload.
   * @default ({ token }) => token === undefined ? undefined : { token }
   */
  connectionParams?(ctx: { readonly token: string | undefined }): Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>;
  /** Name shown in logs. @default 'graphql-ws' */
  name?: string;
}

/** The WebSocket subprotocol of graphql-ws (the `graphql-transport-ws` protocol). */
export const GRAPHQL_TRANSPORT_WS = 'graphql-transport-ws';

/**
 * graphql-ws has no subscribe ack: a subscription is known to work when its first `next`
 * arrives (the registry treats key-routed data on a pending entry as the ack), and a quiet
 * subscription may send nothing for hours. `Infinity` turns the registry's ack timer off.
 */
export const GRAPHQL_WS_ACK_TIMEOUT_MS = Infinity;

/** Longest error text kept from a server `error` payload. */
const MAX_ERROR_MESSAGE = 500;

const PING = '{"type":"ping"}';
const PONG = '{"type":"pong"}';
const AUTH_OK: Inbound = { type: 'auth-ok' };
const PONG_IN: Inbound = { type: 'pong' };
const IGNORE: Inbound = { type: 'ignore' };
const textDecoder = new TextDecoder();

/** Messages a client may receive; anything else (including client-only types) is malformed. */
type ServerMessage = Record<string, unknown> & { type: string };

/** Default `connection_init` payload: `{ token }` when a token is configured. */
export function tokenConnectionParams({ token }: { readonly token: string | undefined }): Record<string, unknown> | undefined {
  return token === undefined ? undefined : { token };
}

/**
 * Close codes of graphql-transport-ws (and the WebSocket ones it relies on), one decision each.
 * Codes not listed fall through to `defaultCloseKind`.
 */
export function graphqlWsCloseKind(code: number, reason: string): CloseKind {
  switch (code) {
    case 4403: // Forbidden: onConnect refused the connection_init payload (the token). Refresh it.
      return 'auth';
    case 4400: // Bad request: the server could not parse or accept a message of ours.
    case 4401: // Unauthorized: subscribe before connection_ack — a client bug, not a bad token.
    case 4406: // Subprotocol not acceptable: the server does not speak graphql-transport-ws.
    case 4409: // Subscriber already exists: a duplicate operation id; retrying repeats it.
      return 'fatal';
    case 4408: // Connection initialisation timeout: our connection_init came too late.
    case 4429: // Too many initialisation requests: this socket is spoiled, a new one is clean.
    case 4500: // Internal server error: the server's problem, worth another try.
    case 1001: // Going away: server shutdown or restart.
    case 1006: // Abnormal closure: the link died without a close frame.
    case 1011: // Internal error (WebSocket level).
    case 1012: // Service restart.
    case 1013: // Try again later (may carry retry-after, see retryAfterMs).
      return 'retry';
    default:
      return defaultCloseKind(code, reason);
  }
}

/**
 * The graphql-transport-ws protocol (graphql-ws), checked against the `graphql-ws` server.
 *
 * - Handshake: `connection_init` (payload from `connectionParams`, default `{ token }`), then
 *   wait for `connection_ack`. A refused token closes the socket with 4403 -> `auth`.
 * - Subscribe: one operation per registry key, `{ id, type: 'subscribe', payload }`; the id
 *   routes `next` / `error` / `complete` to that exact entry. The callback receives the `next`
 *   payload's `data` (`null` when the event failed; `errors` in a `next` are not surfaced).
 * - No subscribe ack exists: the first `next` activates a subscription; the ack timer is
 *   effectively off (`limits.ackTimeoutMs`), so a quiet subscription is not counted as failed.
 * - No in-band re-auth: a refreshed token is used at the next connect.
 *
 * Keeps per-connection state (operation ids): use one instance per client.
 */
export function graphqlWsProtocol(options: GraphqlWsProtocolOptions): Protocol {
  if (typeof options?.operation !== 'function') throw new TypeError('graphqlWsProtocol: operation must be a function');
  const connectionParams = options.connectionParams ?? tokenConnectionParams;
  const ops = new OperationTable();

  const subscribeFrame = (op: Operation, o: GraphqlOperation): string => {
    const payload: Record<string, unknown> = { query: o.query };
    if (o.variables !== undefined) payload['variables'] = o.variables;
    if (o.operationName !== undefined) payload['operationName'] = o.operationName;
    return JSON.stringify({ id: op.id, type: 'subscribe', payload });
  };

  return {
    name: options.name ?? 'graphql-ws',
    subprotocols: [GRAPHQL_TRANSPORT_WS],
    limits: { ackTimeoutMs: GRAPHQL_WS_ACK_TIMEOUT_MS },
    resumable: false,

    async handshake(io: HandshakeIO): Promise<void> {
      ops.reset(); // a new socket: no operation survives, whether or not reset() was called
      const payload = await connectionParams({ token: io.token });
      io.send(JSON.stringify(payload === undefined ? { type: 'connection_init' } : { type: 'connection_init', payload }));
      // A refusal is a 4403 close, which aborts `next()`; anything before the ack is not ours.
      for (;;) if ((await io.next()).type === 'auth-ok') return;
    },

    subscribe(req: SubscribeRequest): Frame | readonly Frame[] {
      const o = options.operation(req.topic, req.params);
      if (typeof o?.query !== 'string') throw new TypeError(`graphqlWsProtocol: operation("${req.topic}") must return { query: string }`);
      const { op, replaced } = ops.open(req.key, req.topic);
      const frame = subscribeFrame(op, o);
      // Never two operations for one key: a repeated subscribe replaces the live one.
      return replaced ? [completeFrame(replaced.id), frame] : frame;
    },

    unsubscribe(req: SubscribeRequest): Frame | undefined {
      const op = ops.close(req.key);
      return op ? completeFrame(op.id) : undefined; // nothing live (the server ended it): nothing to say
    },

    decode: (frame: Frame): DecodeResult => decode(frame, undefined),
    decodeInto: (frame: Frame, sink: DataSink, receivedAt: number): DecodeResult => decode(frame, sink, receivedAt),

    closeKind: graphqlWsCloseKind,
    retryAfterMs: retryAfterFromReason,
    ping: () => PING,
    reset: () => ops.reset(),
  };

  /** One decoder for both paths: with a sink, `next` data goes straight to it. */
  function decode(frame: Frame, sink: DataSink | undefined, receivedAt = 0): DecodeResult {
    const m = parse(frame);
    switch (m.type) {
      case 'next': {
        const payload = m['payload'];
        if (!isObject(payload)) throw malformed('next without an object payload');
        const op = ops.get(operationId(m));
        // Unknown id: a late frame of an operation we completed; dropped, never misrouted.
        if (op === undefined) return IGNORE;
        if (sink === undefined) return { type: 'data', topic: op.topic, key: op.key, data: payload['data'] };
        sink.data(op.topic, op.key, payload['data'], undefined, receivedAt);
        return undefined;
      }
      case 'error': {
        // An error ends the operation whatever its payload says: no complete follows, and a
        // malformed payload must not leave the subscription waiting on an operation that is over.
        const op = ops.end(operationId(m));
        if (!op) return IGNORE;
        const message = errorMessage(m['payload']);
        return { type: 'error', topic: op.topic, key: op.key, code: 'GRAPHQL_ERROR', message, kind: 'rejected' };
      }
      case 'complete': {
        const op = ops.end(operationId(m));
        return op ? { type: 'complete', topic: op.topic, key: op.key } : IGNORE;
      }
      case 'connection_ack':
        return AUTH_OK;
      case 'ping': {
        const payload = m['payload'];
        return { type: 'ping', reply: isObject(payload) ? JSON.stringify({ type: 'pong', payload }) : PONG };
      }
      case 'pong':
        return PONG_IN;
    }
    // Echoed whole or not at all: a cut-off echo of a secret could not be scrubbed by value.
    throw malformed(`unexpected message type ${m.type.length <= 32 ? JSON.stringify(m.type) : `(a ${m.type.length}-character string)`}`);
  }
}

function completeFrame(id: string): string {
  return JSON.stringify({ id, type: 'complete' });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function malformed(what: string, cause?: unknown): ProtocolError {
  return new ProtocolError('DECODE_ERROR', `graphql-ws: ${what}`, cause === undefined ? {} : { cause });
}

function parse(frame: Frame): ServerMessage {
  let m: unknown;
  try {
    m = JSON.parse(typeof frame === 'string' ? frame : textDecoder.decode(frame));
  } catch (err) {
    // The parser's message quotes the frame, cut short (`"eyJhbGciOi"... is not valid JSON`):
    // an echoed secret no scrub could find. Only its type is kept.
    throw malformed(`frame is not JSON (${err instanceof Error ? err.name : typeof err})`);
  }
  if (!isObject(m)) throw malformed('frame is not a JSON object');
  if (typeof m['type'] !== 'string') throw malformed('frame has no string "type"');
  return m as ServerMessage;
}

function operationId(m: ServerMessage): string {
  const id = m['id'];
  if (typeof id !== 'string' || id === '') throw malformed(`"${m.type}" without an operation id`);
  return id;
}

/**
 * The messages of an `error` payload (a non-empty array of GraphQL errors), bounded: reading
 * stops once the text is long enough. A payload that is not one is described, not thrown on.
 */
function errorMessage(payload: unknown): string {
  if (!Array.isArray(payload) || payload.length === 0) return 'malformed error payload (not a list of GraphQL errors)';
  let text = '';
  for (let i = 0; i < payload.length && text.length <= MAX_ERROR_MESSAGE; i++) {
    const e: unknown = payload[i];
    const message = isObject(e) && typeof e['message'] === 'string' ? e['message'] : '(error without a message)';
    text = i === 0 ? message : `${text}; ${message}`;
  }
  return boundedText(text, MAX_ERROR_MESSAGE);
}
