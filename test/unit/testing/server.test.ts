import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestServer, waitFor } from '../../../src/testing/index.js';
import type { AuthVerdict, TestServer, TestServerOptions } from '../../../src/testing/index.js';
import { once, settleImmediates } from '../../helpers/events.js';

type Msg = Record<string, unknown>;

/** A raw `ws` client that parses every frame and lets a test take them by `op`. */
class RawClient {
  readonly queue: Msg[] = [];
  readonly raw: string[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = String(data);
      this.raw.push(text);
      try {
        this.queue.push(JSON.parse(text) as Msg);
      } catch {
        this.queue.push({ op: '<unparsable>', text });
      }
    });
    ws.on('error', () => {});
  }

  send(frame: Msg): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Takes the first queued message with `op` (any op when omitted), waiting for it if needed. */
  async next(op?: string, timeoutMs = 2_000): Promise<Msg> {
    const match = (m: Msg): boolean => op === undefined || m['op'] === op;
    if (!this.queue.some(match)) await waitFor(this.ws, 'message', { timeoutMs, filter: () => this.queue.some(match) });
    const i = this.queue.findIndex(match);
    return this.queue.splice(i, 1)[0] as Msg;
  }

  ops(): unknown[] {
    return this.queue.map((m) => m['op']);
  }
}

const servers: TestServer[] = [];
const sockets: WebSocket[] = [];

async function start(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await createTestServer(options);
  servers.push(server);
  return server;
}

function open(server: TestServer, path = '/'): WebSocket {
  const ws = new WebSocket(server.url + path);
  ws.on('error', () => {});
  sockets.push(ws);
  return ws;
}

async function connect(server: TestServer): Promise<RawClient> {
  const ws = open(server);
  const client = new RawClient(ws);
  await once(ws, 'open');
  return client;
}

async function subscribed(client: RawClient, topic: string, extra: Msg = {}): Promise<void> {
  client.send({ op: 'subscribe', topic, ...extra });
  expect(await client.next('subscribed')).toEqual({ op: 'subscribed', topic, seq: expect.any(Number) });
}

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const validate = (token: string): AuthVerdict => (token === 'good' ? 'ok' : token === 'old' ? 'expired' : 'invalid');

describe('createTestServer', () => {
  it('listens on 127.0.0.1 on a free port and answers plain HTTP with 426', async () => {
    const server = await start();
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get({ host: '127.0.0.1', port: server.port, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    expect(status).toBe(426);
  });

  it('validates options, naming the option', async () => {
    await expect(createTestServer({ history: -1 })).rejects.toThrow(/history/);
    await expect(createTestServer({ maxSubscriptions: 1.5 })).rejects.toThrow(/maxSubscriptions/);
    await expect(createTestServer({ authRejectMode: 'nope' as 'frame' })).rejects.toThrow(/authRejectMode/);
  });

  describe('auth', () => {
    it('accepts a good token, refuses subscribes before it, and answers in-band re-auth', async () => {
      const server = await start({ auth: { validate } });
      const c = await connect(server);
      c.send({ op: 'subscribe', topic: 'AAPL' });
      expect(await c.next('error')).toMatchObject({ topic: 'AAPL', code: 'unauthorized' });
      const judged = server.waitFor('auth');
      c.send({ op: 'auth', token: 'good' });
      expect(await c.next()).toEqual({ op: 'auth_ok' });
      expect(await judged).toMatchObject({ token: 'good', verdict: 'ok' });
      await subscribed(c, 'AAPL');
      c.send({ op: 'auth', token: 'good' });
      expect(await c.next()).toEqual({ op: 'auth_ok' });
    });

    it.each([
      ['old', 'expired'],
      ['bad', 'invalid'],
    ])('frame mode: token %s gets auth_error %s and the socket stays open', async (token, code) => {
      const server = await start({ auth: { validate } });
      const c = await connect(server);
      c.send({ op: 'auth', token });
      expect(await c.next()).toMatchObject({ op: 'auth_error', code });
      c.send({ op: 'subscribe', topic: 'AAPL' });
      expect(await c.next('error')).toMatchObject({ code: 'unauthorized' });
      expect(server.connections).toBe(1);
    });

    it.each([
      ['old', 4401],
      ['bad', 4403],
    ])('close mode: token %s closes with %d', async (token, code) => {
      const server = await start({ auth: { validate }, authRejectMode: 'close' });
      const c = await connect(server);
      const closed = once<[number, Buffer]>(c.ws, 'close');
      c.send({ op: 'auth', token });
      expect((await closed)[0]).toBe(code);
    });

    it('expireAuth() rejects authenticated connections and withholds data until re-auth', async () => {
      const server = await start({ auth: { validate } });
      const c = await connect(server);
      c.send({ op: 'auth', token: 'good' });
      await c.next('auth_ok');
      await subscribed(c, 'AAPL');
      expect(server.expireAuth()).toBe(1);
      expect(await c.next()).toMatchObject({ op: 'auth_error', code: 'expired' });
      expect(server.publish('AAPL', 1)).toBe(0);
      c.send({ op: 'auth', token: 'good' });
      await c.next('auth_ok');
      expect(server.publish('AAPL', 2)).toBe(1);
      expect(await c.next('data')).toEqual({ op: 'data', topic: 'AAPL', seq: 2, data: 2 });
    });
  });

  describe('subscriptions and data', () => {
    it('acks subscribe, publishes with an increasing per-topic seq, and acks unsubscribe', async () => {
      const server = await start();
      const c = await connect(server);
      const seen = server.waitFor('subscribe');
      await subscribed(c, 'AAPL', { params: { depth: 1 } });
      expect(await seen).toMatchObject({ topic: 'AAPL', params: { depth: 1 }, result: 'ok', from: undefined });
      expect(server.publish('AAPL', { p: 1 })).toBe(1);
      expect(server.publish('MSFT', { p: 9 })).toBe(0);
      expect(server.publish('AAPL', { p: 2 })).toBe(1);
      expect(await c.next('data')).toEqual({ op: 'data', topic: 'AAPL', seq: 1, data: { p: 1 } });
      expect(await c.next('data')).toEqual({ op: 'data', topic: 'AAPL', seq: 2, data: { p: 2 } });
      expect(server.lastSeq('MSFT')).toBe(1);
      c.send({ op: 'unsubscribe', topic: 'AAPL' });
      expect(await c.next()).toEqual({ op: 'unsubscribed', topic: 'AAPL' });
      expect(server.publish('AAPL', { p: 3 })).toBe(0);
      expect(server.subscriptions().size).toBe(0);
    });

    it('counts a duplicate subscribe twice and delivers once per connection', async () => {
      const server = await start();
      const [a, b] = [await connect(server), await connect(server)];
      await subscribed(a, 'AAPL');
      await subscribed(a, 'AAPL');
      await subscribed(b, 'AAPL');
      expect(server.subscriptions()).toEqual(new Map([['AAPL', 3]]));
      expect(server.publish('AAPL', 1)).toBe(2);
    });

    it('replays kept history after subscribed when resuming with from', async () => {
      const server = await start({ history: 3 });
      for (let i = 1; i <= 5; i++) server.publish('AAPL', i);
      const c = await connect(server);
      const seen = server.waitFor('subscribe');
      await subscribed(c, 'AAPL', { from: 3 });
      expect(await c.next('data')).toMatchObject({ seq: 4, data: 4 });
      expect(await c.next('data')).toMatchObject({ seq: 5, data: 5 });
      expect(await seen).toMatchObject({ from: 3, replayed: 2 });
      // Only the last 3 are kept: resuming from 0 replays 3, 4, 5.
      await subscribed(c, 'AAPL', { from: 0 });
      expect([await c.next('data'), await c.next('data'), await c.next('data')].map((m) => m['seq'])).toEqual([3, 4, 5]);
    });

    it('refuses subscribes over maxSubscriptions with code limit, and rejected topics with their code', async () => {
      const server = await start({ maxSubscriptions: 1, rejectTopics: (t) => (t === 'NOPE' ? 'not_found' : undefined) });
      const c = await connect(server);
      c.send({ op: 'subscribe', topic: 'NOPE' });
      expect(await c.next()).toMatchObject({ op: 'error', topic: 'NOPE', code: 'not_found' });
      await subscribed(c, 'AAPL');
      c.send({ op: 'subscribe', topic: 'MSFT' });
      expect(await c.next()).toMatchObject({ op: 'error', topic: 'MSFT', code: 'limit' });
      expect(server.subscriptions()).toEqual(new Map([['AAPL', 1]]));
    });

    it('pauseTopic() drops publishes without using a seq', async () => {
      const server = await start();
      const c = await connect(server);
      await subscribed(c, 'AAPL');
      server.pauseTopic('AAPL');
      expect(server.publish('AAPL', 1)).toBe(0);
      server.pauseTopic('AAPL', false);
      expect(server.publish('AAPL', 2)).toBe(1);
      expect(await c.next('data')).toMatchObject({ seq: 1, data: 2 });
    });

    it('answers application pings and sends its own every pingIntervalMs', async () => {
      const server = await start({ pingIntervalMs: 10 });
      const c = await connect(server);
      c.send({ op: 'ping', t: 7 });
      expect(await c.next('pong')).toEqual({ op: 'pong', t: 7 });
      expect(typeof (await c.next('ping'))['t']).toBe('number');
    });
  });

  describe('received log and raw frames', () => {
    it('logs parsed frames (bounded) and answers a malformed one with bad_request', async () => {
      const server = await start({ maxReceived: 2 });
      const c = await connect(server);
      c.ws.send('{not json');
      expect(await c.next('error')).toMatchObject({ code: 'bad_request' });
      c.send({ op: 'ping', t: 1 });
      c.send({ op: 'ping', t: 2 });
      await c.next('pong');
      await c.next('pong');
      expect(server.received.map((f) => f.message?.['t'])).toEqual([1, 2]);
      expect(server.received[0]).toMatchObject({ connectionId: 1, op: 'ping', raw: '{"op":"ping","t":1}' });
    });

    it('sendRaw() and sendRetryHint() reach every connection', async () => {
      const server = await start();
      const c = await connect(server);
      const raw = once(c.ws, 'message');
      expect(server.sendRaw('{oops')).toBe(1);
      await raw;
      expect(c.raw).toEqual(['{oops']);
      expect(server.sendRetryHint(5_000)).toBe(1);
      expect(await c.next('retry')).toEqual({ op: 'retry', afterMs: 5_000 });
    });
  });

  describe('faults', () => {
    it('refuse(n) refuses n upgrades with 503, then accepts again', async () => {
      const server = await start();
      server.refuse(2);
      for (let i = 0; i < 2; i++) {
        const ws = open(server);
        const [err] = await once<[Error]>(ws, 'error');
        expect(err.message).toMatch(/503/);
      }
      await connect(server);
      expect(server.connectionAttempts).toBe(3);
      expect(server.connections).toBe(1);
    });

    it('refuse() with reset mode resets the socket until accept()', async () => {
      const server = await start();
      server.refuse(Infinity, { mode: 'reset' });
      const refused = server.waitFor('refused');
      const ws = open(server);
      const [err] = await once<[NodeJS.ErrnoException]>(ws, 'error');
      expect(err.code ?? err.message).toMatch(/ECONNRESET|hang up/);
      expect(await refused).toEqual({ attempt: 1, mode: 'reset' });
      server.accept();
      await connect(server);
    });

    it('dropAll() terminates (client sees 1006); dropAll(code) closes with the code', async () => {
      const server = await start();
      const a = await connect(server);
      const gone = server.waitFor('disconnect');
      const closedA = once<[number]>(a.ws, 'close');
      expect(server.dropAll()).toBe(1);
      expect((await closedA)[0]).toBe(1006);
      await gone;
      expect(server.connections).toBe(0);
      const b = await connect(server);
      const closedB = once<[number]>(b.ws, 'close');
      server.dropAll(4000);
      expect((await closedB)[0]).toBe(4000);
    });

    it('closeAll() closes gracefully with code and reason and resolves once closed', async () => {
      const server = await start();
      const c = await connect(server);
      const closed = once<[number, Buffer]>(c.ws, 'close');
      await server.closeAll(1012, 'restart');
      const [code, reason] = await closed;
      expect([code, String(reason)]).toEqual([1012, 'restart']);
      expect(server.connections).toBe(0);
    });

    it('silence() sends nothing, not even ws-level pongs, while keeping the socket open', async () => {
      const server = await start();
      const c = await connect(server);
      await subscribed(c, 'AAPL');
      const pongs: string[] = [];
      c.ws.on('pong', (data) => pongs.push(String(data)));
      server.silence();
      c.ws.ping('while-silent');
      c.send({ op: 'ping', t: 1 });
      expect(server.publish('AAPL', 1)).toBe(0);
      // Frames are handled in order: once the pong to a later ping arrives, no earlier one will.
      const seen = server.waitFor('frame', { filter: (f) => f.message?.['t'] === 1 });
      await seen;
      server.silence(false);
      const pong = once(c.ws, 'pong');
      c.ws.ping('after');
      await pong;
      c.send({ op: 'ping', t: 2 });
      await c.next('pong');
      expect(pongs).toEqual(['after']);
      expect(c.ops()).toEqual([]);
      expect(server.connections).toBe(1);
    });
  });

  describe('waitFor and close', () => {
    it('waitFor() times out, and rejects pending waits on close()', async () => {
      const server = await createTestServer();
      await expect(server.waitFor('connection', { timeoutMs: 10 })).rejects.toThrow(/within 10 ms/);
      // Attach the expectation before close(): the wait rejects while close() runs.
      const rejected = expect(server.waitFor('connection')).rejects.toThrow(/aborted/);
      await server.close();
      await rejected;
      await server.close();
    });

    it('close() leaves no active resource behind', async () => {
      await settleImmediates();
      const before = process.getActiveResourcesInfo();
      const server = await createTestServer({ pingIntervalMs: 1_000, auth: { validate } });
      const a = await connect(server);
      const b = await connect(server);
      a.send({ op: 'auth', token: 'good' });
      await a.next('auth_ok');
      const closed = [once(a.ws, 'close'), once(b.ws, 'close')];
      await server.close();
      expect(grown(before, process.getActiveResourcesInfo())).not.toHaveProperty('TCPServerWrap');
      await Promise.all(closed);
      sockets.splice(0);
      await settleImmediates();
      // Earlier tests' handles may still be winding down: only growth is a leak.
      expect(grown(before, process.getActiveResourcesInfo())).toEqual({});
    });
  });
});

/** Resource types that are more numerous in `after` than in `before`, with the excess. */
function grown(before: readonly string[], after: readonly string[]): Record<string, number> {
  const count = new Map<string, number>();
  for (const r of before) count.set(r, (count.get(r) ?? 0) - 1);
  for (const r of after) count.set(r, (count.get(r) ?? 0) + 1);
  return Object.fromEntries([...count].filter(([, n]) => n > 0));
}
