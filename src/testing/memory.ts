/**
 * An in-memory WebSocket pair for fake-timer tests: a WHATWG-style `WebSocket` constructor to
 * pass as the client's `WebSocket` option, and a server-side peer per socket with controls.
 * Deliveries are asynchronous: a microtask when `latencyMs` is 0 (so `await
 * vi.advanceTimersByTimeAsync(0)` settles a whole exchange), else a `setTimeout`, driven by
 * fake timers. Nothing here touches a real socket.
 */

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** Options of {@link createMemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** Accept new sockets automatically (else call `peer.accept()`). @default true */
  autoAccept?: boolean;
  /** Delay of every delivery in either direction, in ms. @default 0 */
  latencyMs?: number;
  /** Called for each new socket, before it opens. */
  onConnection?(peer: MemoryPeer): void;
}

/** The server's end of one in-memory socket. */
export interface MemoryPeer {
  /** The URL the client opened. */
  readonly url: string;
  /** The subprotocols the client asked for. */
  readonly protocols: readonly string[];
  /** Frames the client sent, in order. */
  readonly received: (string | Uint8Array)[];
  /** Client-sent frames are also handed here as they arrive. */
  onFrame: ((frame: string | Uint8Array) => void) | undefined;
  /** Transport-level pings the client sent (answered automatically unless `silent`). */
  pings: number;
  /** Stop answering anything (half-open): frames are still received, none are sent. */
  silent: boolean;
  /** True while the socket is open. */
  readonly open: boolean;
  /** Complete the opening handshake (with `autoAccept: false`). */
  accept(): void;
  /** Fail the opening handshake (the client sees an error then close 1006). */
  reject(): void;
  /** Send a frame to the client (skipped while `silent`). */
  send(frame: string | Uint8Array): void;
  /** Clean close from the server with a code. */
  close(code?: number, reason?: string): void;
  /** Abrupt loss (RST): the client sees close 1006 with no closing handshake. */
  drop(): void;
}

/** What {@link createMemoryNetwork} returns: a `WebSocket` constructor and the peers it made. */
export interface MemoryNetwork {
  /** Pass as `new StreamClient({ WebSocket: network.WebSocket })`. */
  readonly WebSocket: {
    /** Opens a socket to a new {@link MemoryPeer} (accepted at once unless `autoAccept: false`). */
    new (url: string, protocols?: string | string[]): MemorySocket;
  };
  /** Every peer ever created, oldest first. */
  readonly peers: readonly MemoryPeer[];
  /** Peers whose socket is open. */
  live(): MemoryPeer[];
  /** The newest peer. */
  last(): MemoryPeer | undefined;
}

/** The client's end of an in-memory socket: a WHATWG-style WebSocket made by `network.WebSocket`. */
export class MemorySocket {
  /** `0` connecting, `1` open, `2` closing, `3` closed. */
  readyState = CONNECTING;
  /** Binary frames arrive as `ArrayBuffer`. */
  binaryType = 'arraybuffer';
  /** The URL it was opened with. */
  readonly url: string;
  /** Called once the peer accepts. */
  onopen: ((ev: unknown) => void) | null = null;
  /** Called per frame from the peer. */
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  /** Called once when the socket closes. */
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  /** Called when the peer rejects the handshake (a close 1006 follows). */
  onerror: ((ev: unknown) => void) | null = null;
  /** @internal */
  peer!: MemoryPeer & { deliverToServer(f: string | Uint8Array): void };

  constructor(url: string) {
    this.url = url;
  }

  /** Send a frame to the peer; throws unless open, as a browser WebSocket does. */
  send(data: string | Uint8Array): void {
    if (this.readyState !== OPEN) throw new Error('WebSocket is not open');
    this.peer.deliverToServer(data);
  }

  /** Clean close: the peer sees `code` and `reason`. */
  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSED || this.readyState === CLOSING) return;
    this.readyState = CLOSING;
    this.peer.close(code, reason);
  }
}

/**
 * A new in-memory network. Pass `network.WebSocket` as the client's `WebSocket` option and
 * drive each {@link MemoryPeer} from the test (with `vi.useFakeTimers()`).
 */
export function createMemoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  const peers: MemoryPeer[] = [];
  const latency = options.latencyMs ?? 0;
  const later = (fn: () => void): void => {
    if (latency > 0) setTimeout(fn, latency);
    else queueMicrotask(fn);
  };

  class WebSocket extends MemorySocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url);
      const socket = this;
      let state: 'opening' | 'open' | 'closed' = 'opening';
      const finish = (code: number, reason: string, error: boolean) => {
        if (state === 'closed') return;
        state = 'closed';
        later(() => {
          if (error) socket.onerror?.({ type: 'error' });
          socket.readyState = CLOSED;
          socket.onclose?.({ code, reason });
        });
      };
      const peer: MemoryPeer & { deliverToServer(f: string | Uint8Array): void } = {
        url,
        protocols: protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : protocols,
        received: [],
        onFrame: undefined,
        pings: 0,
        silent: false,
        get open() {
          return state === 'open';
        },
        accept() {
          if (state !== 'opening') return;
          state = 'open';
          later(() => {
            if (socket.readyState !== CONNECTING) return;
            socket.readyState = OPEN;
            socket.onopen?.({ type: 'open' });
          });
        },
        reject: () => finish(1006, '', true),
        send(frame) {
          if (state !== 'open' || peer.silent) return;
          later(() => {
            if (socket.readyState === OPEN) socket.onmessage?.({ data: typeof frame === 'string' ? frame : frame.slice().buffer });
          });
        },
        close: (code = 1000, reason = '') => finish(code, reason, false),
        drop: () => finish(1006, '', false),
        deliverToServer(frame) {
          if (state !== 'open') return;
          later(() => {
            if (state !== 'open') return;
            peer.received.push(frame);
            peer.onFrame?.(frame);
          });
        },
      };
      this.peer = peer;
      peers.push(peer);
      options.onConnection?.(peer);
      if (options.autoAccept ?? true) peer.accept();
    }
  }

  return {
    WebSocket,
    peers,
    live: () => peers.filter((p) => p.open),
    last: () => peers[peers.length - 1],
  };
}
