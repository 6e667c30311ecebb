import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { defaultCloseKind } from '../../../src/protocol/close-codes.js';
import { GRAPHQL_WS_ACK_TIMEOUT_MS, graphqlWsCloseKind, graphqlWsProtocol } from '../../../src/protocol/graphql-ws.js';
import type { Frame, HandshakeIO, Inbound, Protocol, SubscribeRequest } from '../../../src/protocol/types.js';

const QUERY = 'subscription($t: String!) { ticks(topic: $t) { seq } }';
const ctx = { token: undefined };
const req = (topic: string, key = `${topic}|`, params?: unknown): SubscribeRequest => ({ key, topic, params });
const proto = (extra: Partial<Parameters<typeof graphqlWsProtocol>[0]> = {}): Protocol =>
  graphqlWsProtocol({ operation: (topic) => ({ query: QUERY, variables: { t: topic } }), ...extra });
const json = (f: Frame | readonly Frame[] | undefined): unknown =>
  Array.isArray(f) ? f.map((x: Frame) => JSON.parse(String(x))) : f === undefined ? undefined : JSON.parse(String(f));

/** A HandshakeIO fed by the test: `sent` collects frames, `push` answers `next()`. */
function fakeIO(token: string | undefined) {
  const sent: unknown[] = [];
  const queue: Inbound[] = [];
  let waiter: ((m: Inbound) => void) | undefined;
  const abort = new AbortController();
  const io: HandshakeIO = {
    token,
    signal: abort.signal,
    send: (f) => void sent.push(JSON.parse(String(f))),
    next: () =>
      new Promise<Inbound>((resolve, reject) => {
        if (abort.signal.aborted) return reject(abort.signal.reason);
        const m = queue.shift();
        if (m) return resolve(m);
        waiter = resolve;
        abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
      }),
  };
  const push = (m: Inbound): void => (waiter ? (waiter(m), (waiter = undefined)) : void queue.push(m));
  return { io, sent, push, abort };
}

describe('graphqlWsProtocol: handshake', () => {
  it('sends connection_init with { token } and resolves on connection_ack', async () => {
    const p = proto();
    const { io, sent, push } = fakeIO('tok-1');
    const done = p.handshake!(io);
    await Promise.resolve();
    expect(sent).toEqual([{ type: 'connection_init', payload: { token: 'tok-1' } }]);
    push({ type: 'pong' }); // anything before the ack is not the handshake's
    push(p.decode('{"type":"connection_ack"}') as Inbound);
    await expect(done).resolves.toBeUndefined();
  });

  it('omits the payload without a token, and connectionParams overrides it (sync or async)', async () => {
    const bare = fakeIO(undefined);
    const h1 = proto().handshake!(bare.io);
    bare.push({ type: 'auth-ok' });
    await h1;
    expect(bare.sent).toEqual([{ type: 'connection_init' }]);

    const custom = fakeIO('t2');
    const h2 = proto({ connectionParams: async ({ token }) => ({ authorization: `Bearer ${token}` }) }).handshake!(custom.io);
    custom.push({ type: 'auth-ok' });
    await h2;
    expect(custom.sent).toEqual([{ type: 'connection_init', payload: { authorization: 'Bearer t2' } }]);
  });

  it('rejects when the socket goes away before the ack (a 4403 close aborts the handshake)', async () => {
    const { io, abort } = fakeIO('bad');
    const done = proto().handshake!(io);
    abort.abort(new Error('closed 4403'));
    await expect(done).rejects.toThrow('closed 4403');
  });
});

describe('graphqlWsProtocol: operations', () => {
  it('declares the subprotocol, no resume, and an ack timeout that never fires in practice', () => {
    const p = proto();
    expect(p.subprotocols).toEqual(['graphql-transport-ws']);
    expect(p.resumable).toBe(false);
    expect(p.limits).toEqual({ ackTimeoutMs: GRAPHQL_WS_ACK_TIMEOUT_MS });
    expect(GRAPHQL_WS_ACK_TIMEOUT_MS).toBe(Infinity); // no ack in graphql-ws: no ack timer
  });

  it('encodes subscribe with query, variables and operationName, and complete on unsubscribe', () => {
    const p = graphqlWsProtocol({ operation: (topic, params) => ({ query: QUERY, variables: { t: topic, ...(params as object) }, operationName: 'Ticks' }) });
    expect(json(p.subscribe(req('AAPL', 'k1', { depth: 2 }), ctx))).toEqual({
      id: '1',
      type: 'subscribe',
      payload: { query: QUERY, variables: { t: 'AAPL', depth: 2 }, operationName: 'Ticks' },
    });
    expect(json(graphqlWsProtocol({ operation: () => ({ query: QUERY }) }).subscribe(req('A'), ctx))).toEqual({
      id: '1',
      type: 'subscribe',
      payload: { query: QUERY },
    });
    expect(json(p.unsubscribe(req('AAPL', 'k1'), ctx))).toEqual({ id: '1', type: 'complete' });
    expect(p.unsubscribe(req('AAPL', 'k1'), ctx)).toBeUndefined(); // nothing live: nothing to say
  });

  it('routes next / error / complete by id to the exact registry key', () => {
    const p = proto();
    p.subscribe(req('A', 'A|x'), ctx);
    p.subscribe(req('A', 'A|y'), ctx);
    expect(p.decode('{"id":"2","type":"next","payload":{"data":{"ticks":{"seq":1}}}}')).toEqual({
      type: 'data',
      topic: 'A',
      key: 'A|y',
      data: { ticks: { seq: 1 } },
    });
    expect(p.decode(new TextEncoder().encode('{"id":"1","type":"next","payload":{"data":null,"errors":[{"message":"x"}]}}'))).toEqual({
      type: 'data',
      topic: 'A',
      key: 'A|x',
      data: null,
    });
    expect(p.decode('{"id":"1","type":"error","payload":[{"message":"Cannot query field"},{"message":"second"}]}')).toEqual({
      type: 'error',
      topic: 'A',
      key: 'A|x',
      code: 'GRAPHQL_ERROR',
      message: 'Cannot query field; second',
      kind: 'rejected',
    });
    expect(p.decode('{"id":"2","type":"complete"}')).toEqual({ type: 'complete', topic: 'A', key: 'A|y' });
  });

  it('drops frames of operations that ended or were never started, never misrouting them', () => {
    const p = proto();
    p.subscribe(req('A'), ctx);
    p.unsubscribe(req('A'), ctx);
    p.subscribe(req('A'), ctx); // the same key again: a new operation, a new id
    expect(p.decode('{"id":"1","type":"next","payload":{"data":1}}')).toEqual({ type: 'ignore' });
    expect(p.decode('{"id":"1","type":"complete"}')).toEqual({ type: 'ignore' });
    expect(p.decode('{"id":"9","type":"error","payload":[{"message":"m"}]}')).toEqual({ type: 'ignore' });
    expect(p.decode('{"id":"2","type":"next","payload":{"data":1}}')).toMatchObject({ type: 'data', key: 'A|' });
    p.decode('{"id":"2","type":"error","payload":[{"message":"m"}]}'); // an error ends the operation
    expect(p.decode('{"id":"2","type":"next","payload":{"data":1}}')).toEqual({ type: 'ignore' });
    expect(p.unsubscribe(req('A'), ctx)).toBeUndefined();
  });

  it('maps ping to a pong reply (echoing the payload), pong and connection_ack to their events', () => {
    const p = proto();
    expect(p.decode('{"type":"ping"}')).toEqual({ type: 'ping', reply: '{"type":"pong"}' });
    expect(p.decode('{"type":"ping","payload":{"n":1}}')).toEqual({ type: 'ping', reply: '{"type":"pong","payload":{"n":1}}' });
    expect(p.decode('{"type":"pong","payload":{}}')).toEqual({ type: 'pong' });
    expect(p.decode('{"type":"connection_ack","payload":{"x":1}}')).toEqual({ type: 'auth-ok' });
    expect(p.ping!()).toBe('{"type":"ping"}');
  });

  it('throws (failing that subscription) when operation() gives no query', () => {
    const p = graphqlWsProtocol({ operation: () => ({}) as never });
    expect(() => p.subscribe(req('A'), ctx)).toThrow(TypeError);
    expect(() => graphqlWsProtocol({} as never)).toThrow(/operation must be a function/);
  });
});

describe('graphqlWsProtocol: operation ids', () => {
  it('keeps one id per key for the life of its operation, and sends it on unsubscribe', () => {
    const p = proto();
    const ids = ['A', 'B', 'C'].map((t) => (json(p.subscribe(req(t), ctx)) as { id: string }).id);
    expect(ids).toEqual(['1', '2', '3']);
    expect(json(p.unsubscribe(req('B'), ctx))).toEqual({ id: '2', type: 'complete' });
    expect(p.decode('{"id":"3","type":"next","payload":{"data":0}}')).toMatchObject({ key: 'C|' }); // others untouched
  });

  it('never keeps two operations for one key: a repeated subscribe completes the live one first', () => {
    const p = proto();
    p.subscribe(req('A'), ctx);
    expect(json(p.subscribe(req('A'), ctx))).toEqual([
      { id: '1', type: 'complete' },
      { id: '2', type: 'subscribe', payload: { query: QUERY, variables: { t: 'A' } } },
    ]);
  });

  it('starts again at "1" on every connection (handshake or reset), so ids are deterministic', async () => {
    const p = proto();
    p.subscribe(req('A'), ctx);
    p.subscribe(req('B'), ctx);
    p.reset!();
    expect((json(p.subscribe(req('B'), ctx)) as { id: string }).id).toBe('1');
    const { io, push } = fakeIO(undefined);
    const h = p.handshake!(io);
    push({ type: 'auth-ok' });
    await h;
    expect(p.decode('{"id":"1","type":"next","payload":{"data":1}}')).toEqual({ type: 'ignore' }); // the old socket's
    expect(p.unsubscribe(req('B'), ctx)).toBeUndefined();
  });

  it('property: every live key has exactly one id, ids are unique within a connection, frames route to their key', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('sub' as const), k: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ kind: fc.constant('unsub' as const), k: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ kind: fc.constant('serverEnd' as const), k: fc.integer({ min: 0, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (steps) => {
        const p = proto();
        const live = new Map<string, string>(); // key -> id, the model
        const used = new Set<string>();
        for (const s of steps) {
          const r = req(`T${s.k}`);
          if (s.kind === 'sub') {
            const frames = [p.subscribe(r, ctx)].flat() as string[];
            const sub = JSON.parse(frames.at(-1)!) as { id: string };
            if (live.has(r.key)) expect(JSON.parse(frames[0]!)).toEqual({ id: live.get(r.key), type: 'complete' });
            expect(used.has(sub.id)).toBe(false);
            used.add(sub.id);
            live.set(r.key, sub.id);
          } else if (s.kind === 'unsub') {
            const f = p.unsubscribe(r, ctx);
            expect(f === undefined ? undefined : JSON.parse(String(f)).id).toBe(live.get(r.key));
            live.delete(r.key);
          } else {
            const id = live.get(r.key) ?? '999';
            const m = p.decode(`{"id":"${id}","type":"complete"}`);
            expect(m).toEqual(live.has(r.key) ? { type: 'complete', topic: r.topic, key: r.key } : { type: 'ignore' });
            live.delete(r.key);
          }
          for (const [key, id] of live) expect(p.decode(`{"id":"${id}","type":"next","payload":{"data":0}}`)).toMatchObject({ key });
        }
      }),
    );
  });
});

describe('graphqlWsProtocol: close codes', () => {
  it.each([
    [4403, 'auth'],
    [4400, 'fatal'],
    [4401, 'fatal'],
    [4406, 'fatal'],
    [4409, 'fatal'],
    [4408, 'retry'],
    [4429, 'retry'],
    [4500, 'retry'],
    [1001, 'retry'],
    [1006, 'retry'],
    [1011, 'retry'],
    [1012, 'retry'],
    [1013, 'retry'],
  ] as const)('classifies %i as %s', (code, kind) => {
    expect(graphqlWsCloseKind(code, '')).toBe(kind);
    expect(proto().closeKind!(code, '')).toBe(kind);
  });

  it('falls back to defaultCloseKind for codes it does not name', () => {
    for (const code of [1000, 1002, 1003, 1008, 4000, 4404, 4999]) expect(graphqlWsCloseKind(code, 'r')).toBe(defaultCloseKind(code, 'r'));
    expect(proto().retryAfterMs!(1013, 'retry-after=250')).toBe(250);
  });
});

describe('graphqlWsProtocol: malformed frames', () => {
  it.each([
    ['not json', '{oops'],
    ['not an object', '[1,2]'],
    ['null', 'null'],
    ['no type', '{"id":"1"}'],
    ['unknown type', '{"type":"data"}'],
    ['client-only type', '{"type":"subscribe","id":"1","payload":{}}'],
    ['next without id', '{"type":"next","payload":{"data":1}}'],
    ['next with an empty id', '{"type":"next","id":"","payload":{"data":1}}'],
    ['next without payload', '{"type":"next","id":"1"}'],
    ['error without id', '{"type":"error","payload":[{"message":"m"}]}'],
    ['complete without id', '{"type":"complete"}'],
  ])('throws DECODE_ERROR for %s', (_name, frame) => {
    const p = proto();
    p.subscribe(req('A'), ctx);
    let thrown: unknown;
    try {
      p.decode(frame);
    } catch (err) {
      thrown = err;
    }
    expect(isStreamClientError(thrown, 'DECODE_ERROR')).toBe(true);
  });

  // The server ended the operation whatever the payload says: the subscription must hear of it.
  it.each([
    ['without errors', [], 'malformed error payload (not a list of GraphQL errors)'],
    ['with a non-list payload', { message: 'm' }, 'malformed error payload (not a list of GraphQL errors)'],
    ['with a null payload', null, 'malformed error payload (not a list of GraphQL errors)'],
    ['with an entry without a message', [{ msg: 'm' }, { message: 'second' }], '(error without a message); second'],
  ])('an error %s ends the operation and routes to it', (_name, payload, message) => {
    const p = proto();
    p.subscribe(req('A'), ctx);
    expect(p.decode(JSON.stringify({ id: '1', type: 'error', payload }))).toEqual({
      type: 'error',
      topic: 'A',
      key: 'A|',
      code: 'GRAPHQL_ERROR',
      message,
      kind: 'rejected',
    });
    expect(p.decode('{"id":"1","type":"next","payload":{"data":1}}')).toEqual({ type: 'ignore' });
  });

  // A server may echo the token anywhere. A whole echo is scrubbed by value later; a cut one
  // cannot be, so nothing of a frame is ever cut mid-word into an error.
  const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJlLXNlY3JldA';
  const decodeError = (p: Protocol, frame: string): Error => {
    try {
      p.decode(frame);
    } catch (err) {
      return err as Error;
    }
    throw new Error('no DECODE_ERROR');
  };

  it('a frame that is not JSON is reported by the parser error type only: no cause quoting the frame (cut token)', () => {
    const err = decodeError(proto(), `${TOKEN} trailing`);
    expect(err.message).toBe('graphql-ws: frame is not JSON (SyntaxError)');
    expect(err.cause).toBeUndefined();
  });

  it('an unexpected message type is echoed whole (up to 32 characters) or not at all, never cut', () => {
    expect(decodeError(proto(), JSON.stringify({ type: TOKEN })).message).toBe(`graphql-ws: unexpected message type (a ${TOKEN.length}-character string)`);
    expect(decodeError(proto(), JSON.stringify({ type: 'subscribe' })).message).toBe('graphql-ws: unexpected message type "subscribe"');
  });

  it('a long error message is cut at a word boundary: a token straddling the bound is dropped whole, not cut', () => {
    const p = proto();
    p.subscribe(req('A'), ctx);
    const words = 'a '.repeat(245); // 490 characters, then the token crosses the 500 bound
    const m = p.decode(JSON.stringify({ id: '1', type: 'error', payload: [{ message: `${words}${TOKEN} rejected` }] })) as { message: string };
    expect(m.message).toBe(`${words.trimEnd()}…`);
  });

  it('bounds the message of a huge error payload', () => {
    const p = proto();
    p.subscribe(req('A'), ctx);
    const m = p.decode(JSON.stringify({ id: '1', type: 'error', payload: [{ message: 'x'.repeat(10_000) }] })) as { message: string };
    expect(m.message.length).toBeLessThanOrEqual(501);
  });
});
