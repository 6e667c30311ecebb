import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { openTransport, type Transport, type TransportHandlers, type WebSocketConstructor } from '../../../src/connection/transport.js';
import type { Frame } from '../../../src/protocol/types.js';

type Listener = (...args: unknown[]) => void;

/** A ws-shaped socket whose emitter calls listeners as plain functions (no `this`). */
class PlainEmitterWs {
  static last: PlainEmitterWs;
  readyState = 0;
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  readonly #l = new Map<string, Listener[]>();
  constructor() {
    PlainEmitterWs.last = this;
  }
  on(ev: string, fn: Listener): this {
    this.#l.set(ev, [...(this.#l.get(ev) ?? []), fn]);
    return this;
  }
  once(ev: string, fn: Listener): this {
    return this.on(ev, fn);
  }
  removeAllListeners(): this {
    this.#l.clear();
    return this;
  }
  emit(ev: string, ...args: unknown[]): void {
    for (const fn of this.#l.get(ev) ?? []) fn(...args); // `this` is undefined in the listener
  }
  send(): void {}
  ping(): void {}
  terminate(): void {}
  close(): void {}
}

/** The same surface on Node's EventEmitter, as the `ws` package has it. */
class NodeEmitterWs extends EventEmitter {
  static last: NodeEmitterWs;
  readyState = 0;
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  constructor() {
    super();
    NodeEmitterWs.last = this;
  }
  send(): void {}
  ping(): void {}
  terminate(): void {}
  close(): void {}
}

function record() {
  const seen: [string, Transport, unknown?][] = [];
  const handlers: TransportHandlers = {
    open: (t) => void seen.push(['open', t]),
    frame: (t, f: Frame) => void seen.push(['frame', t, f]),
    close: (t, code) => void seen.push(['close', t, code]),
    error: (t, e) => void seen.push(['error', t, e]),
    pong: (t) => void seen.push(['pong', t]),
  };
  return { seen, handlers };
}

describe('ws-shaped transport', () => {
  it.each([
    ['an emitter that calls listeners without `this`', PlainEmitterWs],
    ["Node's EventEmitter (like ws)", NodeEmitterWs],
  ] as const)('reports every event of its own socket from %s', (_what, Ctor) => {
    const a = record();
    const b = record();
    const ta = openTransport(Ctor as unknown as WebSocketConstructor, 'ws://x/', undefined, a.handlers);
    const sa = Ctor.last;
    const tb = openTransport(Ctor as unknown as WebSocketConstructor, 'ws://x/', undefined, b.handlers);
    const sb = Ctor.last;
    sa.emit('open');
    sa.emit('message', Buffer.from('{"op":"pong"}'), false);
    sb.emit('message', Buffer.from([1, 2]), true);
    sa.emit('close', 1006, Buffer.from(''));
    expect(a.seen).toEqual([
      ['open', ta],
      ['frame', ta, '{"op":"pong"}'],
      ['close', ta, 1006],
    ]);
    expect(b.seen).toEqual([['frame', tb, Buffer.from([1, 2])]]);
    tb.detach();
    sb.emit('message', Buffer.from('late'), false);
    expect(b.seen).toHaveLength(1);
  });

  it.each([
    ['an emitter that calls listeners without `this`', PlainEmitterWs],
    ["Node's EventEmitter (like ws)", NodeEmitterWs],
  ] as const)('reports pongs once open, from %s', (_what, Ctor) => {
    const a = record();
    const ta = openTransport(Ctor as unknown as WebSocketConstructor, 'ws://x/', undefined, a.handlers);
    const sa = Ctor.last;
    sa.emit('open');
    sa.emit('pong');
    expect(a.seen).toEqual([
      ['open', ta],
      ['pong', ta],
    ]);
  });

  it("holds four events' listeners on an open Node socket: the upgrade's go at open (a smaller listener table per idle connection)", () => {
    openTransport(NodeEmitterWs as unknown as WebSocketConstructor, 'ws://x/', undefined, record().handlers);
    const s = NodeEmitterWs.last;
    expect(s.eventNames().sort()).toEqual(['close', 'error', 'message', 'open', 'unexpected-response']);
    s.emit('open');
    expect(s.eventNames().sort()).toEqual(['close', 'error', 'message', 'pong']);
    expect(s.eventNames().map((e) => s.listenerCount(e))).toEqual([1, 1, 1, 1]);
  });
});
