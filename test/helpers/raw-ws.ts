import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A WebSocket server written by hand, for adversarial tests: it decides exactly which bytes go
 * out in which `write` (so frames can share one TCP read with the 101 reply or with an ack),
 * and reads the client's frames itself. No politeness: it never answers a ping, and a close
 * from the client only ends the TCP connection (no close frame back).
 */

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One unmasked server frame (text, or `opcode` for close/ping). */
export function serverFrame(payload: string | Buffer, opcode = 0x1): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const n = body.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else if (n >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, body]);
}

/** Concatenated text frames: one buffer, one `write`. */
export function frames(texts: readonly string[]): Buffer {
  return Buffer.concat(texts.map((t) => serverFrame(t)));
}

/** Parses the client's (masked) frames out of a byte stream. */
class ClientFrames {
  #buf = Buffer.alloc(0);

  push(chunk: Buffer): { opcode: number; text: string }[] {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    const out: { opcode: number; text: string }[] = [];
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) break;
      let len = b[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      if (b.length < off + 4 + len) break;
      const mask = b.subarray(off, off + 4);
      const body = Buffer.from(b.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
      out.push({ opcode: b[0]! & 0x0f, text: body.toString() });
      this.#buf = b.subarray(off + 4 + len);
    }
    return out;
  }
}

/** One accepted socket, as the test's script sees it. */
export interface RawPeer {
  readonly socket: Socket;
  readonly request: IncomingMessage;
  /** Text frames the client sent so far, in order. */
  readonly received: string[];
  /** Write these bytes in one `write` (one TCP read for the client, in practice). */
  write(bytes: Buffer): void;
}

export interface RawWsScript {
  /** Bytes to answer the upgrade request with instead of the 101 (then the socket ends). */
  replaceUpgrade?(request: IncomingMessage): Buffer | undefined;
  /** Extra bytes written together with the 101 reply (same `write`). */
  withUpgrade?(peer: RawPeer): Buffer | undefined;
  /** Called for each text frame the client sends. */
  onText?(peer: RawPeer, text: string): void;
}

export interface RawWsServer {
  readonly url: string;
  readonly peers: RawPeer[];
  close(): Promise<void>;
}

/** A hand-written WebSocket server on 127.0.0.1, port 0, following `script`. */
export async function rawWsServer(script: RawWsScript, subprotocol?: string): Promise<RawWsServer> {
  const peers: RawPeer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const instead = script.replaceUpgrade?.(request);
    if (instead !== undefined) return void socket.end(instead);
    const key = String(request.headers['sec-websocket-key']);
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`];
    if (subprotocol) lines.push(`Sec-WebSocket-Protocol: ${subprotocol}`);
    const peer: RawPeer = { socket, request, received: [], write: (bytes) => void (socket.writable && socket.write(bytes)) };
    peers.push(peer);
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
    const extra = script.withUpgrade?.(peer);
    socket.write(extra ? Buffer.concat([head, extra]) : head);
    const parser = new ClientFrames();
    socket.on('data', (chunk: Buffer) => {
      for (const f of parser.push(chunk)) {
        if (f.opcode === 0x8) return void socket.end();
        if (f.opcode !== 0x1) continue;
        peer.received.push(f.text);
        script.onText?.(peer, f.text);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/`,
    peers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Records every `uncaughtException` and `unhandledRejection` while installed: a library that
 * throws into the caller's process shows up here, whatever vitest does with it.
 */
export function trapUncaught(): { readonly errors: unknown[]; release(): void } {
  const errors: unknown[] = [];
  const onError = (err: unknown): void => void errors.push(err);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    errors,
    release: () => {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}
