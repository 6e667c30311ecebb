/**
 * The bench's server process (forked by bench/run.ts; never imported). A `ws` server on
 * 127.0.0.1, port 0, that reports its port over IPC and exits when the parent goes away.
 *
 * Paths:
 * - `/json?topics=T&n=N`: waits for T subscribe frames (`{"op":"subscribe","topic":…}`),
 *   acks each, then writes N pre-built jsonProtocol data frames as fast as the socket drains.
 * - `/gql?topics=T&n=N` (graphql-transport-ws): `connection_init` -> `connection_ack`; after T
 *   `subscribe` messages, writes N pre-built `next` frames over those operation ids.
 * - `/idle`: accepts and keeps the socket; answers `connection_init` (graphql-ws clients).
 * - a socket.io server on its own port (`ioPort`), for socket.io-client in the idle section.
 *
 * Data frames are pre-framed WebSocket bytes (server frames are unmasked) written straight to
 * the TCP socket in large slices, so the server costs almost nothing per message and the
 * measurement is bound by the client.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Server as IoServer } from 'socket.io';
import { WebSocketServer, type WebSocket } from 'ws';
import { gqlFrameText, jsonFrameText, topicName } from './frames.js';

/** Hard bound on the server's life, whatever the parent does. */
const MAX_LIFETIME_MS = 20 * 60_000;
/** Bytes handed to `socket.write` at once. */
const SLICE_BYTES = 256 * 1024;

const TOPIC_COUNT_DEFAULT = 100;

/** One text frame, server to client: FIN + opcode 1, unmasked. */
function frameBytes(payload: Buffer): Buffer {
  const n = payload.length;
  let head: Buffer;
  if (n < 126) head = Buffer.from([0x81, n]);
  else if (n < 65_536) head = Buffer.from([0x81, 126, n >> 8, n & 0xff]);
  else throw new Error('frame too large for the bench');
  return Buffer.concat([head, payload]);
}

function frameAll(texts: (i: number) => string, n: number): { bytes: Buffer; avgPayload: number } {
  const parts: Buffer[] = [];
  let payloadBytes = 0;
  for (let i = 0; i < n; i++) {
    const p = Buffer.from(texts(i));
    payloadBytes += p.length;
    parts.push(frameBytes(p));
  }
  return { bytes: Buffer.concat(parts), avgPayload: payloadBytes / n };
}

const jsonCache = new Map<string, { bytes: Buffer; avgPayload: number }>();

function jsonFrames(topics: number, n: number): { bytes: Buffer; avgPayload: number } {
  const key = `${topics}:${n}`;
  let f = jsonCache.get(key);
  if (!f) {
    f = frameAll((i) => jsonFrameText(i, topics), n);
    jsonCache.clear(); // one size at a time: bounded memory
    jsonCache.set(key, f);
  }
  return f;
}

function gqlFrames(ids: readonly string[], topicsOfIds: readonly string[], n: number): { bytes: Buffer; avgPayload: number } {
  return frameAll((i) => gqlFrameText(i, ids, topicsOfIds), n);
}

/** Write `bytes` to the socket as fast as it drains; resolves when all is handed over. */
function pump(socket: Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    let off = 0;
    const onClose = () => {
      off = bytes.length;
      resolve();
    };
    socket.once('close', onClose);
    const write = () => {
      while (off < bytes.length) {
        const end = Math.min(bytes.length, off + SLICE_BYTES);
        const ok = socket.write(bytes.subarray(off, end));
        off = end;
        if (!ok) {
          socket.once('drain', write);
          return;
        }
      }
      socket.off('close', onClose);
      resolve();
    };
    write();
  });
}

function rawSocket(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

function intParam(url: URL, name: string, fallback: number): number {
  const v = Number(url.searchParams.get(name));
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

function onJson(ws: WebSocket, url: URL): void {
  const topics = intParam(url, 'topics', TOPIC_COUNT_DEFAULT);
  const n = intParam(url, 'n', 1000);
  const wanted = new Set<string>();
  let streaming = false;
  ws.on('message', (data) => {
    let m: { op?: string; topic?: string; t?: unknown };
    try {
      m = JSON.parse(String(data));
    } catch {
      return;
    }
    if (m.op === 'ping') return ws.send(JSON.stringify({ op: 'pong', t: m.t }));
    if (m.op !== 'subscribe' || typeof m.topic !== 'string' || streaming) return;
    wanted.add(m.topic);
    ws.send(`{"op":"subscribed","topic":${JSON.stringify(m.topic)}}`);
    if (wanted.size < topics) return;
    streaming = true;
    const frames = jsonFrames(topics, n);
    void pump(rawSocket(ws), frames.bytes);
  });
}

function onGql(ws: WebSocket, url: URL, stream: boolean): void {
  const topics = intParam(url, 'topics', TOPIC_COUNT_DEFAULT);
  const n = intParam(url, 'n', 1000);
  const ids: string[] = [];
  const topicOf: string[] = [];
  let streaming = false;
  ws.on('message', (data) => {
    let m: { type?: string; id?: string; payload?: { variables?: { topic?: unknown } } };
    try {
      m = JSON.parse(String(data));
    } catch {
      return;
    }
    switch (m.type) {
      case 'connection_init':
        return ws.send('{"type":"connection_ack"}');
      case 'ping':
        return ws.send('{"type":"pong"}');
      case 'subscribe': {
        if (!stream || streaming || typeof m.id !== 'string') return;
        const topic = m.payload?.variables?.topic;
        ids.push(m.id);
        topicOf.push(typeof topic === 'string' ? topic : topicName(ids.length - 1));
        if (ids.length < topics) return;
        streaming = true;
        const frames = gqlFrames(ids, topicOf, n);
        process.send?.({ type: 'gql-built', avgPayload: frames.avgPayload });
        void pump(rawSocket(ws), frames.bytes);
        return;
      }
      default:
        return; // complete, pong: nothing to do
    }
  });
}

function main(): void {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 1 << 20 });
  wss.on('connection', (ws, req) => {
    ws.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/json') onJson(ws, url);
    else if (url.pathname === '/gql') onGql(ws, url, true);
    else onGql(ws, url, false); // /idle: answers connection_init, streams nothing
  });
  // socket.io's own server for the idle section's socket.io-client connections.
  const http = createServer();
  const io = new IoServer(http);
  io.on('connection', () => {});
  const httpListening = new Promise<number>((resolve) => http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)));
  wss.on('listening', () => {
    const address = wss.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    void httpListening.then((ioPort) => process.send?.({ type: 'listening', port, ioPort }));
  });
  const exit = () => {
    void io.close();
    for (const c of wss.clients) c.terminate();
    wss.close();
    process.exit(0);
  };
  process.on('disconnect', exit);
  process.on('message', (m: { type?: string; topics?: number; n?: number }) => {
    if (m?.type === 'exit') exit();
    if (m?.type === 'prebuild') {
      const f = jsonFrames(m.topics ?? TOPIC_COUNT_DEFAULT, m.n ?? 1000);
      process.send?.({ type: 'prebuilt', avgPayload: f.avgPayload, frames: m.n });
    }
  });
  setTimeout(exit, MAX_LIFETIME_MS).unref();
}

if (process.send) main();
