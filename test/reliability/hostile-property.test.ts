import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamClient } from '../../src/index.js';
import { graphqlWsProtocol } from '../../src/protocol/graphql-ws.js';
import { jsonProtocol } from '../../src/protocol/json.js';
import { kisProtocol } from '../../src/protocol/kis/index.js';
import type { Protocol } from '../../src/protocol/types.js';
import { testClient } from '../helpers/client.js';
import { rawWsServer, serverFrame, trapUncaught, type RawPeer, type RawWsServer } from '../helpers/raw-ws.js';
import { until } from '../helpers/until.js';
import { pendingTimers } from '../../src/testing/index.js';

// No frame sequence a server can send makes the library throw into the caller's process: random
// bursts (size, order, and timing: with the 101 reply, in the same read as the handshake reply,
// or later) from a hand-written server on 127.0.0.1, for each built-in protocol.

/** One wire frame: text, binary, or a WebSocket control frame (ping, close). */
type Wire = { text: string } | { binary: Uint8Array } | { ping: string } | { close: number };

interface Run {
  /** What answers the upgrade: the 101, or something else a broken proxy might send. */
  upgrade: 'ok' | 'garbage' | '401' | 'no-accept';
  withUpgrade: Wire[];
  /** Sent at the client's first text frame (its auth/init/subscribe), with the reply or not. */
  reply: boolean;
  withReply: Wire[];
  /** Later writes, one per burst. */
  after: Wire[][];
  /** How the server ends the socket: a close frame (ws reads nothing after it), or only a FIN. */
  end: number | 'fin';
}

const encode = (w: Wire): Buffer =>
  'text' in w
    ? serverFrame(w.text)
    : 'binary' in w
      ? serverFrame(Buffer.from(w.binary), 0x2)
      : 'ping' in w
        ? serverFrame(w.ping.slice(0, 100), 0x9)
        : serverFrame(Buffer.from([w.close >> 8, w.close & 0xff]), 0x8);

const anyJson = fc.jsonValue({ maxDepth: 3 });
const smallInt = fc.oneof(fc.integer({ min: -3, max: 5 }), fc.constantFrom(2 ** 53, -0, 1.5, Number.MAX_SAFE_INTEGER));
const garbage = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', '{', 'null', '[]', '1', '"x"', '{"type":1}', '{"op":null}'));
const closeCode = fc.constantFrom(1000, 1001, 1006, 1008, 1011, 1013, 3000, 4000, 4400, 4401, 4403, 4408, 4409, 4429, 4500, 4999);
const wireOf = (text: fc.Arbitrary<string>): fc.Arbitrary<Wire> =>
  fc.oneof(
    { weight: 12, arbitrary: text.map((t) => ({ text: t })) },
    { weight: 2, arbitrary: garbage.map((t) => ({ text: t })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }).map((b) => ({ binary: b })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((p) => ({ ping: p })) },
  );

const jsonText = fc
  .oneof(
    fc.record({ op: fc.constant('data'), topic: fc.constantFrom('A', 'B', 7), seq: fc.option(smallInt), data: anyJson }),
    fc.record({ op: fc.constantFrom('subscribed', 'unsubscribed'), topic: fc.constantFrom('A', 'B', null), seq: fc.option(smallInt) }),
    fc.record({ op: fc.constant('error'), topic: fc.option(fc.constantFrom('A', 'B')), code: fc.constantFrom('limit', 'denied', 3), message: anyJson }),
    fc.record({ op: fc.constantFrom('ping', 'pong', 'auth_ok'), t: fc.option(smallInt) }),
    fc.record({ op: fc.constant('auth_error'), code: fc.constantFrom('expired', 'invalid', null) }),
    fc.record({ op: fc.constant('retry'), afterMs: fc.oneof(smallInt, fc.constant(1e12)) }),
  )
  .map((m) => JSON.stringify(m));

const gqlId = fc.constantFrom('1', '2', '3', '', 1, null);
const gqlText = fc
  .oneof(
    fc.constant({ type: 'connection_ack' }),
    fc.record({ type: fc.constant('next'), id: gqlId, payload: fc.oneof(fc.record({ data: anyJson }), anyJson) }),
    fc.record({
      type: fc.constant('error'),
      id: gqlId,
      payload: fc.oneof(fc.array(fc.oneof(fc.record({ message: fc.string({ maxLength: 20 }) }), anyJson), { maxLength: 4 }), anyJson),
    }),
    fc.record({ type: fc.constant('complete'), id: gqlId }),
    fc.record({ type: fc.constantFrom('ping', 'pong', 'subscribe', 'connection_init', 'nonsense'), payload: fc.option(anyJson) }),
  )
  .map((m) => JSON.stringify(m));

const kisTr = fc.constantFrom('H0STCNT0', 'H0STASP0', 'H0XXXXX0', 'PINGPONG', '(null)');
const kisKey = fc.constantFrom('005930', '000660', '', '(null)');
const kisText = fc.oneof(
  fc
    .record({
      tr_id: kisTr,
      tr_key: fc.option(kisKey),
      rt_cd: fc.constantFrom('0', '1', '9', undefined),
      msg_cd: fc.constantFrom('OPSP0000', 'OPSP0001', 'OPSP0002', 'OPSP0003', 'OPSP0008', 'OPSP0011', 'OPSP8996', 'OPSP0007', 'OPSP9999', undefined),
      msg1: fc.option(fc.string({ maxLength: 20 })),
      aes: fc.option(fc.record({ key: fc.constantFrom('a'.repeat(32), 'short', ''), iv: fc.constantFrom('b'.repeat(16), 'x', '') })),
    })
    .map((c) =>
      JSON.stringify({ header: { tr_id: c.tr_id, tr_key: c.tr_key }, body: { rt_cd: c.rt_cd, msg_cd: c.msg_cd, msg1: c.msg1, output: c.aes ?? undefined } }),
    ),
  fc
    .record({
      enc: fc.constantFrom('0', '1', '2', ''),
      tr: kisTr,
      count: fc.oneof(
        fc.constantFrom('001', '002', '000', '999', '-01', 'abc', '1e3', ''),
        fc.integer({ min: 0, max: 50 }).map((n) => String(n).padStart(3, '0')),
      ),
      fields: fc.array(fc.oneof(kisKey, fc.string({ maxLength: 8 }), fc.constantFrom('NaN', '1e309', '-0', '12.5', '^')), { maxLength: 60 }),
    })
    .map((d) => `${d.enc}|${d.tr}|${d.count}|${d.fields.join('^')}`),
  fc.constant('{"header":{"tr_id":"PINGPONG","datetime":"20261206000000"}}'),
);

const runOf = (text: fc.Arbitrary<string>): fc.Arbitrary<Run> => {
  // Mostly short bursts, and sometimes a burst past every bound on queued frames (64).
  const burst = fc.oneof(
    { weight: 3, arbitrary: fc.array(wireOf(text), { maxLength: 12 }) },
    { weight: 1, arbitrary: fc.array(wireOf(text), { minLength: 60, maxLength: 150 }) },
  );
  return fc.record({
    upgrade: fc.oneof(
      { weight: 20, arbitrary: fc.constant('ok' as const) },
      { weight: 1, arbitrary: fc.constantFrom('garbage' as const, '401' as const, 'no-accept' as const) },
    ),
    withUpgrade: burst,
    reply: fc.boolean(),
    withReply: burst,
    after: fc.array(burst, { maxLength: 3 }),
    end: fc.oneof(fc.constant('fin' as const), closeCode),
  });
};

const UPGRADES: Record<Exclude<Run['upgrade'], 'ok'>, string> = {
  garbage: '\x00\xffHTTP nonsense\r\n\r\n',
  '401': 'HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n',
  'no-accept': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
};

interface Case {
  name: string;
  subprotocol?: string;
  protocol: () => Protocol;
  token?: string;
  text: fc.Arbitrary<string>;
  /** The frame that completes the handshake, sent when `run.reply`. */
  reply: string | undefined;
  topics: readonly string[];
}

const CASES: Case[] = [
  { name: 'jsonProtocol without auth', protocol: () => jsonProtocol(), text: jsonText, reply: undefined, topics: ['A', 'B'] },
  { name: 'jsonProtocol with auth', protocol: () => jsonProtocol(), token: 'tok-0123456789', text: jsonText, reply: '{"op":"auth_ok"}', topics: ['A', 'B'] },
  {
    name: 'graphqlWsProtocol',
    subprotocol: 'graphql-transport-ws',
    protocol: () => graphqlWsProtocol({ operation: (topic) => ({ query: `subscription { t(topic: "${topic}") }` }) }),
    text: gqlText,
    reply: '{"type":"connection_ack"}',
    topics: ['A', 'B'],
  },
  {
    name: 'kisProtocol',
    protocol: () => kisProtocol(),
    token: 'approval-0123456789',
    text: kisText,
    reply: undefined,
    topics: ['H0STCNT0:005930', 'H0STASP0:000660'],
  },
];

const trap = trapUncaught();
afterAll(() => trap.release());

describe.each(CASES)('no server input throws into the process: $name', (c) => {
  let server: RawWsServer;
  let current: { run: Run; peer?: RawPeer; replied: boolean } | undefined;

  beforeAll(async () => {
    server = await rawWsServer(
      {
        replaceUpgrade: () => (current && !current.peer && current.run.upgrade !== 'ok' ? Buffer.from(UPGRADES[current.run.upgrade], 'latin1') : undefined),
        withUpgrade: (peer) => {
          if (!current || current.peer) return undefined; // a reconnect within the run: nothing more
          current.peer = peer;
          return Buffer.concat(current.run.withUpgrade.map(encode));
        },
        onText: (peer, _text) => {
          if (!current || current.peer !== peer || current.replied) return;
          current.replied = true;
          const { run } = current;
          const first = run.reply && c.reply !== undefined ? [serverFrame(c.reply)] : [];
          peer.write(Buffer.concat([...first, ...run.withReply.map(encode)]));
          let i = 0;
          const next = (): void => {
            if (i < run.after.length) {
              peer.write(Buffer.concat(run.after[i++]!.map(encode)));
              setImmediate(next);
            } else if (run.end === 'fin') peer.socket.end();
            else peer.socket.end(encode({ close: run.end }));
          };
          setImmediate(next);
        },
      },
      c.subprotocol,
    );
  });
  afterAll(() => server.close());

  it('random bursts before, with and after the handshake: no uncaught exception, nothing left after close()', async () => {
    await fc.assert(
      fc.asyncProperty(runOf(c.text), async (run) => {
        current = { run, replied: false };
        const client: StreamClient = testClient(server.url, {
          protocol: c.protocol(),
          reconnect: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 },
          handshakeTimeoutMs: 1_000,
          closeTimeoutMs: 200,
          ...(c.token === undefined ? {} : { auth: { fetchToken: async () => ({ token: c.token!, expiresInMs: 3_600_000 }) } }),
          subscriptions: { subscribeIntervalMs: 0 },
        });
        client.on('error', () => {});
        for (const t of c.topics) client.subscribe(t, () => {});
        void client.start().catch(() => {});
        try {
          // The first socket is over once it was lost: by the server's end, a close, or the client's own verdict.
          const lost = () => client.metrics().disconnects + client.metrics().connectFailures >= 1;
          await until(lost, [[client as never, ['state']]], 3_000, 'the first socket lost');
        } finally {
          await client.close();
        }
        expect(trap.errors).toEqual([]);
        expect(pendingTimers(client)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  }, 30_000);
});
