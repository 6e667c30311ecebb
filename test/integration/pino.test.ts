/**
 * A real pino (the optional peer) as the client's logger, writing to memory: the records it
 * writes for a short client life against a raw `ws` server, with a token that must never appear.
 */
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { StreamClient } from '../../src/index.js';
import { until } from '../helpers/until.js';

/** The first token, which the server refuses with a message that quotes it. */
const STALE_TOKEN = 'tok-0a1b2c3d-STALE-SECRET';
const TOKEN = 'tok-9f3c1e77-SECRET';

interface PinoRecord {
  level: number;
  event?: string;
  [key: string]: unknown;
}

let wss: WebSocketServer | undefined;
let client: StreamClient | undefined;
afterEach(async () => {
  await client?.close();
  await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
  client = wss = undefined;
});

/**
 * A raw server: refuses the stale token quoting it, acks the good one, acks the subscribe, sends one data frame, then one frame
 * that is not jsonProtocol and carries the token (a server that echoes secrets).
 */
async function rawServer(): Promise<{ url: string; received: string[] }> {
  const received: string[] = [];
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss!.once('listening', () => resolve()));
  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      const text = String(raw);
      received.push(text);
      const msg = JSON.parse(text) as { op: string; token?: string; topic?: string };
      if (msg.op === 'auth') {
        ws.send(JSON.stringify(msg.token === TOKEN ? { op: 'auth_ok' } : { op: 'auth_error', code: 'expired', message: `token ${msg.token} expired` }));
      }
      if (msg.op === 'subscribe') {
        ws.send(JSON.stringify({ op: 'subscribed', topic: msg.topic, seq: 0 }));
        ws.send(JSON.stringify({ op: 'data', topic: msg.topic, seq: 1, data: { price: 1 } }));
        ws.send(JSON.stringify({ op: `whoami ${TOKEN}`, token: TOKEN }));
      }
    });
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, received };
}

describe('logging through a real pino instance', () => {
  it('writes pino records with levels and event names, and never the token', async () => {
    const { url } = await rawServer();
    const lines: string[] = [];
    let fetches = 0;
    const logger = pino({ level: 'debug', base: null, timestamp: false }, { write: (line: string) => void lines.push(line) });
    client = new StreamClient({
      url,
      logger,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      auth: { fetchToken: async () => ({ token: fetches++ === 0 ? STALE_TOKEN : TOKEN, expiresInMs: 600_000 }) },
    });
    let ticks = 0;
    let errors = 0;
    client.on('error', () => errors++);
    await client.start();
    client.subscribe('AAPL', () => ticks++);
    await until(() => ticks === 1 && errors === 1, [[client, ['error', 'subscription']]], 5_000, 'one tick and one decode error');
    await client.close();

    const records = lines.map((l) => JSON.parse(l) as PinoRecord);
    const text = lines.join('');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('SECRET');
    // pino's numeric levels: 20 debug, 30 info, 40 warn.
    expect(records.every((r) => typeof r.event === 'string' && [20, 30, 40, 50].includes(r.level))).toBe(true);
    expect(records.map((r) => `${r.level} ${r.event}`)).toEqual([
      '30 connection.state', // idle -> connecting
      '30 auth.refresh.ok',
      '30 connection.state', // connecting -> authenticating
      '40 auth.rejected', // the stale token
      '30 connection.state', // authenticating -> reconnecting
      '30 connection.state', // reconnecting -> connecting
      '30 auth.refresh.ok',
      '30 connection.state', // connecting -> authenticating
      '30 connection.state', // authenticating -> open
      '20 subscription.state', // closed -> pending
      '20 subscription.state', // pending -> active
      '40 decode.error',
      '20 subscription.state', // active -> closed, by close()
      '30 connection.state', // open -> closed
    ]);
    expect(records.filter((r) => r.event === 'connection.state').map((r) => `${r.from} -> ${r.to}`)).toEqual([
      'idle -> connecting',
      'connecting -> authenticating',
      'authenticating -> reconnecting',
      'reconnecting -> connecting',
      'connecting -> authenticating',
      'authenticating -> open',
      'open -> closed',
    ]);
    // The echoed token is scrubbed by value where the client quotes the frame.
    expect(records.find((r) => r.event === 'decode.error')?.['err']).toEqual({
      type: 'Object',
      message: 'unknown or malformed frame (op: "whoami [redacted]")',
      stack: '',
      code: 'DECODE_ERROR',
    });
  });
});
