import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import { StreamClient, type StateChange, type StreamClientError } from '../../src/index.js';
import { until } from '../helpers/until.js';
import { closeClientThenServer, listenWs } from '../helpers/ws-server.js';

let server: WebSocketServer | undefined;
let client: StreamClient | undefined;

afterEach(() => closeClientThenServer(client, server));

describe('maxFrameBytes (raw ws server sending an oversized frame)', () => {
  it('refuses a frame over the bound with FRAME_TOO_LARGE and reconnects; frames within it pass', async () => {
    let url: string;
    ({ server, url } = await listenWs());
    let connections = 0;
    const bus = new EventEmitter();
    server.on('connection', (ws) => {
      connections++;
      bus.emit('connection');
      ws.on('message', () => {
        // Answers the subscribe: within the bound on every socket, then 2 KiB on the first.
        ws.send(JSON.stringify({ op: 'data', topic: 'T', data: 'x'.repeat(900) }));
        if (connections === 1) ws.send(JSON.stringify({ op: 'data', topic: 'T', data: 'x'.repeat(2_048) }));
      });
    });
    const changes: StateChange[] = [];
    const errors: StreamClientError[] = [];
    let delivered = 0;
    client = new StreamClient({ url, maxFrameBytes: 1_024, heartbeat: false, reconnect: { initialDelayMs: 10, maxDelayMs: 20, jitter: 'none' } });
    client.on('state', (c) => changes.push(c));
    client.on('error', (e) => errors.push(e));
    client.subscribe('T', () => {
      delivered++;
      bus.emit('data');
    });
    await client.start();
    await until(() => connections >= 2 && delivered >= 2, [[bus, ['connection', 'data']]], 3_000, 'reconnect and a delivery on the new socket');
    expect(errors.map((e) => e.code)).toEqual(['FRAME_TOO_LARGE']);
    expect(changes.filter((c) => c.to === 'reconnecting').map((c) => c.reason)).toEqual(['frame-too-large']);
    expect(delivered).toBe(2); // the 900-byte frame on each socket; the 2 KiB one never
  });
});
