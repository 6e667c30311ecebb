import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StreamClient, type StreamClientError, type StreamClientOptions } from '../../src/index.js';
import { kisApprovalKey, kisProtocol, type KisTrade } from '../../src/protocol/kis/index.js';
import { createKisSimulator, type KisSimulator, type KisSimulatorOptions } from '../../src/testing/kis/index.js';
import { waitFor, type EventSource } from '../../src/testing/wait-for.js';
import { captureLogger, nextState, testClient } from '../helpers/client.js';
import { leakedSince, resourceCounts } from '../helpers/leaks.js';
import { pendingTimers } from '../../src/testing/index.js';

let sim: KisSimulator | undefined;
const clients: StreamClient[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await sim?.close();
  sim = undefined;
});

async function startSim(options: KisSimulatorOptions = {}): Promise<KisSimulator> {
  sim = await createKisSimulator({ pingIntervalMs: 0, ...options });
  return sim;
}

/** A real StreamClient on kisProtocol + kisApprovalKey, with fast pacing for loopback tests. */
function kisClient(s: KisSimulator, options: Partial<StreamClientOptions> = {}, appKey = 'APP-1'): StreamClient {
  const client = testClient(s.wsUrl, {
    protocol: kisProtocol(),
    auth: { fetchToken: kisApprovalKey({ baseUrl: s.httpUrl, appKey, appSecret: 'secret-1' }) },
    ...options,
    subscriptions: { subscribeIntervalMs: 2, ...options.subscriptions },
  });
  clients.push(client);
  return client;
}

/** Resolves once `cond()` holds, re-checked on every `event` of `source`; bounded. */
async function until(source: EventSource, event: string, cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  if (cond()) return;
  await waitFor(source, event, { timeoutMs, filter: () => cond() });
}

/** Collects data of `topic`; `until(n)` waits for n items. */
function collect<T = KisTrade>(client: StreamClient, topic: string, onError?: (e: StreamClientError) => void) {
  const items: T[] = [];
  const bus = new EventEmitter();
  const sub = client.subscribe<T>(topic, (d) => bus.emit('data', items.push(d)), onError ? { onError } : {});
  return { items, sub, until: (n: number) => until(bus, 'data', () => items.length >= n) };
}

const acked = (s: KisSimulator, topic: string, sessionId?: number) =>
  s.waitFor('subscribe', { timeoutMs: 3_000, filter: (e) => e.topic === topic && e.msgCd === 'OPSP0000' && (sessionId === undefined || e.id === sessionId) });

describe('kisProtocol against the KIS simulator', () => {
  it('fetches the approval key once for concurrent start() calls on one client', async () => {
    const s = await startSim({ approvalDelayMs: 50 });
    const client = kisClient(s);
    await Promise.all([client.start(), client.start(), client.start(), client.start(), client.start()]);
    expect(s.counters.approvalsIssued).toBe(1);
    expect(s.counters.sessionsOpened).toBe(1);
  });

  it('N clients on one app key: N approval keys, one session; the others get OPSP8996 and back off long', async () => {
    const s = await startSim();
    const a = kisClient(s);
    const ticks = collect(a, 'H0STCNT0:005930');
    const first = acked(s, 'H0STCNT0:005930');
    await a.start();
    await first;
    const b = kisClient(s, { reconnect: { initialDelayMs: 20, maxDelayMs: 120_000 } });
    b.subscribe('H0STCNT0:000660', () => {});
    const backoff = nextState(b, 'reconnecting');
    await b.start();
    const change = await backoff;
    expect(change.delayMs).toBeGreaterThanOrEqual(60_000);
    expect(s.counters).toMatchObject({ approvalsIssued: 2, inUseRejections: 1, maxSessionsPerAppKey: 1, liveSessions: 1 });
    s.publish('H0STCNT0', '005930', [{ price: 1 }]);
    await ticks.until(1);
    expect(a.state).toBe('open');
  });

  it('accepts 41 subscriptions and surfaces the 42nd as SUBSCRIPTION_LIMIT on its handle', async () => {
    const s = await startSim();
    const client = kisClient(s);
    const errors: StreamClientError[] = [];
    const topics = Array.from({ length: 42 }, (_, i) => `H0STCNT0:${String(i + 1).padStart(6, '0')}`);
    for (const t of topics) client.subscribe(t, () => {}, { onError: (e) => errors.push(e) });
    await client.start();
    await until(s, 'subscribe', () => s.subscriptions().size === 41);
    expect(errors.map((e) => e.code)).toEqual(['SUBSCRIPTION_LIMIT']);
    expect(errors[0]?.details).toMatchObject({ topic: topics[41] });
    expect(s.counters.subscribeFrames.has(topics[41]!)).toBe(false);
    expect(s.counters.limitRejections).toBe(0);
  });

  it('maps the server-side OPSP0008 to SUBSCRIPTION_LIMIT when the client allows more than the server', async () => {
    const s = await startSim({ maxSubscriptions: 2 });
    const client = kisClient(s);
    await client.start();
    const errors: StreamClientError[] = [];
    for (const t of ['H0STCNT0:000001', 'H0STCNT0:000002', 'H0STCNT0:000003']) client.subscribe(t, () => {}, { onError: (e) => errors.push(e) });
    await until(client as never, 'error', () => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: 'SUBSCRIPTION_LIMIT', details: { serverCode: 'OPSP0008', topic: 'H0STCNT0:000003' } });
    expect(s.counters.limitRejections).toBe(1);
  });

  it('sends one subscribe frame for two handles on one topic, and delivers to both', async () => {
    const s = await startSim();
    const client = kisClient(s);
    const one = collect(client, 'H0STCNT0:005930');
    const two = collect(client, 'H0STCNT0:005930');
    const ack = acked(s, 'H0STCNT0:005930');
    await client.start();
    await ack;
    s.publish('H0STCNT0', '005930', [{ price: 71_000 }]);
    await Promise.all([one.until(1), two.until(1)]);
    expect(s.counters.subscribeFrames.get('H0STCNT0:005930')).toBe(1);
    one.sub.unsubscribe(); // a handle is left: nothing goes out
    const fence = acked(s, 'H0STCNT0:000660'); // the channel is ordered: a stray unsubscribe would come first
    client.subscribe('H0STCNT0:000660', () => {});
    await fence;
    expect(s.counters.unsubscribeFrames.size).toBe(0);
    const gone = s.waitFor('subscribe', { filter: (e) => e.trType === '2' && e.msgCd === 'OPSP0001' });
    two.sub.unsubscribe(); // the last handle: one unsubscribe
    await gone;
    expect(s.counters.unsubscribeFrames.get('H0STCNT0:005930')).toBe(1);
  });

  it('echoes PINGPONG over several ping periods (the simulator would disconnect otherwise)', async () => {
    const s = await startSim({ pingIntervalMs: 40, pongTimeoutMs: 30 });
    const client = kisClient(s);
    await client.start();
    await until(s, 'pong', () => s.counters.pongsReceived >= 8);
    expect(s.counters).toMatchObject({ pingTimeouts: 0, sessionsOpened: 1, liveSessions: 1 });
    expect(client.state).toBe('open');
    expect(client.metrics().disconnects).toBe(0);
    // The control: a socket that does not echo is cut within one period plus the bound.
    const mute = new WebSocket(s.wsUrl);
    sockets.push(mute);
    await s.waitFor('ping-timeout', { timeoutMs: 2_000 });
    expect(s.counters.pingTimeouts).toBe(1);
  });

  it('decodes multi-record and encrypted frames into one typed record each, in order', async () => {
    const s = await startSim();
    const client = kisClient(s);
    const trades = collect(client, 'H0STCNT0:005930');
    const ack = acked(s, 'H0STCNT0:005930');
    await client.start();
    await ack;
    s.publish('H0STCNT0', '005930', [{ price: 1, change: 1 }, { price: 2, change: -1 }, { price: 3 }]);
    s.publish('H0STCNT0', '005930', [{ price: 4, changeRate: 1.5 }, { price: 5 }], { encrypted: true });
    await trades.until(5);
    expect(trades.items.map((t) => t.price)).toEqual([1, 2, 3, 4, 5]);
    expect(trades.items.map((t) => t.changeSign)).toEqual(['2', '5', '3', '3', '3']);
    expect(trades.items[3]).toMatchObject({ trId: 'H0STCNT0', symbol: '005930', changeRate: 1.5 });
    expect(client.metrics().decodeErrors).toBe(0);
  });

  it('on key expiry: OPSP0011 -> one refresh -> reconnect -> every subscription restored', async () => {
    const s = await startSim();
    const keys: string[] = [];
    const fetchKey = kisApprovalKey({ baseUrl: s.httpUrl, appKey: 'APP-1', appSecret: 'secret-1' });
    const { logger, lines } = captureLogger();
    const fetchToken = async (signal: AbortSignal) => {
      const r = await fetchKey(signal);
      keys.push(r.token);
      return r;
    };
    const client = kisClient(s, { logger, auth: { fetchToken } });
    const a = collect(client, 'H0STCNT0:005930');
    const ackA = acked(s, 'H0STCNT0:005930');
    await client.start();
    await ackA;
    expect(s.expireKeys()).toBe(1);
    const reopened = nextState(client, 'open');
    const b = collect(client, 'H0STASP0:005930'); // its subscribe carries the dead key
    await reopened;
    await until(s, 'subscribe', () => s.subscriptions().size === 2);
    expect(s.counters).toMatchObject({ approvalsIssued: 2, invalidKeyRejections: 1, inUseRejections: 0, sessionsOpened: 2 });
    expect(client.metrics().authRejections).toBe(1);
    s.publish('H0STCNT0', '005930', [{ price: 10 }]);
    s.publish('H0STASP0', '005930', [{ price: 20 }]);
    await Promise.all([a.until(1), b.until(1)]);
    expect(b.items[0]).toMatchObject({ trId: 'H0STASP0', symbol: '005930' });
    expect(keys).toHaveLength(2);
    for (const secret of [...keys, 'secret-1']) expect(lines.filter((l) => l.includes(secret))).toEqual([]);
  });

  it('with default options, a half-open client meets OPSP8996, waits >= 60 s (jittered) without reconnecting, then resumes every subscription once', async () => {
    // Real sockets, one virtual clock for client and simulator: 100 s of protocol time run in well under a second.
    const clock = new ManualClock();
    const s = await createKisSimulator({ timers: clock }); // defaults: PINGPONG every 10 s, old session held 30 s
    sim = s;
    const { logger, lines } = captureLogger();
    const client = new StreamClient({
      url: s.wsUrl,
      protocol: kisProtocol(),
      auth: { fetchToken: kisApprovalKey({ baseUrl: s.httpUrl, appKey: 'APP-1', appSecret: 'secret-1' }) },
      clock,
      logger,
    });
    clients.push(client);
    const states: { at: number; to: string; reason: string; delayMs?: number }[] = [];
    client.on('state', (c) => states.push({ at: clock.now(), to: c.to, reason: c.reason, ...(c.delayMs === undefined ? {} : { delayMs: c.delayMs }) }));
    const opened: number[] = [];
    s.on('session', () => opened.push(clock.now()));
    const acks: { id: number; topic: string }[] = [];
    let inUseAt: number | undefined;
    s.on('subscribe', (e) => {
      if (e.msgCd === 'OPSP0000') acks.push({ id: e.id, topic: e.topic });
      if (e.msgCd === 'OPSP8996') inUseAt ??= clock.now();
    });
    const topics = ['H0STCNT0:005930', 'H0STCNT0:000660', 'H0STASP0:005930'];
    for (const t of topics) client.subscribe(t, () => {});
    const started = client.start();
    await clock.runUntil(() => acks.length === 3, 5_000);
    await started;

    const t0 = clock.now();
    expect(s.halfOpenAll()).toBe(1);
    await clock.runUntil(() => inUseAt !== undefined, 40_000);
    const dead = states.find((c) => c.reason === 'heartbeat-timeout')!;
    expect(dead.at - t0).toBeGreaterThanOrEqual(25_000); // heartbeat 15 s + 10 s of silence (no probe on KIS)
    expect(inUseAt! - t0).toBeLessThan(30_000); // the server still held the old session
    await clock.runUntil(() => acks.length === 6, 120_000);

    const backoff = states.filter((c) => c.to === 'reconnecting' && c.at >= inUseAt!);
    expect(backoff).toHaveLength(1);
    expect(backoff[0]!.delayMs).toBeGreaterThanOrEqual(60_000);
    expect(backoff[0]!.delayMs).toBeLessThan(72_000);
    expect(opened).toHaveLength(3); // first session, the one OPSP8996 ended, the resumed one
    expect(opened[2]! - inUseAt!).toBeGreaterThanOrEqual(60_000);
    const resumed = acks.slice(3);
    expect(resumed.map((a) => a.topic).sort()).toEqual([...topics].sort());
    expect(new Set(resumed.map((a) => a.id)).size).toBe(1);
    expect(s.counters).toMatchObject({ inUseRejections: 1, maxSessionsPerAppKey: 1, approvalsIssued: 1 });
    expect(lines.some((l) => l.includes('"event":"connection.state"') && l.includes('reconnecting'))).toBe(true);
    const closing = client.close();
    await clock.runUntil(() => client.state === 'closed', 5_000);
    await closing;
  });
});

/**
 * A virtual clock shared by the client (`clock`) and the simulator (`timers`) while sockets stay
 * real: `runUntil` advances it in small steps, yielding to real I/O between steps.
 */
class ManualClock {
  #now = 1_000_000;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  now = (): number => this.#now;
  setTimeout = (fn: () => void, ms: number): number => {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  };
  clearTimeout = (id: unknown): void => {
    this.#timers.delete(id as number);
  };

  /** Advance by `stepMs` at a time (firing due timers in order) until `cond()` holds; fails after `maxMs` of virtual time. */
  async runUntil(cond: () => boolean, maxMs: number, stepMs = 20): Promise<void> {
    const end = this.#now + maxMs;
    for (;;) {
      for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r)); // real I/O gets its turns
      if (cond()) return;
      if (this.#now >= end) throw new Error(`condition not met within ${maxMs} ms of virtual time`);
      this.#advance(stepMs);
    }
  }

  #advance(ms: number): void {
    const to = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.#timers) if (e[1].at <= to && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = to;
  }
}

describe('kis lifecycle', () => {
  it('leaves no socket, server or timer behind once client and simulator are closed', async () => {
    const before = resourceCounts();
    const s = await startSim({ pingIntervalMs: 20 });
    const client = kisClient(s);
    const ticks = collect(client, 'H0STCNT0:005930');
    const ack = acked(s, 'H0STCNT0:005930');
    await client.start();
    await ack;
    s.publish('H0STCNT0', '005930', [{ price: 1 }], { encrypted: true });
    await ticks.until(1);
    await client.close();
    await s.close();
    expect(pendingTimers(client)).toEqual([]);
    expect(await leakedSince(before)).toEqual({});
  });
});

describe('the KIS simulator, spoken to directly', () => {
  async function approve(s: KisSimulator, appKey: string, secretkey = 'x'): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${s.httpUrl}/oauth2/Approval`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', appkey: appKey, secretkey }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function socket(s: KisSimulator): Promise<{ ws: WebSocket; next: () => Promise<string> }> {
    const ws = new WebSocket(s.wsUrl);
    sockets.push(ws);
    const queue: string[] = [];
    const bus = new EventEmitter();
    ws.on('message', (d: Buffer) => bus.emit('m', queue.push(d.toString())));
    await new Promise((resolve) => ws.once('open', resolve));
    const next = async (): Promise<string> => {
      await until(bus, 'm', () => queue.length > 0, 2_000);
      return queue.shift()!;
    };
    return { ws, next };
  }

  const frame = (key: string, trType: '1' | '2', trKey = '005930', trId = 'H0STCNT0') =>
    JSON.stringify({ header: { approval_key: key, custtype: 'P', tr_type: trType, 'content-type': 'utf-8' }, body: { input: { tr_id: trId, tr_key: trKey } } });
  const code = (text: string) => (JSON.parse(text) as { body: { msg_cd: string } }).body.msg_cd;

  it('issues 36-character keys, refuses bad credentials with 403, and answers each request code', async () => {
    const s = await startSim({ credentials: { APP: 'good' } });
    expect((await approve(s, 'APP', 'bad')).status).toBe(403);
    const { status, body } = await approve(s, 'APP', 'good');
    expect(status).toBe(200);
    const key = body['approval_key'] as string;
    expect(key).toHaveLength(36);
    const { ws, next } = await socket(s);
    ws.send(frame(key, '1'));
    const ok = JSON.parse(await next()) as { body: { msg_cd: string; output: { key: string; iv: string } } };
    expect(ok.body.msg_cd).toBe('OPSP0000');
    expect([ok.body.output.key.length, ok.body.output.iv.length]).toEqual([32, 16]);
    ws.send(frame(key, '1'));
    expect(code(await next())).toBe('OPSP0002');
    ws.send(frame(key, '2'));
    expect(code(await next())).toBe('OPSP0001');
    ws.send(frame(key, '2'));
    expect(code(await next())).toBe('OPSP0003');
    ws.send(frame('not-a-key', '1'));
    expect(code(await next())).toBe('OPSP0011');
    s.expireKeys();
    ws.send(frame(key, '1'));
    expect(code(await next())).toBe('OPSP0011');
  });

  it('answers a second session of the same app key with OPSP8996 and closes it', async () => {
    const s = await startSim();
    const k1 = (await approve(s, 'APP')).body['approval_key'] as string;
    const k2 = (await approve(s, 'APP')).body['approval_key'] as string;
    const one = await socket(s);
    one.ws.send(frame(k1, '1'));
    expect(code(await one.next())).toBe('OPSP0000');
    const two = await socket(s);
    const closed = new Promise<number>((resolve) => two.ws.once('close', (c: number) => resolve(c)));
    two.ws.send(frame(k2, '1'));
    expect(JSON.parse(await two.next())).toEqual({
      header: { tr_id: '(null)', tr_key: '', encrypt: 'N' },
      body: { rt_cd: '9', msg_cd: 'OPSP8996', msg1: 'ALREADY IN USE appkey' },
    });
    expect(await closed).toBe(1000);
    expect(s.counters).toMatchObject({ inUseRejections: 1, liveSessions: 1, maxSessionsPerAppKey: 1 });
  });

  it('answers bad tr_id / tr_key / HTS id with "(null)" replies, acks encrypted TRs with encrypt "Y", and injects transient codes', async () => {
    const s = await startSim({ htsIds: ['myhts'] });
    const key = (await approve(s, 'APP')).body['approval_key'] as string;
    const { ws, next } = await socket(s);
    const header = (text: string) => JSON.parse(text) as { header: Record<string, string>; body: { rt_cd: string } };
    ws.send(frame(key, '1', '005930', 'H0NOPE00'));
    const unknown = await next();
    expect([code(unknown), header(unknown).header['tr_id']]).toEqual(['OPSP8991', '(null)']);
    ws.send(frame(key, '1', 'NOPE'));
    const bad = header(await next());
    expect([bad.header['tr_id'], bad.header['tr_key'], bad.body.rt_cd]).toEqual(['(null)', '', '1']);
    ws.send(frame(key, '1', 'other-id', 'H0STCNI0'));
    expect(code(await next())).toBe('OPSP0017');
    ws.send(frame(key, '1', 'myhts', 'H0STCNI0'));
    const notice = await next();
    expect([code(notice), header(notice).header['encrypt']]).toEqual(['OPSP0000', 'Y']);
    s.failNextSubscribes(2, 'OPSP8999');
    ws.send(frame(key, '1'));
    expect(code(await next())).toBe('OPSP8999');
    ws.send(frame(key, '1'));
    expect(code(await next())).toBe('OPSP8999');
    ws.send(frame(key, '1'));
    const plain = await next();
    expect([code(plain), header(plain).header['encrypt']]).toEqual(['OPSP0000', 'N']);
    expect(s.counters).toMatchObject({ invalidRequestRejections: 3, transientRejections: 2 });
  });

  it('takes a WebSocket pong carrying the PINGPONG text as an answer, and by default cuts nobody for a missing one', async () => {
    const s = await startSim({ pingIntervalMs: 20 });
    const { ws, next } = await socket(s);
    const ping = await next();
    expect(JSON.parse(ping)).toMatchObject({ header: { tr_id: 'PINGPONG' } });
    const answered = s.waitFor('pong', { timeoutMs: 2_000 });
    ws.pong(ping);
    expect(await answered).toMatchObject({ how: 'pong' });
    // A mute socket: PINGPONG keeps coming, nobody is cut.
    await until(s, 'ping', () => s.counters.pingsSent >= 6);
    expect(s.counters).toMatchObject({ pingTimeouts: 0, liveSessions: 1, pongsReceived: 1 });
  });

  it('holds a half-open session (and its app key) for halfOpenHoldMs: a second session meets OPSP8996 until then', async () => {
    const s = await startSim({ halfOpenHoldMs: 150 });
    const k1 = (await approve(s, 'APP')).body['approval_key'] as string;
    const one = await socket(s);
    one.ws.send(frame(k1, '1'));
    expect(code(await one.next())).toBe('OPSP0000');
    expect(s.halfOpenAll()).toBe(1);
    one.ws.terminate(); // the client gives up; its close never reaches the "server"
    const two = await socket(s);
    two.ws.send(frame(k1, '1'));
    expect(code(await two.next())).toBe('OPSP8996');
    await s.waitFor('hold-expired', { timeoutMs: 2_000, filter: (e) => e.id === 1 });
    const three = await socket(s);
    three.ws.send(frame(k1, '1'));
    expect(code(await three.next())).toBe('OPSP0000');
    expect(s.counters).toMatchObject({ inUseRejections: 1, maxSessionsPerAppKey: 1 });
  });
});
