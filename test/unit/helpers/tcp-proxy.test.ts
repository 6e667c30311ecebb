import { EventEmitter, once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../src/testing/wait-for.js';
import { leakedSince, resourceCounts } from '../../helpers/leaks.js';
import { createTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

/** A plain TCP server on 127.0.0.1 that keeps what it receives. */
interface Target {
  readonly port: number;
  readonly sockets: Socket[];
  /** Everything received, all connections, in arrival order. */
  text(): string;
  readonly events: EventEmitter;
  close(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  const sockets: Socket[] = [];
  const chunks: Buffer[] = [];
  const events = new EventEmitter();
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      events.emit('data', c);
    });
    s.on('end', () => events.emit('end'));
    s.on('close', () => events.emit('close'));
    events.emit('connection', s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    events,
    text: () => Buffer.concat(chunks).toString(),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects to the proxy; resolves once connected. */
async function dial(proxy: TcpProxy): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port: proxy.port, allowHalfOpen: true });
  s.on('error', () => {});
  await once(s, 'connect');
  return s;
}

/** Resolves with the code of the socket's first error ('closed' when it closes cleanly), bounded. */
function outcome(s: Socket, timeoutMs = 3_000): Promise<string> {
  s.resume(); // a socket that does not read never notices an RST
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket neither failed nor closed within ${timeoutMs} ms`)), timeoutMs);
    const done = (result: string) => {
      clearTimeout(timer);
      resolve(result);
    };
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    s.once('close', () => done('closed'));
  });
}

/** Reads from `s` until `n` bytes came, bounded. */
async function readBytes(s: Socket, n: number, timeoutMs = 3_000): Promise<{ text: string; chunks: number }> {
  const got: Buffer[] = [];
  let size = 0;
  const onData = (c: Buffer) => {
    got.push(c);
    size += c.length;
  };
  s.on('data', onData);
  try {
    if (size < n) await waitFor(s, 'data', { timeoutMs, filter: () => size >= n });
  } finally {
    s.off('data', onData);
  }
  return { text: Buffer.concat(got).toString(), chunks: got.length };
}

let target: Target;
let proxy: TcpProxy;
const clients: Socket[] = [];
const track = (s: Socket) => (clients.push(s), s);

beforeEach(async () => {
  target = await startTarget();
  proxy = await createTcpProxy({ target: target.port });
});
afterEach(async () => {
  for (const s of clients.splice(0)) s.destroy();
  await proxy.close();
  await target.close();
});

describe('createTcpProxy', () => {
  it('listens on 127.0.0.1 and validates its options', async () => {
    expect(proxy.url('/ws')).toBe(`ws://127.0.0.1:${proxy.port}/ws`);
    expect(proxy.port).toBeGreaterThan(0);
    await expect(createTcpProxy({ target: 0 })).rejects.toThrow(/target/);
    await expect(createTcpProxy({ target: 70_000 })).rejects.toThrow(/target/);
    expect(() => proxy.latency(-1)).toThrow(/latency/);
    expect(() => proxy.drip({ bytesPerChunk: 0, intervalMs: 1 })).toThrow(/bytesPerChunk/);
  });

  it('forwards bytes both ways and passes a FIN on', async () => {
    const c = track(await dial(proxy));
    const arrived = waitFor(target.events, 'data', { filter: () => target.text() === 'hello' });
    c.write('hello');
    await arrived;
    const reply = readBytes(c, 5);
    target.sockets[0]!.write('world');
    expect((await reply).text).toBe('world');
    const ended = waitFor(target.events, 'end');
    c.end();
    await ended;
    expect(proxy.accepted).toBe(1);
    expect(proxy.connections).toBe(1); // half-closed: the target has not ended yet
    const gone = waitFor(proxy, 'disconnect');
    target.sockets[0]!.end();
    await gone;
    expect(proxy.connections).toBe(0);
    expect(proxy.stats()).toMatchObject({ bytesUp: 5, bytesDown: 5 });
  });

  it('resetAll() resets both sides of every connection', async () => {
    const connected = waitFor(target.events, 'connection');
    const c = track(await dial(proxy));
    await connected;
    const clientSaw = outcome(c);
    const targetSaw = outcome(target.sockets[0]!);
    expect(proxy.resetAll()).toBe(1);
    expect(await clientSaw).toBe('ECONNRESET');
    expect(await targetSaw).toBe('ECONNRESET');
    expect(proxy.resets).toBe(1);
  });

  it('refuse() stops listening (ECONNREFUSED) and comes back on the same port', async () => {
    const port = proxy.port;
    await proxy.refuse(true);
    expect(proxy.currentMode).toBe('refuse');
    const s = track(connect({ host: '127.0.0.1', port }));
    expect(await outcome(s)).toBe('ECONNREFUSED');
    await proxy.refuse(false);
    expect(proxy.port).toBe(port);
    track(await dial(proxy));
    expect(proxy.accepted).toBe(1);
  });

  it("refuse(true, 'reset') accepts and resets new connections, counting them", async () => {
    await proxy.refuse(true, 'reset');
    const s = track(connect({ host: '127.0.0.1', port: proxy.port }));
    s.on('connect', () => s.write('x')); // a reset socket shows it on the next I/O
    expect(['ECONNRESET', 'EPIPE']).toContain(await outcome(s));
    expect(proxy.refused).toBe(1);
    expect(target.sockets).toHaveLength(0);
  });

  it('blackhole() drops bytes both ways, keeps sockets open, and resets them when lifted', async () => {
    const connected = waitFor(target.events, 'connection');
    const c = track(await dial(proxy));
    await connected;
    proxy.blackhole(true);
    const dropped = waitFor<number>(proxy, 'drop');
    c.write('lost');
    expect(await dropped).toBe(4);
    const droppedDown = waitFor<number>(proxy, 'drop');
    target.sockets[0]!.write('also lost');
    expect(await droppedDown).toBe(9);
    expect(target.text()).toBe('');
    expect(proxy.droppedBytes).toBe(13);
    // A FIN is hidden by the partition too.
    const hidden = waitFor(proxy, 'finHidden');
    c.end();
    expect(await hidden).toBe('up'); // the proxy saw the FIN and did not pass it on
    expect(target.sockets[0]!.readableEnded).toBe(false);
    expect(proxy.connections).toBe(1);
    const targetSaw = outcome(target.sockets[0]!);
    proxy.blackhole(false);
    expect(await targetSaw).toBe('ECONNRESET');
    // New connections flow again.
    const c2 = track(await dial(proxy));
    const arrived = waitFor(target.events, 'data', { filter: () => target.text() === 'ok' });
    c2.write('ok');
    await arrived;
  });

  it('adds latency per chunk, pipelined (not one delay after another)', async () => {
    const latencyMs = 50;
    proxy.latency(latencyMs);
    const connected = waitFor<Socket>(target.events, 'connection');
    const c = track(await dial(proxy));
    const server = await connected;
    const sentAt: number[] = [];
    const arrivedAt = new Map<number, number>();
    let received = '';
    c.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      for (const m of received.matchAll(/<(\d+)>/g)) {
        const i = Number(m[1]);
        if (!arrivedAt.has(i)) arrivedAt.set(i, performance.now());
      }
    });
    const all = waitFor(c, 'data', { timeoutMs: 3_000, filter: () => arrivedAt.size === 10 });
    for (let i = 0; i < 10; i++) {
      sentAt.push(performance.now());
      server.write(`<${i}>`);
      await new Promise((resolve) => setTimeout(resolve, 10)); // traffic shape: one chunk per 10 ms
    }
    await all;
    expect(received).toBe(Array.from({ length: 10 }, (_, i) => `<${i}>`).join(''));
    for (let i = 0; i < 10; i++) expect(arrivedAt.get(i)! - sentAt[i]!).toBeGreaterThanOrEqual(latencyMs - 2);
    // Serialized, the last chunk would come 10 x 50 ms after the first was sent; pipelined ~140 ms.
    expect(arrivedAt.get(9)! - sentAt[0]!).toBeLessThan(10 * latencyMs - 50);
  });

  it('drips: chunks are split and released one piece per interval, in order', async () => {
    proxy.drip({ bytesPerChunk: 10, intervalMs: 1 });
    const connected = waitFor<Socket>(target.events, 'connection');
    const c = track(await dial(proxy));
    const server = await connected;
    const payload = Array.from({ length: 100 }, (_, i) => String(i % 10).repeat(10)).join('');
    const read = readBytes(c, payload.length, 5_000);
    server.write(payload);
    const { text } = await read;
    expect(text).toBe(payload);
    expect(proxy.stats().writesDown).toBeGreaterThanOrEqual(100);
  });

  it('closeStorm() resets every connection as it arrives until the count is reached', async () => {
    const first = track(await dial(proxy));
    const firstSaw = outcome(first);
    const storm = proxy.closeStorm(4, 5_000);
    expect(await firstSaw).toBe('ECONNRESET');
    for (let i = 0; i < 3; i++) {
      const s = track(connect({ host: '127.0.0.1', port: proxy.port }));
      s.on('connect', () => s.write('x'));
      expect(['ECONNRESET', 'EPIPE']).toContain(await outcome(s));
    }
    expect(await storm).toMatchObject({ resets: 4, complete: true });
    track(await dial(proxy));
    expect(proxy.connections).toBe(1);
    expect(proxy.resets).toBe(4);
  });

  it('closeStorm() ends with its window when fewer connections come', async () => {
    const result = await proxy.closeStorm(100, 30);
    expect(result).toMatchObject({ resets: 0, complete: false });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(29);
  });

  it('bounds its buffers: a fast sender is paused, nothing is lost', async () => {
    await proxy.close();
    proxy = await createTcpProxy({ target: target.port, maxBufferedBytes: 64 * 1024 });
    proxy.latency(20);
    const connected = waitFor(target.events, 'connection');
    const c = track(await dial(proxy));
    await connected;
    const total = 1024 * 1024;
    const arrived = waitFor(target.events, 'data', { timeoutMs: 10_000, filter: () => target.text().length >= total });
    c.write(Buffer.alloc(total, 'a'));
    await arrived;
    expect(target.text().length).toBe(total);
    // Our queue plus the socket's stays within the bound plus one read (<= 64 KiB).
    expect(proxy.stats().peakBuffered).toBeLessThanOrEqual(2 * 64 * 1024);
  });

  it('close() clears timers and sockets: no handle is left', async () => {
    await proxy.close();
    const before = resourceCounts();
    const delayed = await createTcpProxy({ target: target.port });
    delayed.latency(10_000); // a queued chunk keeps a timer armed
    const connected = waitFor<Socket>(target.events, 'connection');
    const c = track(await dial(delayed));
    const server = await connected;
    const queued = waitFor(delayed, 'chunk');
    c.write('held back');
    await queued;
    expect(delayed.stats().peakBuffered).toBe(9);
    const stormy = await createTcpProxy({ target: target.port });
    const storm = stormy.closeStorm(10, 60_000); // its window is a timer
    await Promise.all([delayed.close(), stormy.close()]);
    await delayed.close(); // idempotent
    expect(await storm).toMatchObject({ resets: 0, complete: false });
    expect(target.text()).toBe('');
    server.destroy();
    expect(await leakedSince(before)).toEqual({});
    expect(() => delayed.blackhole()).toThrow(/closed/);
    proxy = await createTcpProxy({ target: target.port }); // for afterEach
  });
});
