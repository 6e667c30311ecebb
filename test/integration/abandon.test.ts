import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import { StreamClient, isStreamClientError, jsonProtocol, type HandshakeIO, type Protocol } from '../../src/index.js';
import { pendingTimers } from '../../src/testing/index.js';
import { until } from '../helpers/until.js';
import { closeClientThenServer, listenWs } from '../helpers/ws-server.js';

// A raw `ws` server that opens the socket and never answers: the client is left in its
// handshake, and the test gives the attempt up.

let server: WebSocketServer | undefined;
let client: StreamClient | undefined;

afterEach(() => closeClientThenServer(client, server));

/** jsonProtocol with a handshake that says hello and waits for an answer, recording how its read ended. */
function waitingProtocol(): { protocol: Protocol; ended: Promise<{ reason: unknown; aborted: boolean }> } {
  let settle!: (v: { reason: unknown; aborted: boolean }) => void;
  const ended = new Promise<{ reason: unknown; aborted: boolean }>((r) => (settle = r));
  const protocol: Protocol = {
    ...jsonProtocol(),
    handshake: async (io: HandshakeIO) => {
      io.send(JSON.stringify({ op: 'hello' }));
      try {
        await io.next();
      } catch (reason) {
        settle({ reason, aborted: io.signal.aborted });
        throw reason;
      }
    },
  };
  return { protocol, ended };
}

describe('an attempt given up during its handshake (raw ws server that never answers)', () => {
  for (const how of ['stop', 'close'] as const) {
    it(`${how}() closes with 1000 "${how}", aborts the handshake's read with CONNECTION_CLOSED "attempt abandoned", leaves no timer`, async () => {
      const listening = await listenWs();
      server = listening.server;
      const hellos: string[] = [];
      const heard = new EventEmitter();
      const closes: [number, string][] = [];
      server.on('connection', (ws) => {
        ws.on('message', (m) => {
          hellos.push(String(m));
          heard.emit('hello');
        });
        ws.on('close', (code, reason) => {
          closes.push([code, String(reason)]);
          heard.emit('close');
        });
      });
      const { protocol, ended } = waitingProtocol();
      const c = (client = new StreamClient({ url: listening.url, protocol, heartbeat: false, handshakeTimeoutMs: 60_000 }));
      const starting = c.start().catch((err: unknown) => err);
      await until(() => hellos.length === 1, [[heard, ['hello']]], 2_000, 'the handshake under way');
      expect(c.state).toBe('authenticating');
      expect(hellos).toEqual([JSON.stringify({ op: 'hello' })]);
      expect(pendingTimers(c)).toEqual(['connection.handshake-timeout']);
      await c[how]();
      const { reason, aborted } = await ended;
      expect(aborted).toBe(true);
      expect(isStreamClientError(reason, 'CONNECTION_CLOSED')).toBe(true);
      expect((reason as Error).message).toBe('attempt abandoned');
      expect(pendingTimers(c)).toEqual([]);
      expect(isStreamClientError(await starting, how === 'stop' ? 'CLIENT_STOPPED' : 'CLIENT_CLOSED')).toBe(true);
      await until(() => closes.length === 1, [[heard, ['close']]], 2_000, 'the closing handshake');
      expect(closes).toEqual([[1000, how]]);
    });
  }
});
