import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from 'ws';
import { StreamClient, type StateChange } from '../../src/index.js';
import { until } from '../helpers/until.js';
import { closeClientThenServer, listenWs } from '../helpers/ws-server.js';

// Raw `ws` servers that answer every connection with a retry hint of 0, as an overloaded
// balancer might: the hint must never shorten the client's backoff.

const RECONNECT = { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 'none', resetAfterMs: 60_000, quickRetryMs: 0 } as const;

let server: WebSocketServer | undefined;
let client: StreamClient | undefined;

afterEach(() => closeClientThenServer(client, server));

async function hostile(onConnection: (ws: WebSocket) => void): Promise<string> {
  const listening = await listenWs();
  server = listening.server;
  server.on('connection', onConnection);
  return listening.url;
}

async function fourConnects(url: string): Promise<{ delays: number[]; connects: number }> {
  let connects = 0;
  server!.on('connection', () => connects++);
  const changes: StateChange[] = [];
  client = new StreamClient({ url, reconnect: RECONNECT, heartbeat: false });
  client.on('state', (c) => changes.push(c));
  client.subscribe('T', () => {});
  void client.start().catch(() => {});
  // Event-bounded: wait for the 4th connect; with the backoff intact that is 100 + 200 + 400 ms away.
  await until(() => connects >= 4, [[server!, ['connection']]], 5_000, 'four connects');
  const delays = changes.filter((c) => c.to === 'reconnecting').map((c) => c.delayMs!);
  return { delays, connects };
}

describe('a retry hint of 0 never disables backoff (raw ws server)', () => {
  it('close 1013 "retry-after=0": retries keep the strategy delays 100, 200, 400 ms', async () => {
    const url = await hostile((ws) => ws.close(1013, 'retry-after=0'));
    const { delays, connects } = await fourConnects(url);
    expect(connects).toBe(4);
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
  });

  it('{"op":"retry","afterMs":0} then a close: retries keep the strategy delays 100, 200, 400 ms', async () => {
    // Sent in answer to the subscribe, so the client is open when the hint arrives.
    const url = await hostile((ws) => ws.once('message', () => ws.send(JSON.stringify({ op: 'retry', afterMs: 0 }), () => ws.close(1000))));
    const { delays, connects } = await fourConnects(url);
    expect(connects).toBe(4);
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
  });

  it('a hint sent the moment the socket opens (before the handshake settles) still lengthens the wait', async () => {
    const url = await hostile((ws) => ws.send(JSON.stringify({ op: 'retry', afterMs: 1_500 }), () => ws.close(1000)));
    const changes: StateChange[] = [];
    client = new StreamClient({ url, reconnect: RECONNECT, heartbeat: false, random: () => 0 });
    client.on('state', (c) => changes.push(c));
    void client.start().catch(() => {});
    await until(() => changes.some((c) => c.to === 'reconnecting'), [[client, ['state']]], 2_000, 'reconnecting');
    expect(changes.find((c) => c.to === 'reconnecting')).toMatchObject({ reason: 'close:1000', delayMs: 1_500, hintMs: 1_500 });
  });
});
