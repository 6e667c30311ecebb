import { ConnectionError } from '../core/errors.js';
import type { TaskRegistry } from '../core/tasks.js';
import type { Frame } from '../protocol/types.js';
import type { Transport, TransportHandlers, WebSocketConstructor, WebSocketLike } from './transport-types.js';
import { WhatwgTransport } from './transport-whatwg.js';
import { parseRetryAfter } from '../core/retry-after.js';

// The adapter over the `ws` package, and the factory that picks an adapter for a socket.
export type { Transport, TransportHandlers, WebSocketConstructor, WebSocketHandler, WebSocketLike } from './transport-types.js';

const OPEN = 1;
const CLOSED = 3;
const noop = () => {};

/** The `ws` package's EventEmitter surface: no MessageEvent per frame, as EventTarget would allocate (dispatch CPU ratio, bench/RESULTS.md). */
interface NodeWs {
  // biome-ignore lint/suspicious/noExplicitAny: listeners of every event fit one signature only with `any` parameters
  on(event: string, fn: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as for `on`
  once(event: string, fn: (...args: any[]) => void): unknown;
  removeAllListeners(): unknown;
  /** Node's EventEmitter has it ({@link isNodeEmitter}); other ws-shaped emitters may not. */
  // biome-ignore lint/suspicious/noExplicitAny: as for `on`
  removeListener(event: string, fn: (...args: any[]) => void): unknown;
  ping(): void;
  terminate(): void;
}

/** The transport a `ws` socket reports to, while attached. */
const OWNER = Symbol('steadystream.transport');
type OwnedWs = WebSocketLike & NodeWs & { [OWNER]?: NodeWsTransport | undefined };

/**
 * Node's EventEmitter (the `ws` package's base) calls listeners with `this` = the emitter.
 * Recognised by shape, not `instanceof`: importing `node:events` would break browser bundles.
 */
function isNodeEmitter(socket: object): boolean {
  const s = socket as { setMaxListeners?: unknown; rawListeners?: unknown; prependListener?: unknown };
  return typeof s.setMaxListeners === 'function' && typeof s.rawListeners === 'function' && typeof s.prependListener === 'function';
}

function isNodeWs(socket: unknown): socket is WebSocketLike & NodeWs {
  const s = socket as Partial<NodeWs>;
  return typeof s.on === 'function' && typeof s.terminate === 'function' && typeof s.ping === 'function';
}

/** Open a socket and adapt it. Construction errors (bad URL) are thrown synchronously. */
export function openTransport(
  WebSocketCtor: WebSocketConstructor,
  url: string,
  subprotocols: readonly string[] | undefined,
  handlers: TransportHandlers,
  /** The `ws` constructor's third argument (headers, TLS, agent); Node only. */
  init?: object,
  maxFrameBytes?: number,
): Transport {
  // The third argument is `ws`'s options (`maxPayload` refuses a larger frame before buffering
  // it); a WHATWG WebSocket ignores it, and an empty protocol list means none.
  const options = maxFrameBytes === undefined ? init : { ...init, maxPayload: maxFrameBytes };
  const protocols = subprotocols?.length ? [...subprotocols] : undefined;
  const socket =
    options !== undefined ? new WebSocketCtor(url, protocols ?? [], options) : protocols ? new WebSocketCtor(url, protocols) : new WebSocketCtor(url);
  return isNodeWs(socket) ? new NodeWsTransport(socket, handlers) : new WhatwgTransport(socket, handlers);
}

/**
 * The adapters are classes: an open connection holds one for its whole life, so its methods
 * live on the prototype; only the socket's listeners are closures (one shared context).
 */
class NodeWsTransport implements Transport {
  readonly #ws: OwnedWs;
  readonly #h: TransportHandlers;
  #attached = true;

  // One set of listeners for every socket: ws calls them with `this` = the socket, which points
  // back at its transport, so a socket costs no closures (idle heap per connection, bench/RESULTS.md).
  static readonly #onOpen = function (this: OwnedWs): void {
    const t = this[OWNER]!;
    t.#listenOpen();
    t.#h.open(t);
  };
  // Text frames arrive as a Buffer: toString() then JSON.parse is cheaper than parsing the Buffer.
  static readonly #onMessage = function (this: OwnedWs, data: Buffer, isBinary: boolean): void {
    const t = this[OWNER]!;
    t.#h.frame(t, isBinary ? data : data.toString());
  };
  static readonly #onClose = function (this: OwnedWs, code: number, reason: Buffer): void {
    const t = this[OWNER]!;
    t.#h.close(t, code, reason.toString());
  };
  static readonly #onError = function (this: OwnedWs, err: unknown): void {
    const t = this[OWNER]!;
    t.#h.error(t, err);
  };
  static readonly #onPong = function (this: OwnedWs): void {
    const t = this[OWNER]!;
    t.#h.pong(t);
  };
  // An HTTP answer instead of 101: reported with its status (401/403 reject the token), then
  // the request is aborted (listening to this event makes that ours to do).
  // A `Retry-After` on it (503, 429) becomes the loss's retry hint.
  static readonly #onUnexpectedResponse = function (
    this: OwnedWs,
    _req: unknown,
    res: { statusCode?: number; headers?: Record<string, string | string[] | undefined> },
  ): void {
    const t = this[OWNER]!;
    const status = res.statusCode ?? 0;
    const retryAfterMs = parseRetryAfter(res.headers?.['retry-after'], Date.now());
    const details = retryAfterMs === undefined ? { status } : { status, retryAfterMs };
    t.#h.error(t, new ConnectionError('CONNECTION_FAILED', `server refused the WebSocket upgrade with HTTP ${status}`, { details }));
    t.terminate();
  };

  constructor(ws: WebSocketLike & NodeWs, h: TransportHandlers) {
    const owned = ws as OwnedWs;
    this.#ws = owned;
    this.#h = h;
    owned[OWNER] = this;
    // Node's EventEmitter (the `ws` package) calls a listener with `this` = the socket, so the
    // shared listeners find their transport; any other ws-shaped emitter gets its own closures.
    const shared = isNodeEmitter(ws);
    // biome-ignore lint/suspicious/noExplicitAny: the listeners of `open`, `message`, `close`… through one signature
    const on = (event: string, fn: (this: OwnedWs, ...args: any[]) => void): unknown =>
      ws.on(event, shared ? fn : (...args: unknown[]) => fn.apply(owned, args));
    on('open', NodeWsTransport.#onOpen);
    on('message', NodeWsTransport.#onMessage);
    on('close', NodeWsTransport.#onClose);
    on('error', NodeWsTransport.#onError);
    on('unexpected-response', NodeWsTransport.#onUnexpectedResponse);
  }

  /**
   * At open, the upgrade's listeners go and the pong's comes: a Node emitter keeps listeners in
   * a hash table that never shrinks, and six event names at once took a larger one for the
   * socket's life (+0.19 KB per idle connection, bench/RESULTS.md (c)). Pongs only answer our pings.
   */
  #listenOpen(): void {
    const ws = this.#ws;
    if (isNodeEmitter(ws)) {
      ws.removeListener('open', NodeWsTransport.#onOpen);
      ws.removeListener('unexpected-response', NodeWsTransport.#onUnexpectedResponse);
      ws.on('pong', NodeWsTransport.#onPong);
    } else {
      ws.on('pong', (...args: unknown[]) => NodeWsTransport.#onPong.apply(ws, args as []));
    }
  }

  send(frame: Frame): void {
    this.#ws.send(frame);
  }

  bufferedAmount(): number {
    return this.#ws.bufferedAmount ?? 0;
  }

  ping(): boolean {
    if (this.#ws.readyState !== OPEN) return false;
    this.#ws.ping();
    return true;
  }

  terminate(): void {
    this.detach();
    this.#ws.terminate();
  }

  closeGracefully(code: number, reason: string, timeoutMs: number, tasks: TaskRegistry): Promise<void> {
    const ws = this.#ws;
    this.detach();
    if (ws.readyState === CLOSED) return Promise.resolve();
    if (ws.readyState !== OPEN) {
      ws.terminate();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = tasks.timeout('connection.close-wait', timeoutMs, () => {
        ws.terminate();
        resolve();
      });
      ws.once('close', () => {
        timer.cancel();
        resolve();
      });
      ws.close(code, reason);
    });
  }

  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.#ws.removeAllListeners();
    this.#ws.on('error', noop);
    this.#ws[OWNER] = undefined;
  }
}
