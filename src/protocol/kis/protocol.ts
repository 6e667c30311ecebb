import { ProtocolError } from '../../core/errors.js';
import type { DecodeResult, Frame, FrameContext, Inbound, Protocol, ProtocolLimits, SubscribeRequest } from '../types.js';
import { decryptWithAny, kisAesDecrypt, type KisAesKey, type KisDecrypt } from './crypto.js';
import { KIS_NOTICE_TRS, KIS_PAPER_ONLY_TRS, KIS_REAL_ONLY_TRS, kisEnv, type KisEnv } from './env.js';
import {
  KIS_MSG,
  KIS_NULL_TR_ID,
  KIS_PINGPONG,
  controlInbound,
  kisTopic,
  parseTopic,
  readControl,
  requestFrame,
  type KisCustType,
  type KisTopic,
} from './frames.js';
import { KisLedger } from './ledger.js';
import { KIS_LAYOUTS, rawRecord, recordCount, splitRecords, type KisRecordLayout } from './records.js';

/** Limits of the KIS realtime socket: the client paces and caps subscriptions with these. */
export const KIS_LIMITS = {
  /** Registrations per session (OPSP0008 beyond). */
  maxSubscriptions: 41,
  /** KIS punishes bursts: one subscribe or unsubscribe about every 100 ms. */
  subscribeIntervalMs: 100,
  /** A subscribe unanswered this long is retried. */
  ackTimeoutMs: 5_000,
} as const satisfies ProtocolLimits;

/** The TR the other environment serves instead, for the up-front refusal's message. */
const OTHER_ENV_TR: Readonly<Record<string, string>> = { H0STCNI0: 'H0STCNI9', H0STCNI9: 'H0STCNI0' };

/** Options of {@link kisProtocol}. */
export interface KisProtocolOptions {
  /**
   * Real or paper trading (모의투자). `'paper'` paces subscribes at 500 ms (KIS's sample) and
   * refuses TRs paper does not serve (H0STCNI0: use H0STCNI9) before sending; `'real'` refuses
   * H0STCNI9. Connect to `KIS_ENV[env].socketUrl`. @default 'real'
   */
  env?: KisEnv;
  /** `custtype` of every subscribe header: `P` personal, `B` business. @default 'P' */
  custtype?: KisCustType;
  /**
   * Record layouts per tr_id, merged over the built-in ones (H0STCNT0 trades, H0STASP0 quotes).
   * A tr_id without a layout still decodes, into `{ trId, symbol, fields }` records.
   * @default {}
   * @example kisProtocol({ trIds: { H0STCNI0: { fieldCount: 26, parse: (f) => ({ order: f[2] }) } } })
   */
  trIds?: Readonly<Record<string, KisRecordLayout>>;
  /**
   * Synchronous AES-256-CBC decryption for encrypted frames (`1|…`).
   * @default kisAesDecrypt — `node:crypto` where Node has it, else a plain-JS AES (browsers)
   */
  decrypt?: KisDecrypt;
  /** Name shown in logs. @default 'kis' */
  name?: string;
}

/** Bound on AES keys kept per session (one per subscribe reply; the limit is 41 topics). */
const MAX_KEYS = 256;
const textDecoder = new TextDecoder();

/**
 * The Korea Investment & Securities (KIS) Open API realtime protocol.
 *
 * - Topics are `tr_id:tr_key` (`H0STCNT0:005930`). The approval key (the client's token, from
 *   `kisApprovalKey`) rides in every subscribe frame; there is no handshake.
 * - Data frames `0|TR|NNN|f^f^…` hold NNN records; each becomes one `data` message on topic
 *   `TR:<field 0>` (or the layout's `trKey`) carrying a typed record ({@link KisTrade}, {@link KisQuote}, or raw fields).
 *   Execution notices (H0STCNI0/H0STCNI9/H0GSCNI0) route by TR to the one subscription of that
 *   TR (its tr_key is the HTS id, field 0 the customer id); a second one is refused up front.
 *   Encrypted frames (`1|…`) are decrypted with the key/iv of that tr_id's subscribe reply.
 * - PINGPONG is echoed as text, verbatim (`{ type: 'ping', reply }`: every KIS sample accepts
 *   it). Liveness is judged by what arrives (PINGPONG included): the client never sends its own
 *   WebSocket ping on KIS (`liveness: 'passive'`); silence for `heartbeat.intervalMs +
 *   timeoutMs` is a dead socket.
 * - Replies: see `controlInbound` (OPSP0011 -> refresh + reconnect; OPSP8996 -> long retry;
 *   OPSP0007/0009/8999 -> retried). A reply with `"tr_id":"(null)"` (OPSP0017 bad HTS id,
 *   OPSP8991/8992 bad tr_id/tr_key) answers the oldest unanswered request: KIS answers in order.
 * - Not resumable: KIS has no replay position.
 *
 * One instance per client: it keeps the session's AES keys (cleared by `reset()`).
 */
export function kisProtocol(options: KisProtocolOptions = {}): Protocol {
  const custtype = options.custtype ?? 'P';
  if (custtype !== 'P' && custtype !== 'B') throw new TypeError("kisProtocol: custtype must be 'P' or 'B'");
  const layouts: Readonly<Record<string, KisRecordLayout>> = { ...KIS_LAYOUTS, ...options.trIds };
  for (const [trId, l] of Object.entries(options.trIds ?? {})) {
    const badKey = l.trKey !== undefined && typeof l.trKey !== 'function';
    if (!(Number.isInteger(l.fieldCount) && l.fieldCount > 0) || typeof l.parse !== 'function' || badKey) {
      throw new TypeError(`kisProtocol: trIds.${trId} needs a positive integer fieldCount, a parse function, and trKey a function if given`);
    }
  }
  const envName = options.env ?? 'real';
  const env = kisEnv(envName, 'kisProtocol');
  const refused = envName === 'paper' ? KIS_REAL_ONLY_TRS : KIS_PAPER_ONLY_TRS;
  const decrypt = options.decrypt ?? kisAesDecrypt;
  const ledger = new KisLedger();
  /** Notice TR -> the tr_key (HTS id) subscribed on this session. */
  const notices = new Map<string, string>();
  /** AES keys of this session: tr_id -> (topic -> key), insertion order = age. */
  const keys = new Map<string, Map<string, KisAesKey>>();
  let keyCount = 0;

  /** Topics this session subscribed: only their replies may add a key (an unrequested ack cannot flood the table). */
  const asked = new Set<string>();

  const remember = (trId: string, topic: string, key: KisAesKey): void => {
    if (!asked.has(topic)) return;
    if (keyCount >= MAX_KEYS) {
      keys.clear();
      keyCount = 0;
    }
    let byTopic = keys.get(trId);
    if (!byTopic) keys.set(trId, (byTopic = new Map()));
    if (!byTopic.delete(topic)) keyCount++;
    byTopic.set(topic, key); // re-inserted: newest last
  };

  const decodeData = (text: string): readonly Inbound[] => {
    // `E|TR|NNN|body`: the body may contain `|` only when encrypted (base64 has none), so split 3 times.
    const a = text.indexOf('|');
    const b = text.indexOf('|', a + 1);
    const c = text.indexOf('|', b + 1);
    if (a !== 1 || b < 0 || c < 0) throw new ProtocolError('DECODE_ERROR', 'KIS data frame: expected "flag|tr_id|count|body"');
    const trId = text.slice(a + 1, b);
    const count = recordCount(text.slice(b + 1, c));
    let body = text.slice(c + 1);
    if (text[0] === '1') body = decryptWithAny(decrypt, body, [...(keys.get(trId)?.values() ?? [])], trId);
    const layout = layouts[trId];
    const notice = notices.size === 0 ? undefined : notices.get(trId);
    const out: Inbound[] = [];
    for (const fields of splitRecords(body, count, trId, layout)) {
      const record = layout ? layout.parse(fields, trId) : rawRecord(fields, trId);
      const trKey = layout?.trKey ? layout.trKey(fields) : (notice ?? fields[0] ?? '');
      out.push({ type: 'data', topic: kisTopic(trId, trKey), data: record });
    }
    return out;
  };

  const decodeControl = (text: string): DecodeResult => {
    let c = readControl(text);
    if (c.trId === KIS_PINGPONG) return { type: 'ping', reply: text };
    // A reply says what happened; one without rt_cd or msg_cd is malformed, not a refusal.
    if (c.rtCd === undefined && c.msgCd === undefined) throw new ProtocolError('DECODE_ERROR', 'KIS reply without rt_cd or msg_cd');
    if (c.msgCd === KIS_MSG.appKeyInUse) return controlInbound(c); // the session's, not a request's
    if (c.trId !== undefined && c.trId !== KIS_NULL_TR_ID && c.trKey) ledger.answered(c.trId, c.trKey);
    else {
      const req = ledger.answerOldest();
      if (req === undefined) return controlInbound(c);
      if (!req.subscribe) return { type: 'ignore' }; // an unsubscribe's refusal: nothing is held either way
      c = { ...c, trId: req.trId, trKey: req.trKey };
    }
    if ((c.msgCd === KIS_MSG.subscribed || c.msgCd === KIS_MSG.alreadySubscribed) && c.aes && c.trId && c.trKey) {
      remember(c.trId, kisTopic(c.trId, c.trKey), c.aes);
    }
    return controlInbound(c);
  };

  /** Refuse what this session cannot serve, before anything is sent. */
  const check = (topic: KisTopic): void => {
    if (refused.has(topic.trId)) {
      const use = OTHER_ENV_TR[topic.trId];
      throw new ProtocolError('SUBSCRIPTION_REJECTED', `KIS ${envName} does not serve ${topic.trId}${use ? `; use ${use}` : ''}`, {
        details: { trId: topic.trId, env: envName },
      });
    }
    const held = KIS_NOTICE_TRS.has(topic.trId) ? notices.get(topic.trId) : undefined;
    if (held !== undefined && held !== topic.trKey) {
      throw new ProtocolError('SUBSCRIPTION_REJECTED', `KIS ${topic.trId}: one notice subscription per session (one HTS id)`, {
        details: { trId: topic.trId },
      });
    }
  };

  return {
    name: options.name ?? 'kis',
    limits: { ...KIS_LIMITS, subscribeIntervalMs: env.subscribeIntervalMs },
    resumable: false,
    liveness: 'passive',
    subscribe(req: SubscribeRequest, ctx: FrameContext): Frame {
      const topic = parseTopic(req.topic);
      if (ctx.token === undefined) {
        throw new ProtocolError('PROTOCOL_ERROR', 'kisProtocol needs an approval key: set auth.fetchToken (e.g. kisApprovalKey(…))');
      }
      check(topic);
      if (KIS_NOTICE_TRS.has(topic.trId)) notices.set(topic.trId, topic.trKey);
      if (asked.size < MAX_KEYS) asked.add(req.topic);
      ledger.sent(topic, true);
      return requestFrame('1', topic, ctx.token, custtype);
    },
    unsubscribe(req: SubscribeRequest, ctx: FrameContext): Frame | undefined {
      if (ctx.token === undefined) return undefined;
      const topic = parseTopic(req.topic);
      if (notices.get(topic.trId) === topic.trKey) notices.delete(topic.trId);
      asked.delete(req.topic);
      ledger.sent(topic, false);
      return requestFrame('2', topic, ctx.token, custtype);
    },
    decode(frame: Frame): DecodeResult {
      const text = typeof frame === 'string' ? frame : textDecoder.decode(frame);
      const first = text[0];
      if (first === '0' || first === '1') return decodeData(text);
      if (first === '{') return decodeControl(text);
      throw new ProtocolError('DECODE_ERROR', `KIS frame starts with neither 0, 1 nor {`);
    },
    reset(): void {
      keys.clear();
      keyCount = 0;
      ledger.clear();
      notices.clear();
      asked.clear();
    },
  };
}
