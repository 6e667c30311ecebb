import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { isStreamClientError, type StreamClient, type StreamClientError } from '../../src/index.js';
import { graphqlWsProtocol } from '../../src/protocol/graphql-ws.js';
import { jsonProtocol } from '../../src/protocol/json.js';
import { nextState, testClient } from '../helpers/client.js';
import { frames, rawWsServer, trapUncaught, type RawWsServer } from '../helpers/raw-ws.js';
import { until } from '../helpers/until.js';

// Bursts a hostile (or merely eager) server sends around the handshake: none may throw out of
// the library, and stream data that comes with the handshake is delivered, in order.

const SNAPSHOT = 100;
const snapshot = (topic: string) => Array.from({ length: SNAPSHOT }, (_, i) => JSON.stringify({ op: 'data', topic, seq: i + 1, data: i + 1 }));
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

let server: RawWsServer | undefined;
let client: StreamClient | undefined;
let trap: ReturnType<typeof trapUncaught> | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  trap?.release();
  client = server = trap = undefined;
});

function collect(c: StreamClient, topic: string) {
  const got: number[] = [];
  const bus = new EventEmitter();
  c.subscribe<number>(topic, (d) => {
    got.push(d);
    bus.emit('data');
  });
  return { got, all: (n: number) => until(() => got.length >= n, [[bus, ['data']]], 3_000, `${n} frames on ${topic}`) };
}

describe('a burst of frames around the handshake', () => {
  it('jsonProtocol without auth: a 100-frame snapshot in the same read as the 101 reply is delivered in order', async () => {
    trap = trapUncaught();
    server = await rawWsServer({ withUpgrade: () => frames(snapshot('A')) });
    const c = (client = testClient(server.url));
    const errors: StreamClientError[] = [];
    c.on('error', (e) => errors.push(e));
    const a = collect(c, 'A');
    await c.start();
    await a.all(SNAPSHOT);
    expect(a.got).toEqual(oneTo(SNAPSHOT));
    expect(c.state).toBe('open');
    expect(errors).toEqual([]);
    expect(trap.errors).toEqual([]);
  });

  it('jsonProtocol with auth: auth_ok followed by 100 frames in one read opens and delivers all 100 in order', async () => {
    trap = trapUncaught();
    server = await rawWsServer({
      onText: (peer, text) => {
        if (JSON.parse(text).op === 'auth') peer.write(frames([JSON.stringify({ op: 'auth_ok' }), ...snapshot('A')]));
      },
    });
    const c = (client = testClient(server.url, { auth: { fetchToken: async () => ({ token: 'tok-0123456789', expiresInMs: 3_600_000 }) } }));
    const errors: StreamClientError[] = [];
    c.on('error', (e) => errors.push(e));
    const a = collect(c, 'A');
    await c.start();
    await a.all(SNAPSHOT);
    expect(a.got).toEqual(oneTo(SNAPSHOT));
    expect(c.state).toBe('open');
    expect(c.metrics().connects).toBe(1);
    expect(errors).toEqual([]);
    expect(trap.errors).toEqual([]);
  });

  it('graphql-ws: 100 connection_acks in one read give the socket up with PROTOCOL_ERROR, no throw', async () => {
    trap = trapUncaught();
    server = await rawWsServer(
      {
        onText: (peer, text) => {
          if (JSON.parse(text).type === 'connection_init') peer.write(frames(Array.from({ length: 100 }, () => '{"type":"connection_ack"}')));
        },
      },
      'graphql-transport-ws',
    );
    const c = (client = testClient(server.url, {
      protocol: graphqlWsProtocol({ operation: (topic) => ({ query: `subscription { t(topic: "${topic}") }` }) }),
    }));
    const errors: StreamClientError[] = [];
    c.on('error', (e) => errors.push(e));
    const reconnecting = nextState(c, 'reconnecting', { timeoutMs: 3_000 });
    void c.start().catch(() => {});
    const plan = await reconnecting;
    expect(plan).toMatchObject({ from: 'authenticating', reason: 'protocol-error' });
    expect(errors.map((e) => e.code)).toEqual(['PROTOCOL_ERROR']);
    expect(isStreamClientError(errors[0], 'PROTOCOL_ERROR')).toBe(true);
    expect(errors[0]!.message).toBe('more than 64 control frames before the handshake completed');
    expect(trap.errors).toEqual([]);
  });

  it('a throw inside a socket callback (a protocol hook meeting a close code) becomes a loss, not an uncaught exception', async () => {
    trap = trapUncaught();
    server = await rawWsServer({ withUpgrade: () => frames([]) });
    const json = jsonProtocol();
    const protocol = {
      ...json,
      closeKind: (code: number) => {
        if (code === 4000) throw new RangeError('close code table broken');
        return 'retry' as const;
      },
    };
    const c = (client = testClient(server.url, { protocol }));
    const errors: StreamClientError[] = [];
    c.on('error', (e) => errors.push(e));
    await c.start();
    const reconnecting = nextState(c, 'reconnecting', { timeoutMs: 3_000 });
    server.peers[0]!.socket.end(Buffer.from([0x88, 0x02, 0x0f, 0xa0])); // close frame, code 4000, then FIN
    expect(await reconnecting).toMatchObject({ from: 'open', reason: 'internal-error' });
    expect(errors.map((e) => e.code)).toEqual(['CONNECTION_FAILED']);
    expect(errors[0]!.message).toBe('internal error in the connection: RangeError: close code table broken');
    expect(trap.errors).toEqual([]);
  });

  it('a throw in the connect chain (a protocol reset that throws) is a loss, not an unhandled rejection', async () => {
    trap = trapUncaught();
    server = await rawWsServer({});
    const protocol = {
      ...jsonProtocol(),
      reset: () => {
        throw new RangeError('reset broken');
      },
    };
    const c = (client = testClient(server.url, { protocol }));
    const errors: StreamClientError[] = [];
    c.on('error', (e) => errors.push(e));
    const reconnecting = nextState(c, 'reconnecting', { timeoutMs: 3_000 });
    void c.start().catch(() => {});
    expect(await reconnecting).toMatchObject({ from: 'connecting', reason: 'internal-error' });
    expect(errors[0]!.code).toBe('CONNECTION_FAILED');
    expect(errors[0]!.message).toBe('internal error in the connection: RangeError: reset broken');
    expect(trap.errors).toEqual([]);
  });

  it('stream data queued behind a handshake that never reads has its own bound: 10,001 frames give the socket up with PROTOCOL_ERROR', async () => {
    trap = trapUncaught();
    const data = Array.from({ length: 10_001 }, () => '{"op":"data","topic":"A","data":1}');
    server = await rawWsServer({ withUpgrade: () => frames(data) });
    // A custom protocol whose handshake waits on something else (until aborted) and never reads.
    const json = jsonProtocol();
    const protocol = {
      ...json,
      handshake: (io: { signal: AbortSignal }) => new Promise<void>((_, reject) => io.signal.addEventListener('abort', () => reject(io.signal.reason))),
    };
    const c = (client = testClient(server.url, { protocol }));
    const errors: StreamClientError[] = [];
    c.on('error', (e) => errors.push(e));
    const got: unknown[] = [];
    c.subscribe('A', (d) => got.push(d));
    const reconnecting = nextState(c, 'reconnecting', { timeoutMs: 3_000 });
    void c.start().catch(() => {});
    expect(await reconnecting).toMatchObject({ from: 'authenticating', reason: 'protocol-error' });
    expect(errors.map((e) => e.message)).toEqual(['more than 10000 data frames before the handshake completed']);
    expect(got).toEqual([]);
    expect(trap.errors).toEqual([]);
  });

  it('a throw after the socket was already given up (a state listener that throws on reconnecting) is reported, not swallowed, and the reconnect goes on', async () => {
    trap = trapUncaught();
    server = await rawWsServer({});
    const c = (client = testClient(server.url));
    const errors: StreamClientError[] = [];
    c.on('error', (e) => errors.push(e));
    await c.start();
    c.on('state', (e) => {
      if (e.to === 'reconnecting') throw new Error('listener bug');
    });
    const reopened = nextState(c, 'open', { timeoutMs: 3_000 });
    server.peers[0]!.socket.destroy();
    await reopened;
    expect(errors.map((e) => e.message)).toEqual(['internal error in the connection: Error: listener bug']);
    expect(c.metrics().connects).toBe(2);
    expect(trap.errors).toEqual([]);
  });
});
