import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { StreamClient, StreamClientError, StreamClientOptions } from '../../src/index.js';
import { kisProtocol, type KisEnv } from '../../src/protocol/kis/index.js';
import { waitFor } from '../../src/testing/wait-for.js';
import { nextState, testClient } from '../helpers/client.js';

const KEY = 'a1b2c3d4-e5f6-7a8b-9c0d-e1f2a3b4c5d6';

interface Request {
  trType: string;
  trId: string;
  trKey: string;
}

/** A raw KIS-like `ws` server on 127.0.0.1 port 0; `answer` decides each reply (a string per request, or none). */
async function hostileKis(answer: (r: Request, n: number, ws: WebSocket) => string | undefined) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const requests: Request[] = [];
  const bus = new EventEmitter();
  let pings = 0;
  const sockets: WebSocket[] = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('ping', () => bus.emit('ping', ++pings));
    ws.on('message', (d: Buffer) => {
      const text = d.toString();
      if (text.includes('PINGPONG')) return void bus.emit('echo', text);
      const m = JSON.parse(text) as { header: { tr_type: string }; body: { input: { tr_id: string; tr_key: string } } };
      const r = { trType: m.header.tr_type, trId: m.body.input.tr_id, trKey: m.body.input.tr_key };
      requests.push(r);
      const reply = answer(r, requests.filter((x) => x.trId === r.trId && x.trKey === r.trKey && x.trType === r.trType).length, ws);
      if (reply !== undefined) ws.send(reply);
      bus.emit('request', r);
    });
  });
  const { port } = wss.address() as { port: number };
  servers.push(wss);
  return { url: `ws://127.0.0.1:${port}`, requests, bus, sockets, pings: () => pings };
}

const reply = (trId: string, trKey: string, rtCd: string, msgCd: string, msg1: string) =>
  JSON.stringify({ header: { tr_id: trId, tr_key: trKey, encrypt: 'N' }, body: { rt_cd: rtCd, msg_cd: msgCd, msg1 } });
const ack = (r: Request) =>
  reply(r.trId, r.trKey, '0', r.trType === '1' ? 'OPSP0000' : 'OPSP0001', r.trType === '1' ? 'SUBSCRIBE SUCCESS' : 'UNSUBSCRIBE SUCCESS');
/** The shape KIS gives replies it does not tie to a topic (open-trading-api samples). */
const nullReply = (msgCd: string, msg1: string) => reply('(null)', '', '1', msgCd, msg1);

const servers: WebSocketServer[] = [];
const clients: StreamClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of servers.splice(0)) {
    for (const ws of s.clients) ws.terminate();
    await new Promise((r) => s.close(r));
  }
});

function client(url: string, options: Partial<StreamClientOptions> = {}, env: KisEnv = 'real'): StreamClient {
  const c = testClient(url, {
    protocol: kisProtocol({ env }),
    auth: { fetchToken: async () => ({ token: KEY, expiresInMs: 86_400_000 }) },
    ...options,
    subscriptions: { subscribeIntervalMs: 2, ...options.subscriptions },
  });
  clients.push(c);
  return c;
}

function watch(c: StreamClient, topic: string) {
  const bus = new EventEmitter();
  const errors: StreamClientError[] = [];
  const data: unknown[] = [];
  const handle = c.subscribe(topic, (d) => bus.emit('data', data.push(d)), { onError: (e) => bus.emit('error', errors.push(e)) });
  return { handle, errors, data, bus };
}

const until = (source: EventEmitter, event: string, cond: () => boolean, timeoutMs = 3_000) =>
  cond() ? Promise.resolve() : waitFor(source as never, event, { timeoutMs, filter: () => cond() });

describe('kisProtocol against a raw KIS-like server', () => {
  for (const [msgCd, topic, msg1] of [
    ['OPSP0017', 'H0STCNI0:bad-hts', 'HTS ID ERROR'],
    ['OPSP8991', 'H0NOPE00:005930', 'invalid tr_id'],
    ['OPSP8992', 'H0STCNT0:NOPE', 'invalid tr_key'],
  ] as const) {
    it(`fails the handle a "(null)" ${msgCd} answers at once, with the code; its neighbours stay active`, async () => {
      const server = await hostileKis((r) => (r.trType === '1' && `${r.trId}:${r.trKey}` === topic ? nullReply(msgCd, msg1) : ack(r)));
      const c = client(server.url);
      const before = watch(c, 'H0STCNT0:005930');
      const bad = watch(c, topic);
      const after = watch(c, 'H0STASP0:005930');
      await c.start();
      await until(bad.bus, 'error', () => bad.errors.length === 1);
      await until(server.bus, 'request', () => server.requests.length === 3);
      expect(bad.errors[0]).toMatchObject({ code: 'SUBSCRIPTION_REJECTED', details: { topic, serverCode: msgCd, reason: msg1 } });
      expect(server.requests.filter((r) => `${r.trId}:${r.trKey}` === topic)).toHaveLength(1);
      await expect.poll(() => [before.handle.state, after.handle.state], { timeout: 3_000 }).toEqual(['active', 'active']);
      expect([before.errors.length, after.errors.length]).toEqual([0, 0]);
    });
  }

  for (const msgCd of ['OPSP0007', 'OPSP0009', 'OPSP8999']) {
    it(`retries a subscribe refused with the transient ${msgCd} (with and without a topic) and gets it`, async () => {
      const server = await hostileKis((r, n) => {
        if (r.trType !== '1') return ack(r);
        if (n === 1) return reply(r.trId, r.trKey, '1', msgCd, 'try later');
        if (n === 2) return nullReply(msgCd, 'try later');
        return ack(r);
      });
      const c = client(server.url);
      const w = watch(c, 'H0STCNT0:005930');
      await c.start();
      // Two retries on the default subscribe backoff (1 s, equal jitter, doubling).
      await until(server.bus, 'request', () => server.requests.filter((r) => r.trType === '1').length === 3, 8_000);
      await expect.poll(() => w.handle.state, { timeout: 3_000 }).toBe('active');
      expect(w.errors).toEqual([]);
      expect(w.handle.state).toBe('active');
      expect(server.requests.filter((r) => r.trType === '1')).toHaveLength(3);
    });
  }

  it('routes execution notices by TR: a record whose field 0 is the customer id, not the HTS id, arrives', async () => {
    const server = await hostileKis((r) => ack(r));
    const c = client(server.url);
    const notices = watch(c, 'H0STCNI0:myhtsid');
    await c.start();
    await until(server.bus, 'request', () => server.requests.length === 1);
    await expect.poll(() => notices.handle.state, { timeout: 3_000 }).toBe('active');
    const record = ['CUST0001', '0000012345', '00001', '', '02', '0', '00', '005930', '10', '71000'].join('^');
    server.sockets[0]!.send(`0|H0STCNI0|001|${record}`);
    server.sockets[0]!.send(`0|H0STCNI0|002|${record}^${record}`);
    await until(notices.bus, 'data', () => notices.data.length === 3);
    expect(notices.data[0]).toMatchObject({ trId: 'H0STCNI0', symbol: 'CUST0001' });
    expect(c.metrics().lateFramesDropped).toBe(0);
    // A second HTS id on the same notice TR is refused before anything is sent.
    const second = watch(c, 'H0STCNI0:other-id');
    await until(second.bus, 'error', () => second.errors.length === 1);
    expect(second.errors[0]!.code).toBe('SUBSCRIPTION_REJECTED');
    expect(server.requests.map((r) => r.trKey)).toEqual(['myhtsid']);
  });

  it("env 'paper' refuses H0STCNI0 up front (naming H0STCNI9), serves H0STCNI9, and paces at 500 ms", async () => {
    const server = await hostileKis((r) => ack(r));
    expect(kisProtocol({ env: 'paper' }).limits?.subscribeIntervalMs).toBe(500);
    expect(kisProtocol().limits?.subscribeIntervalMs).toBe(100);
    expect(() => kisProtocol({ env: 'vts' as never })).toThrow("kisProtocol: env must be 'real' or 'paper'");
    const c = client(server.url, {}, 'paper');
    const real = watch(c, 'H0STCNI0:myhtsid');
    const paper = watch(c, 'H0STCNI9:myhtsid');
    await c.start();
    await until(real.bus, 'error', () => real.errors.length === 1);
    await until(server.bus, 'request', () => server.requests.length === 1);
    expect(real.errors[0]!.code).toBe('SUBSCRIPTION_REJECTED');
    expect(String((real.errors[0]!.cause as Error).message)).toBe('KIS paper does not serve H0STCNI0; use H0STCNI9');
    expect(server.requests.map((r) => r.trId)).toEqual(['H0STCNI9']);
    expect(paper.errors).toEqual([]);
  });

  it('judges liveness by PINGPONG arrival: never a WebSocket ping, dead once PINGPONG stops', async () => {
    const server = await hostileKis((r) => ack(r));
    const c = client(server.url, { heartbeat: { intervalMs: 60, timeoutMs: 60 } });
    await c.start();
    const ws = server.sockets[0]!;
    let echoes = 0;
    server.bus.on('echo', () => echoes++);
    const pingpong = JSON.stringify({ header: { tr_id: 'PINGPONG', datetime: '20260101090000' } });
    // The server's keep-alive period (30 ms) is shorter than the heartbeat's interval (60 ms).
    const keepAlive = setInterval(() => ws.send(pingpong), 30);
    await until(server.bus, 'echo', () => echoes >= 8).finally(() => clearInterval(keepAlive));
    expect(c.state).toBe('open');
    const dead = nextState(c, 'reconnecting', { filter: (s) => s.reason === 'heartbeat-timeout' });
    await dead; // PINGPONG stopped: intervalMs + timeoutMs of silence
    expect(server.pings()).toBe(0);
    expect(c.metrics().heartbeatProbes).toBe(0);
  });
});
