import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import { StreamClient, type StateChange } from '../../src/index.js';
import { until } from '../helpers/until.js';
import { closeClientThenServer, listenWs } from '../helpers/ws-server.js';

let server: WebSocketServer | undefined;
let client: StreamClient | undefined;

afterEach(() => closeClientThenServer(client, server));

describe('an event-loop stall right after a probe (raw ws server)', () => {
  it('does not kill a healthy socket whose pong is already buffered', async () => {
    let url: string;
    ({ server, url } = await listenWs());
    let connections = 0;
    let pings = 0;
    const bus = new EventEmitter();
    server.on('connection', (ws) => {
      connections++;
      // `ws` has already queued the automatic pong when it emits 'ping'; then this process
      // stalls for longer than heartbeat.timeoutMs, so the client's timeout timer is due before
      // its socket is read (timers run before I/O in the next loop turn).
      ws.on('ping', () => {
        pings++;
        bus.emit('ping');
        if (pings !== 1) return;
        const until = performance.now() + 400;
        while (performance.now() < until);
      });
    });
    const changes: StateChange[] = [];
    client = new StreamClient({ url, heartbeat: { intervalMs: 300, timeoutMs: 200 }, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    client.on('state', (c) => changes.push(c));
    await client.start();
    // Bounded by events: the second probe arrives (the socket survived the first) or the client gives it up.
    await until(
      () => pings >= 2 || changes.some((c) => c.to === 'reconnecting'),
      [
        [bus, ['ping']],
        [client, ['state']],
      ],
      3_000,
      'second probe or reconnect',
    );
    expect(changes.filter((c) => c.to === 'reconnecting')).toEqual([]);
    expect(client.metrics().heartbeatTimeouts).toBe(0);
    expect(connections).toBe(1);
    expect(pings).toBeGreaterThanOrEqual(2);
  });
});
