import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from 'ws';
import { StreamClient, type StateChange, type StreamClientError } from '../../src/index.js';
import { until } from '../helpers/until.js';
import { closeClientThenServer, listenWs } from '../helpers/ws-server.js';

// In-band re-auth (jsonProtocol) against a raw `ws` server that decides how to answer the
// second `auth` frame on a socket: accept, refuse, or stay silent.

let server: WebSocketServer | undefined;
let client: StreamClient | undefined;

afterEach(() => closeClientThenServer(client, server));

type Answer = 'ok' | 'refuse' | 'silent';

interface Seen {
  connects: number;
  /** Every frame of every socket, with the socket's number. */
  frames: { socket: number; frame: Record<string, unknown> }[];
}

/** A server that accepts each socket's first `auth` and answers the later ones with `reauth`. */
async function authServer(reauth: Answer): Promise<{ url: string; seen: Seen }> {
  const listening = await listenWs();
  server = listening.server;
  const seen: Seen = { connects: 0, frames: [] };
  server.on('connection', (ws: WebSocket) => {
    const socket = ++seen.connects;
    let auths = 0;
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as Record<string, unknown>;
      seen.frames.push({ socket, frame });
      if (frame['op'] === 'subscribe') ws.send(JSON.stringify({ op: 'subscribed', topic: frame['topic'] }));
      if (frame['op'] !== 'auth') return;
      const answer = ++auths === 1 ? 'ok' : reauth;
      if (answer === 'ok') ws.send(JSON.stringify({ op: 'auth_ok' }));
      if (answer === 'refuse') ws.send(JSON.stringify({ op: 'auth_error', code: 'invalid' }));
    });
  });
  return { url: listening.url, seen };
}

function tokens(seen: Seen): [number, unknown][] {
  return seen.frames.filter((f) => f.frame['op'] === 'auth').map((f) => [f.socket, f.frame['token']]);
}

/** Log records, as an event source: tests wait on a record, not on time. */
class Records extends EventEmitter {
  readonly list: Record<string, unknown>[] = [];
  readonly push = (r: object): void => {
    this.list.push(r as Record<string, unknown>);
    this.emit('record');
  };
  events(name: string): Record<string, unknown>[] {
    return this.list.filter((r) => r['event'] === name);
  }
}

function newClient(url: string): { c: StreamClient; changes: StateChange[]; errors: StreamClientError[]; records: Records } {
  let n = 0;
  const records = new Records();
  const c = new StreamClient({
    url,
    auth: { fetchToken: async () => ({ token: `tok-${++n}-abcdefgh`, expiresInMs: 3_600_000 }) },
    reconnect: { initialDelayMs: 20, maxDelayMs: 20, jitter: 'none', quickRetryMs: 0 },
    heartbeat: false,
    handshakeTimeoutMs: 300,
    logger: { debug: records.push, info: records.push, warn: records.push, error: records.push },
  });
  client = c;
  const changes: StateChange[] = [];
  const errors: StreamClientError[] = [];
  c.on('state', (s) => changes.push(s));
  c.on('error', (e) => errors.push(e));
  return { c, changes, errors, records };
}

describe('in-band re-auth (raw ws server)', () => {
  it('accepted: the new token goes out on the same socket, one re-auth counted and logged, no reconnect', async () => {
    const { url, seen } = await authServer('ok');
    const { c, changes, records } = newClient(url);
    await c.start();
    await c.refreshToken();
    await until(() => records.events('auth.reauth').length > 0, [[records, ['record']]], 2_000, 'the re-auth accepted');
    expect(tokens(seen)).toEqual([
      [1, 'tok-1-abcdefgh'],
      [1, 'tok-2-abcdefgh'],
    ]);
    expect(c.metrics().reauths).toBe(1);
    expect(records.events('auth.reauth').map((r) => r['protocol'])).toEqual(['json']);
    expect(seen.connects).toBe(1);
    expect(c.state).toBe('open');
    expect(changes.map((s) => s.to)).toEqual(['connecting', 'authenticating', 'open']);
  });

  it('refused: the socket is given up as an auth rejection and the reconnect authenticates with a fresh token', async () => {
    const { url, seen } = await authServer('refuse');
    const { c, changes } = newClient(url);
    await c.start();
    await c.refreshToken();
    await until(() => changes.filter((s) => s.to === 'open').length === 2, [[c, ['state']]], 2_000, 'open again');
    expect(changes.find((s) => s.to === 'reconnecting')).toMatchObject({ from: 'open', reason: 'auth-rejected' });
    expect(tokens(seen)).toEqual([
      [1, 'tok-1-abcdefgh'],
      [1, 'tok-2-abcdefgh'],
      [2, 'tok-3-abcdefgh'],
    ]);
    expect(c.metrics().reauths).toBe(0);
  });

  it('unanswered: after handshakeTimeoutMs the socket is given up and the client reconnects', async () => {
    const { url, seen } = await authServer('silent');
    const { c, changes, errors } = newClient(url);
    await c.start();
    await c.refreshToken();
    await until(() => changes.filter((s) => s.to === 'open').length === 2, [[c, ['state']]], 2_000, 'open again');
    const lost = changes.find((s) => s.to === 'reconnecting');
    expect(lost).toMatchObject({ from: 'open', reason: 'handshake-failed' });
    expect(errors.map((e) => e.code)).toEqual([]);
    expect(seen.connects).toBe(2);
    expect(c.metrics().reauths).toBe(0);
  });
});
