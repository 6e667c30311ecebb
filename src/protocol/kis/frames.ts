import { ProtocolError } from '../../core/errors.js';
import { boundedText } from '../bounded-text.js';
import type { Inbound } from '../types.js';

/** The `msg_cd` values of KIS control replies that the protocol acts on. */
export const KIS_MSG = {
  /** SUBSCRIBE SUCCESS (carries the AES key/iv in `output`). */
  subscribed: 'OPSP0000',
  /** UNSUBSCRIBE SUCCESS. */
  unsubscribed: 'OPSP0001',
  /** ALREADY IN SUBSCRIBE: the session holds it already; a success. */
  alreadySubscribed: 'OPSP0002',
  /** UNSUBSCRIBE ERROR (not found): nothing to remove; treated as unsubscribed. */
  unsubscribeUnknown: 'OPSP0003',
  /** MAX SUBSCRIBE OVER: 41 per session. */
  limit: 'OPSP0008',
  /** invalid approval: the approval key is unknown or expired. */
  invalidApprovalKey: 'OPSP0011',
  /** ALREADY IN USE appkey: another live session holds this app key. */
  appKeyInUse: 'OPSP8996',
  /** SUBSCRIBE internal error: transient, retried with backoff. */
  internalError: 'OPSP0007',
  /** MCI send failed: transient, retried with backoff. */
  mciSendFailed: 'OPSP0009',
  /** Resource not available: transient, retried with backoff. */
  resourceUnavailable: 'OPSP8999',
  /** Invalid HTS id (a notice TR's tr_key): answered with `"tr_id":"(null)"`. */
  badHtsId: 'OPSP0017',
  /** Invalid tr_id. */
  invalidTrId: 'OPSP8991',
  /** Invalid tr_key. */
  invalidTrKey: 'OPSP8992',
} as const;

/** The `tr_id` KIS puts in replies it does not tie to a topic (open-trading-api samples). */
export const KIS_NULL_TR_ID = '(null)';

/** Failures the server may not repeat: the subscribe is retried with backoff (open-trading-api samples). */
const TRANSIENT: ReadonlySet<string> = new Set([KIS_MSG.internalError, KIS_MSG.mciSendFailed, KIS_MSG.resourceUnavailable]);

/** The tr_id of the server's keep-alive, echoed back verbatim. */
export const KIS_PINGPONG = 'PINGPONG';

/**
 * Reconnect hint after OPSP8996: the other session (often our own previous socket that the
 * server has not noticed is gone) must time out first. The client waits at least this long
 * (jittered), beyond `reconnect.maxDelayMs` up to `reconnect.maxHintMs`.
 */
export const KIS_IN_USE_RETRY_MS = 60_000;

/** Customer type of the subscribe header: `P` personal, `B` business. */
export type KisCustType = 'P' | 'B';

/** A KIS topic: `tr_id:tr_key`, e.g. `H0STCNT0:005930`. */
export interface KisTopic {
  /** The TR, e.g. `H0STCNT0`. */
  readonly trId: string;
  /** The key within the TR: a symbol, or an HTS id for execution notices. */
  readonly trKey: string;
}

/** Split `H0STCNT0:005930` into tr_id and tr_key (both required; the key may contain `:`). */
export function parseTopic(topic: string): KisTopic {
  const at = topic.indexOf(':');
  if (at <= 0 || at === topic.length - 1) {
    throw new TypeError(`KIS topic must be "tr_id:tr_key" (e.g. "H0STCNT0:005930"), got ${JSON.stringify(topic.slice(0, 40))}`);
  }
  return { trId: topic.slice(0, at), trKey: topic.slice(at + 1) };
}

/** The topic data and replies of `trId` / `trKey` route to. */
export function kisTopic(trId: string, trKey: string): string {
  return `${trId}:${trKey}`;
}

/** A subscribe (`tr_type` "1") or unsubscribe ("2") frame. The approval key rides in every one. */
export function requestFrame(trType: '1' | '2', topic: KisTopic, approvalKey: string, custtype: KisCustType): string {
  return JSON.stringify({
    header: { approval_key: approvalKey, custtype, tr_type: trType, 'content-type': 'utf-8' },
    body: { input: { tr_id: topic.trId, tr_key: topic.trKey } },
  });
}

/** A control reply, as far as the protocol reads it. */
export interface KisControl {
  readonly trId: string | undefined;
  readonly trKey: string | undefined;
  readonly rtCd: string | undefined;
  readonly msgCd: string | undefined;
  readonly msg: string;
  /** `output.key` / `output.iv`, when the reply carries both. */
  readonly aes: { readonly key: string; readonly iv: string } | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined);

/** Read a JSON control frame (reply or PINGPONG). Throws `DECODE_ERROR` on malformed JSON. */
export function readControl(text: string): KisControl {
  let m: Record<string, unknown> | undefined;
  try {
    m = obj(JSON.parse(text));
  } catch {
    m = undefined;
  }
  const header = obj(m?.['header']);
  if (!header) throw new ProtocolError('DECODE_ERROR', 'KIS control frame is not a JSON object with a header');
  const body = obj(m?.['body']);
  const output = obj(body?.['output']);
  const key = str(output?.['key']);
  const iv = str(output?.['iv']);
  return {
    trId: str(header['tr_id']),
    trKey: str(header['tr_key']),
    rtCd: str(body?.['rt_cd']),
    msgCd: str(body?.['msg_cd']),
    msg: boundedText(str(body?.['msg1']) ?? '', 200), // never cut inside an echoed approval key
    aes: key && iv ? { key, iv } : undefined,
  };
}

/**
 * Map a control reply to inbound messages. The decision list, one line per code:
 * - OPSP0000 / OPSP0002: `subscribed` (ALREADY IN SUBSCRIBE means the session holds it);
 * - OPSP0001 / OPSP0003: `unsubscribed`;
 * - OPSP0008: topic `error`, kind `limit` -> `SUBSCRIPTION_LIMIT` on the handles;
 * - OPSP0011: `auth-rejected` first (the connection invalidates the key, refreshes, reconnects,
 *   resubscribes), then the topic `error` of kind `auth` (ignored once the session is gone);
 * - OPSP8996: a `retry` hint of {@link KIS_IN_USE_RETRY_MS}; the server ends the session;
 * - OPSP0007 / OPSP0009 / OPSP8999: topic `error`, kind `transient` (retried with backoff);
 * - any other `rt_cd` "0": `ignore`; any other failure: topic `error`, kind `rejected`
 *   (OPSP0017, OPSP8991, OPSP8992 … -> `SUBSCRIPTION_REJECTED` carrying the KIS code).
 * A reply with `"tr_id":"(null)"` reaches here with the topic of the request it answers.
 */
export function controlInbound(c: KisControl): Inbound | readonly Inbound[] {
  const topic = c.trId !== undefined && c.trKey !== undefined && c.trKey !== '' ? kisTopic(c.trId, c.trKey) : undefined;
  const code = c.msgCd ?? `rt_cd:${c.rtCd ?? '?'}`;
  const error = (kind: 'limit' | 'auth' | 'rejected' | 'transient'): Inbound =>
    topic === undefined ? { type: 'error', code, message: c.msg, kind } : { type: 'error', topic, code, message: c.msg, kind };
  switch (c.msgCd) {
    case KIS_MSG.subscribed:
    case KIS_MSG.alreadySubscribed:
      return topic === undefined ? { type: 'ignore' } : { type: 'subscribed', topic };
    case KIS_MSG.unsubscribed:
    case KIS_MSG.unsubscribeUnknown:
      return topic === undefined ? { type: 'ignore' } : { type: 'unsubscribed', topic };
    case KIS_MSG.limit:
      return error('limit');
    case KIS_MSG.invalidApprovalKey:
      return [{ type: 'auth-rejected', reason: 'invalid', message: c.msg }, error('auth')];
    case KIS_MSG.appKeyInUse:
      return { type: 'retry', afterMs: KIS_IN_USE_RETRY_MS };
  }
  if (c.rtCd === '0') return { type: 'ignore' };
  return error(c.msgCd !== undefined && TRANSIENT.has(c.msgCd) ? 'transient' : 'rejected');
}
