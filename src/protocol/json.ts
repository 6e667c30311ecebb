import { AuthError, ProtocolError } from '../core/errors.js';
import { defaultCloseKind, retryAfterFromReason } from './close-codes.js';
import type { DataSink, DecodeResult, Frame, HandshakeIO, Inbound, Protocol, SubscribeRequest } from './types.js';

/** Options of {@link jsonProtocol}. */
export interface JsonProtocolOptions {
  /** Name shown in logs. @default 'json' */
  name?: string;
}

const textDecoder = new TextDecoder();

function str(v: unknown): v is string {
  return typeof v === 'string';
}

/**
 * A frame's `seq`: absent, or a safe non-negative integer. Anything else (Infinity, beyond 2^53,
 * negative, fractional, not a number) makes the frame malformed: it must never become a position.
 */
function seqOf(m: Record<string, unknown>, op: string): number | undefined {
  const v = m['seq'];
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const got = typeof v === 'number' ? String(v) : v === null ? 'null' : typeof v;
  throw new ProtocolError('DECODE_ERROR', `"${op}" frame with an invalid seq (${got}): expected a safe non-negative integer`);
}

/**
 * steadystream's own JSON protocol (one JSON object per text frame), spoken by
 * `steadystream/testing`'s server. Wire format: see the README's "jsonProtocol" section.
 */
export function jsonProtocol(options: JsonProtocolOptions = {}): Protocol {
  const authenticate = async (io: HandshakeIO): Promise<void> => {
    if (io.token === undefined) return;
    io.send(JSON.stringify({ op: 'auth', token: io.token }));
    for (;;) {
      const msg = await io.next();
      if (msg.type === 'auth-ok') return;
      if (msg.type === 'auth-rejected') {
        throw new AuthError('AUTH_REJECTED', `server rejected the token (${msg.reason})`, {
          details: { reason: msg.reason },
        });
      }
      // Anything else before auth_ok (pings, retry hints) is handled by the client or ignored.
    }
  };

  return {
    name: options.name ?? 'json',
    resumable: true,
    handshake: authenticate,
    reauth: authenticate,
    subscribe(req: SubscribeRequest): Frame {
      const frame: Record<string, unknown> = { op: 'subscribe', topic: req.topic };
      if (req.params !== undefined) frame['params'] = req.params;
      if (req.from !== undefined) frame['from'] = req.from;
      return JSON.stringify(frame);
    },
    unsubscribe(req: SubscribeRequest): Frame {
      return JSON.stringify({ op: 'unsubscribe', topic: req.topic });
    },
    decode: (frame: Frame): DecodeResult => decodeJson(frame, undefined, 0),
    decodeInto: decodeJson,
    closeKind: defaultCloseKind,
    retryAfterMs: retryAfterFromReason,
    ping: () => JSON.stringify({ op: 'ping', t: Date.now() }),
  };
}

/** One decoder for both paths: with a sink, data goes straight to it (nothing allocated). */
function decodeJson(frame: Frame, sink: DataSink | undefined, receivedAt: number): DecodeResult {
  const m = JSON.parse(typeof frame === 'string' ? frame : textDecoder.decode(frame)) as Record<string, unknown>;
  if (m === null || typeof m !== 'object') throw new ProtocolError('DECODE_ERROR', 'frame is not a JSON object');
  switch (m['op']) {
    case 'data': {
      const topic = m['topic'];
      if (!str(topic)) break;
      const seq = seqOf(m, 'data');
      if (sink !== undefined) {
        sink.data(topic, undefined, m['data'], seq, receivedAt);
        return undefined;
      }
      return seq === undefined ? { type: 'data', topic, data: m['data'] } : { type: 'data', topic, data: m['data'], seq };
    }
    case 'subscribed': {
      if (!str(m['topic'])) break;
      const seq = seqOf(m, 'subscribed');
      return seq === undefined ? { type: 'subscribed', topic: m['topic'] } : { type: 'subscribed', topic: m['topic'], seq };
    }
    case 'unsubscribed':
      if (str(m['topic'])) return { type: 'unsubscribed', topic: m['topic'] };
      break;
    case 'error': {
      const code = str(m['code']) ? m['code'] : 'error';
      const message = str(m['message']) ? m['message'] : '';
      const kind = code === 'limit' ? 'limit' : 'rejected';
      return str(m['topic']) ? { type: 'error', topic: m['topic'], code, message, kind } : { type: 'error', code, message };
    }
    case 'ping':
      return { type: 'ping', reply: JSON.stringify({ op: 'pong', t: m['t'] }) };
    case 'pong':
      return { type: 'pong' };
    case 'auth_ok':
      return { type: 'auth-ok' };
    case 'auth_error':
      return {
        type: 'auth-rejected',
        reason: m['code'] === 'expired' ? 'expired' : 'invalid',
        ...(str(m['message']) ? { message: m['message'] } : {}),
      };
    case 'retry': {
      // A finite number >= 0 (0 = "no extra wait"); a string, null, negative or 1e999 (Infinity)
      // is a malformed frame: counted as a decode error, never a hint.
      const afterMs = m['afterMs'];
      if (typeof afterMs === 'number' && Number.isFinite(afterMs) && afterMs >= 0) return { type: 'retry', afterMs };
      break;
    }
  }
  throw new ProtocolError('DECODE_ERROR', `unknown or malformed frame (op: ${describeOp(m['op'])})`);
}

function describeOp(op: unknown): string {
  // Echoed whole or not at all: a cut-off echo of a secret could not be scrubbed by value.
  return typeof op === 'string' ? (op.length <= 32 ? JSON.stringify(op) : `a ${op.length}-character string`) : typeof op;
}

export type { Inbound };
