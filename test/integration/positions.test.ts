import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GapInfo, StreamClient, StreamClientError } from '../../src/index.js';
import type { Logger } from '../../src/observe/log.js';
import { testClient } from '../helpers/client.js';
import { until } from '../helpers/until.js';

type Json = Record<string, unknown>;

/**
 * A raw server that misbehaves the way a restarted one does: `onSubscribe` decides, per
 * connection and subscribe frame, what to answer. Every frame the client sends is recorded.
 */
class RawServer extends EventEmitter {
  readonly wss: WebSocketServer;
  readonly received: Json[] = [];
  readonly sockets: WebSocket[] = [];
  constructor(onSubscribe: (ws: WebSocket, frame: Json, connection: number) => void) {
    super();
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.wss.on('connection', (ws) => {
      const connection = this.sockets.push(ws);
      ws.on('message', (raw) => {
        const frame = JSON.parse(String(raw)) as Json;
        this.received.push(frame);
        if (frame['op'] === 'subscribe') onSubscribe(ws, frame, connection);
        this.emit('frame');
      });
    });
  }
  get url(): string {
    const address = this.wss.address();
    return typeof address === 'object' && address !== null ? `ws://127.0.0.1:${address.port}` : '';
  }
  subscribes(): Json[] {
    return this.received.filter((f) => f['op'] === 'subscribe');
  }
  close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

const send = (ws: WebSocket, frame: Json | string): void => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));

let server: RawServer | undefined;
const clients: StreamClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
  server = undefined;
});

function recordingLogger(records: Json[]): Logger {
  const at = (level: string) => (obj: object) => void records.push({ level, ...obj });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), isLevelEnabled: () => true };
}

describe('positions against a server that restarts its numbering', () => {
  it('an ack below the resume point is a reset: every frame after it is delivered and the reset reported', async () => {
    server = new RawServer((ws, frame, connection) => {
      const topic = frame['topic'] as string;
      if (connection === 1) {
        send(ws, { op: 'subscribed', topic, seq: 0 });
        for (const seq of [1, 2, 3]) send(ws, { op: 'data', topic, seq, data: `old-${seq}` });
      } else {
        // Restarted: it lost its history, acks its own position 0 and numbers again from 1.
        send(ws, { op: 'subscribed', topic, seq: 0 });
        for (const seq of [1, 2, 3, 4]) send(ws, { op: 'data', topic, seq, data: `new-${seq}` });
      }
    });
    await new Promise((resolve) => server!.wss.once('listening', resolve));
    const records: Json[] = [];
    const client = testClient(server!.url, { logger: recordingLogger(records) });
    clients.push(client);
    const got: string[] = [];
    const gaps: GapInfo[] = [];
    const bus = new EventEmitter();
    client.subscribe('T', (d: string) => (got.push(d), bus.emit('data')), { onGap: (g) => gaps.push(g) });
    await client.start();
    await until(() => got.length === 3, [[bus, ['data']]], 3_000, 'three frames from the first server');
    server!.sockets[0]!.terminate();
    await until(() => got.length === 7, [[bus, ['data']]], 3_000, 'four frames from the restarted server');
    expect(got).toEqual(['old-1', 'old-2', 'old-3', 'new-1', 'new-2', 'new-3', 'new-4']);
    expect(server!.subscribes()[1]).toEqual({ op: 'subscribe', topic: 'T', from: 3 });
    expect(gaps).toEqual([{ kind: 'reset', expected: 4, received: 0 }]);
    const m = client.metrics();
    expect([m.resets, m.gaps, m.duplicatesDropped]).toEqual([1, 0, 0]);
    expect(records.filter((r) => r['event'] === 'subscription.reset')).toEqual([
      expect.objectContaining({ level: 'warn', topic: 'T', expected: 4, received: 0, cause: 'ack', dropped: 0 }),
    ]);
  });

  it('a seq that is not a safe non-negative integer is a DECODE_ERROR for its frame, never the position', async () => {
    const bad = ['1e999', '9007199254740993', '-1', '2.5', '"7"', 'null'];
    server = new RawServer((ws, frame, connection) => {
      const topic = frame['topic'] as string;
      send(ws, { op: 'subscribed', topic, seq: 0 });
      if (connection > 1) return;
      send(ws, { op: 'data', topic, seq: 1, data: 1 });
      for (const seq of bad) send(ws, `{"op":"data","topic":"T","seq":${seq},"data":"bad"}`);
      send(ws, { op: 'data', topic, seq: 2, data: 2 });
    });
    await new Promise((resolve) => server!.wss.once('listening', resolve));
    const client = testClient(server!.url);
    clients.push(client);
    const got: unknown[] = [];
    const errors: StreamClientError[] = [];
    const bus = new EventEmitter();
    client.on('error', (e) => void errors.push(e));
    client.subscribe('T', (d) => (got.push(d), bus.emit('data')));
    await client.start();
    await until(() => got.length === 2, [[bus, ['data']]], 3_000, 'the two valid frames');
    expect(got).toEqual([1, 2]);
    expect(errors.map((e) => e.code)).toEqual(bad.map(() => 'DECODE_ERROR'));
    expect(client.metrics().decodeErrors).toBe(bad.length);
    server!.sockets[0]!.terminate();
    await until(() => server!.subscribes().length === 2, [[server!, ['frame']]], 3_000, 'the resubscribe');
    expect(server!.subscribes()[1]).toEqual({ op: 'subscribe', topic: 'T', from: 2 });
  });
});

describe('staleness while a slow subscriber works through a backlog', () => {
  it('data being delivered is not silence: no onStale/onRecover flap, and stale exactly once when the data stops', async () => {
    const FRAMES = 80;
    // The server runs on its own thread, as a remote one would: it keeps writing while the
    // client's thread is busy, so the backlog waits in the socket, not in the server.
    const worker = new Worker(
      `const { WebSocketServer } = require('ws');
       const { parentPort } = require('node:worker_threads');
       const padding = 'x'.repeat(60 * 1024); // about one frame per socket read
       const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () => parentPort.postMessage(wss.address().port));
       wss.on('connection', (ws) => ws.on('message', (raw) => {
         const frame = JSON.parse(String(raw));
         if (frame.op !== 'subscribe') return;
         ws.send(JSON.stringify({ op: 'subscribed', topic: frame.topic, seq: 0 }));
         for (let seq = 1; seq <= ${FRAMES}; seq++) ws.send(JSON.stringify({ op: 'data', topic: frame.topic, seq, data: padding }));
       }));
       parentPort.on('message', () => { for (const c of wss.clients) c.terminate(); wss.close(() => process.exit(0)); });`,
      { eval: true },
    );
    const port = await new Promise<number>((resolve, reject) => (worker.once('message', resolve), worker.once('error', reject)));
    const client = testClient(`ws://127.0.0.1:${port}`);
    clients.push(client);
    const events: string[] = [];
    const bus = new EventEmitter();
    let received = 0;
    try {
      client.subscribe(
        'T',
        () => {
          received++;
          const until = performance.now() + 25; // a slow subscriber: 25 ms of work per frame
          while (performance.now() < until);
        },
        // Before the first frame the topic may go stale while connecting (legitimately): from the
        // first frame on, it must not until the backlog is done.
        { staleAfterMs: 20, onStale: () => (events.push(`stale@${received}`), bus.emit('stale')), onRecover: () => void events.push(`recover@${received}`) },
      );
      await client.start();
      await until(() => events.includes(`stale@${FRAMES}`), [[bus, ['stale']]], 10_000, 'stale after the backlog');
      expect(events.filter((e) => !e.endsWith('@0'))).toEqual([`stale@${FRAMES}`]);
    } finally {
      await client.close();
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      await exited;
    }
  });
});

describe('subscribe/unsubscribe churn against a server that stops reading', () => {
  it('bounds what is queued on the socket: churned pairs cancel unsent; the server ends up holding exactly the live topics', async () => {
    server = new RawServer((ws, frame) => {
      send(ws, { op: 'subscribed', topic: frame['topic'] as string });
      if (frame['params'] === undefined) send(ws, { op: 'data', topic: frame['topic'] as string, data: 1 });
    });
    await new Promise((resolve) => server!.wss.once('listening', resolve));
    const client = testClient(server!.url);
    clients.push(client);
    const bus = new EventEmitter();
    const got: string[] = [];
    const onData = (topic: string) => () => (got.push(topic), bus.emit('data'));
    client.subscribe('first', onData('first'));
    await client.start();
    await until(() => got.includes('first'), [[bus, ['data']]], 3_000, 'data on first');
    const raw = server!.sockets[0] as unknown as { _socket: { pause(): void; resume(): void } };
    raw._socket.pause(); // the server stops reading: the client's socket backs up
    const before = client.metrics().messagesOut;
    const params = { pad: 'x'.repeat(2048) }; // big frames: the kernel's buffers fill after a few thousand
    for (let i = 0; i < 20_000; i++) client.subscribe(`T${i % 100}`, () => {}, { params }).unsubscribe();
    client.subscribe('kept', onData('kept'));
    const written = client.metrics().messagesOut - before;
    // Without the bound all 40,000 frames are written; with it, what fits before the socket
    // holds MAX_QUEUED_BYTES (plus the kernel's buffers, a few MB), and the rest cancels unsent.
    expect(written).toBeLessThan(10_000);
    expect(written % 2).toBe(0); // pairs: every subscribe that went out was unsubscribed
    raw._socket.resume();
    await until(() => got.includes('kept'), [[bus, ['data']]], 10_000, 'data on kept after the socket drained');
    const held = new Map<string, number>();
    for (const f of server!.received) {
      const topic = f['topic'] as string;
      held.set(topic, (held.get(topic) ?? 0) + (f['op'] === 'subscribe' ? 1 : -1));
    }
    expect([...held].filter(([, n]) => n !== 0)).toEqual([
      ['first', 1],
      ['kept', 1],
    ]);
    expect(server!.received).toHaveLength(written + 2);
  });
});
