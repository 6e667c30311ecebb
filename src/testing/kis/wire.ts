import { createCipheriv, randomBytes } from 'node:crypto';

/**
 * The simulator's side of the KIS wire: reply and data frames, record builders, AES. Written
 * independently of `src/protocol/kis` (the testing entry never imports the client), so the
 * integration tests check two implementations against each other.
 */

/** Field counts of the documented layouts: H0STCNT0 trades and H0STASP0 quotes. */
export const SIM_FIELD_COUNTS: Readonly<Record<string, number>> = { H0STCNT0: 46, H0STASP0: 59 };

/** A record to publish: raw fields, or the values a ticker shows (built into a full record). */
export type KisSimRecord =
  | readonly string[]
  | {
      /** The last trade price. @default 70_000 */
      readonly price?: number;
      /** Change against the previous close. @default 0 */
      readonly change?: number;
      /** Change in percent. */
      readonly changeRate?: number;
      /** 1 upper limit, 2 up, 3 unchanged, 4 lower limit, 5 down. Derived from `change` when omitted. */
      readonly changeSign?: '1' | '2' | '3' | '4' | '5';
      /** This trade's volume. */
      readonly tradeVolume?: number;
      /** Accumulated volume of the day. */
      readonly volume?: number;
      /** `HHMMSS`. @default now (UTC) */
      readonly time?: string;
    };

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `n` random alphanumeric characters (AES key/iv material, as KIS sends it: plain text). */
export function randomText(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

/** AES-256-CBC (PKCS#7), base64: how KIS encrypts a data body. */
export function encryptBody(plain: string, key: string, iv: string): string {
  const cipher = createCipheriv('aes-256-cbc', Buffer.from(key, 'utf8'), Buffer.from(iv, 'utf8'));
  return Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function hhmmss(d: Date): string {
  return `${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`;
}

/** The PINGPONG frame, `datetime` as `YYYYMMDDHHMMSS`. */
export function pingFrame(now = new Date()): string {
  const date = `${now.getUTCFullYear()}${pad2(now.getUTCMonth() + 1)}${pad2(now.getUTCDate())}`;
  return JSON.stringify({ header: { tr_id: 'PINGPONG', datetime: `${date}${hhmmss(now)}` } });
}

/**
 * A control reply as KIS sends it. `output` carries the AES key/iv of a subscribe success;
 * `encrypt` is "Y" in the ack of a TR whose data is encrypted (open-trading-api
 * `ws_domestic_overseas_all.py` reads `header.encrypt` of the ack).
 */
export function replyFrame(
  trId: string,
  trKey: string,
  rtCd: '0' | '1' | '9',
  msgCd: string,
  msg1: string,
  output?: { iv: string; key: string },
  encrypt: 'Y' | 'N' = 'N',
): string {
  const body: Record<string, unknown> = { rt_cd: rtCd, msg_cd: msgCd, msg1 };
  if (output) body['output'] = output;
  return JSON.stringify({ header: { tr_id: trId, tr_key: trKey, encrypt }, body });
}

/**
 * A reply KIS does not tie to a topic: `"tr_id":"(null)"`, empty tr_key. OPSP8996 (rt_cd "9"),
 * OPSP0017 bad HTS id, OPSP8991/8992 (open-trading-api samples and issue reports).
 */
export function nullReplyFrame(rtCd: '1' | '9', msgCd: string, msg1: string): string {
  return replyFrame('(null)', '', rtCd, msgCd, msg1);
}

function signOf(change: number): '2' | '3' | '5' {
  return change > 0 ? '2' : change < 0 ? '5' : '3';
}

function tradeFields(symbol: string, r: Exclude<KisSimRecord, readonly string[]>): string[] {
  const price = r.price ?? 70_000;
  const change = r.change ?? 0;
  const f = new Array<string>(46).fill('0');
  f[0] = symbol;
  f[1] = r.time ?? hhmmss(new Date());
  f[2] = String(price);
  f[3] = r.changeSign ?? signOf(change);
  f[4] = String(change);
  f[5] = (r.changeRate ?? 0).toFixed(2);
  f[7] = f[8] = f[9] = String(price - change);
  f[10] = String(price + 100);
  f[11] = String(price);
  f[12] = String(r.tradeVolume ?? 1);
  f[13] = String(r.volume ?? 1);
  return f;
}

function quoteFields(symbol: string, r: Exclude<KisSimRecord, readonly string[]>): string[] {
  const price = r.price ?? 70_000;
  const f = new Array<string>(59).fill('0');
  f[0] = symbol;
  f[1] = r.time ?? hhmmss(new Date());
  for (let i = 0; i < 10; i++) {
    f[3 + i] = String(price + (i + 1) * 100); // asks, best first
    f[13 + i] = String(price - i * 100); // bids, best first
    f[23 + i] = String((i + 1) * 10);
    f[33 + i] = String((i + 1) * 20);
  }
  f[43] = '550';
  f[44] = '1100';
  f[53] = String(r.volume ?? 1);
  return f;
}

/** Build the `^`-joined fields of one record of `trId`. Objects need a built-in layout. */
export function recordText(trId: string, symbol: string, r: KisSimRecord): string {
  if (Array.isArray(r)) return (r as readonly string[]).join('^');
  const obj = r as Exclude<KisSimRecord, readonly string[]>;
  if (trId === 'H0STCNT0') return tradeFields(symbol, obj).join('^');
  if (trId === 'H0STASP0') return quoteFields(symbol, obj).join('^');
  throw new TypeError(`kis simulator: no record builder for ${trId}; publish raw field arrays`);
}

/** `E|TR|NNN|body`: NNN zero-padded to 3 digits; an encrypted body is AES + base64. */
export function dataFrame(trId: string, body: string, count: number, aes?: { key: string; iv: string }): string {
  const flag = aes ? '1' : '0';
  const payload = aes ? encryptBody(body, aes.key, aes.iv) : body;
  return `${flag}|${trId}|${String(count).padStart(3, '0')}|${payload}`;
}
