import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { graphqlWsProtocol } from '../../../src/protocol/graphql-ws.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { DataSink, Frame, Inbound, Protocol } from '../../../src/protocol/types.js';

type Outcome = { messages: unknown[] } | { thrown: string };

/** `decode`'s answer as a flat list of messages, or the error code it threw. */
function viaDecode(p: Protocol, frame: Frame): Outcome {
  try {
    const r = p.decode(frame);
    return { messages: r === undefined ? [] : 'type' in r ? [r] : [...r] };
  } catch (err) {
    return { thrown: (err as { code?: string }).code ?? 'untyped' };
  }
}

/** `decodeInto`'s answer in the same shape: sink calls become the `data` messages they replace. */
function viaSink(p: Protocol, frame: Frame): Outcome {
  const messages: unknown[] = [];
  const sink: DataSink = {
    data: (topic, key, data, seq) =>
      void messages.push({ type: 'data', topic, ...(key === undefined ? {} : { key }), data, ...(seq === undefined ? {} : { seq }) }),
  };
  try {
    const r = p.decodeInto!(frame, sink, 0);
    if (r !== undefined) messages.push(...('type' in r ? [r] : (r as readonly Inbound[])));
    return { messages };
  } catch (err) {
    return { thrown: (err as { code?: string }).code ?? 'untyped' };
  }
}

const scalar = fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null));
const value = fc.oneof(scalar, fc.dictionary(fc.string({ maxLength: 4 }), scalar, { maxKeys: 3 }));

/** Frames near the wire format: right and wrong ops, fields present, missing or mistyped. */
const jsonFrame = fc
  .record(
    {
      op: fc.constantFrom('data', 'subscribed', 'unsubscribed', 'error', 'ping', 'pong', 'auth_ok', 'auth_error', 'retry', 'bogus'),
      topic: fc.oneof(fc.constantFrom('A', 'B'), scalar),
      seq: fc.oneof(fc.nat(1000), scalar),
      data: value,
      code: fc.oneof(fc.constantFrom('limit', 'expired', 'nope'), scalar),
      message: scalar,
      afterMs: fc.oneof(fc.nat(5000), scalar),
    },
    { requiredKeys: [] },
  )
  .map((m) => JSON.stringify(m));

const gqlFrame = fc
  .record(
    {
      id: fc.oneof(fc.constantFrom('1', '2', '99'), scalar),
      type: fc.constantFrom('next', 'error', 'complete', 'connection_ack', 'ping', 'pong', 'subscribe'),
      payload: fc.oneof(value, fc.record({ data: value }), fc.constant([{ message: 'boom' }])),
    },
    { requiredKeys: [] },
  )
  .map((m) => JSON.stringify(m));

describe('decodeInto, the allocation-free fast path', () => {
  it('jsonProtocol: hands data to the sink and returns everything else exactly as decode does', () => {
    const p = jsonProtocol();
    fc.assert(
      fc.property(fc.oneof(jsonFrame, fc.string({ maxLength: 12 })), (frame) => {
        expect(viaSink(p, frame)).toEqual(viaDecode(p, frame));
      }),
      { numRuns: 500 },
    );
  });

  it('jsonProtocol: data reaches the sink with its seq, or without one when the frame has none', () => {
    const p = jsonProtocol();
    expect(viaSink(p, '{"op":"data","topic":"A","seq":7,"data":{"px":1}}')).toEqual({ messages: [{ type: 'data', topic: 'A', data: { px: 1 }, seq: 7 }] });
    expect(viaSink(p, '{"op":"data","topic":"A","data":2}')).toEqual({ messages: [{ type: 'data', topic: 'A', data: 2 }] });
  });

  it('graphqlWsProtocol: routes next by operation key and agrees with decode on every frame', () => {
    // Two twins with the same live operations: decode on one, decodeInto on the other, since
    // `error` and `complete` end an operation.
    const make = () => {
      const p = graphqlWsProtocol({ operation: (topic) => ({ query: 'subscription { t }', variables: { topic } }) });
      p.subscribe({ key: 'A|', topic: 'A', params: undefined }, { token: undefined }); // id "1"
      p.subscribe({ key: 'B|', topic: 'B', params: undefined }, { token: undefined }); // id "2"
      return p;
    };
    expect(viaSink(make(), '{"id":"1","type":"next","payload":{"data":{"t":3}}}')).toEqual({
      messages: [{ type: 'data', topic: 'A', key: 'A|', data: { t: 3 } }],
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(gqlFrame, fc.string({ maxLength: 12 })), { maxLength: 6 }), (frames) => {
        const a = make();
        const b = make();
        for (const f of frames) expect(viaSink(b, f)).toEqual(viaDecode(a, f));
      }),
      { numRuns: 300 },
    );
  });
});
