import { ProtocolError } from '../../core/errors.js';

/**
 * Sign of the change against the previous close, as KIS sends it (`PRDY_VRSS_SIGN`):
 * 1 upper limit, 2 up, 3 unchanged, 4 lower limit, 5 down.
 */
export type KisChangeSign = '1' | '2' | '3' | '4' | '5';

/**
 * One H0STCNT0 record: a domestic stock trade (실시간체결가). The fields a ticker shows are
 * named; `fields` keeps the whole record (46 fields in the documented layout), in wire order,
 * so `fields[i]` matches the KIS column list (e.g. `fields[18]` is CTTR, trade strength).
 */
export interface KisTrade {
  /** The TR: domestic stock trades. */
  readonly trId: 'H0STCNT0';
  /** MKSC_SHRN_ISCD, e.g. `005930`. */
  readonly symbol: string;
  /** STCK_CNTG_HOUR, `HHMMSS` (exchange time). */
  readonly time: string;
  /** STCK_PRPR, the last trade price. */
  readonly price: number;
  /** PRDY_VRSS_SIGN. */
  readonly changeSign: KisChangeSign;
  /** PRDY_VRSS, change against the previous close (signed as sent). */
  readonly change: number;
  /** PRDY_CTRT, change in percent. */
  readonly changeRate: number;
  /** STCK_OPRC, the day's open. */
  readonly open: number;
  /** STCK_HGPR, the day's high. */
  readonly high: number;
  /** STCK_LWPR, the day's low. */
  readonly low: number;
  /** ASKP1, the best ask. */
  readonly ask: number;
  /** BIDP1, the best bid. */
  readonly bid: number;
  /** CNTG_VOL, this trade's volume. */
  readonly tradeVolume: number;
  /** ACML_VOL, accumulated volume of the day. */
  readonly volume: number;
  /** The whole record, in wire order (`fields[i]` is the i-th KIS column). */
  readonly fields: readonly string[];
}

/**
 * One H0STASP0 record: the domestic stock order book (실시간호가), 10 levels each side.
 * `fields` keeps the whole record (59 fields, open-trading-api samples). The mid-price
 * variants are other TRs (H0NXASP0 NXT, H0UNASP0 integrated, 65 fields): give them a layout in
 * `trIds`, or they decode as raw records. A longer H0STASP0 record still decodes; the extra
 * fields stay in `fields`.
 */
export interface KisQuote {
  /** The TR: the domestic stock order book. */
  readonly trId: 'H0STASP0';
  /** MKSC_SHRN_ISCD. */
  readonly symbol: string;
  /** BSOP_HOUR, `HHMMSS`. */
  readonly time: string;
  /** ASKP1..10, best first. */
  readonly asks: readonly number[];
  /** BIDP1..10, best first. */
  readonly bids: readonly number[];
  /** ASKP_RSQN1..10, resting size per ask level. */
  readonly askSizes: readonly number[];
  /** BIDP_RSQN1..10, resting size per bid level. */
  readonly bidSizes: readonly number[];
  /** TOTAL_ASKP_RSQN, resting size on the ask side. */
  readonly totalAskSize: number;
  /** TOTAL_BIDP_RSQN, resting size on the bid side. */
  readonly totalBidSize: number;
  /** ANTC_CNPR, the expected match price (auction periods; 0 otherwise). */
  readonly expectedPrice: number;
  /** ACML_VOL, accumulated volume of the day. */
  readonly volume: number;
  /** The whole record, in wire order (`fields[i]` is the i-th KIS column). */
  readonly fields: readonly string[];
}

/** A record of a tr_id without a built-in layout: the symbol (field 0) and every field. */
export interface KisRawRecord {
  /** The record's TR. */
  readonly trId: string;
  /** Field 0 (the symbol, for KIS's market data TRs). */
  readonly symbol: string;
  /** The whole record, in wire order. */
  readonly fields: readonly string[];
}

/** What a `data` message of `kisProtocol()` carries. Narrow on `trId`. */
export type KisRecord = KisTrade | KisQuote | KisRawRecord;

/**
 * How records of one tr_id are laid out: the documented field count (the width used to split
 * multi-record frames) and a parser from the fields to a typed record.
 */
export interface KisRecordLayout {
  /** Fields per record: the width used to split a multi-record frame. */
  readonly fieldCount: number;
  /** The record's fields to the value `onData` receives. */
  parse(fields: readonly string[], trId: string): unknown;
  /** The tr_key a record belongs to (its topic is `tr_id:tr_key`). @default field 0 */
  trKey?(fields: readonly string[]): string;
}

/**
 * A numeric field: plain decimal (`71000`, `-500`, `+1.25`) or `NaN`, never a made-up value.
 * Empty, `-`, blanks, hex, exponents and `Infinity` are `NaN` (`Number()` alone would read
 * ' ' as 0 and '0x10' as 16); the text stays in `fields`. Beyond 2^53 precision is lost.
 */
function num(s: string | undefined): number {
  if (s === undefined) return Number.NaN;
  const n = s.length;
  let i = n > 0 && (s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43) ? 1 : 0; // '-' or '+'
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return Number.NaN;
  }
  return digits === 0 ? Number.NaN : Number(s);
}

function range(fields: readonly string[], from: number, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = num(fields[from + i]);
  return out;
}

function parseTrade(f: readonly string[]): KisTrade {
  return {
    trId: 'H0STCNT0',
    symbol: f[0] ?? '',
    time: f[1] ?? '',
    price: num(f[2]),
    changeSign: (f[3] ?? '3') as KisChangeSign,
    change: num(f[4]),
    changeRate: num(f[5]),
    open: num(f[7]),
    high: num(f[8]),
    low: num(f[9]),
    ask: num(f[10]),
    bid: num(f[11]),
    tradeVolume: num(f[12]),
    volume: num(f[13]),
    fields: f,
  };
}

function parseQuote(f: readonly string[]): KisQuote {
  return {
    trId: 'H0STASP0',
    symbol: f[0] ?? '',
    time: f[1] ?? '',
    asks: range(f, 3, 10),
    bids: range(f, 13, 10),
    askSizes: range(f, 23, 10),
    bidSizes: range(f, 33, 10),
    totalAskSize: num(f[43]),
    totalBidSize: num(f[44]),
    expectedPrice: num(f[47]),
    volume: num(f[53]),
    fields: f,
  };
}

/** Field counts of the documented layouts (KIS open-trading-api samples). */
export const KIS_FIELD_COUNTS = {
  /** Trades. */
  H0STCNT0: 46,
  /** Order book. */
  H0STASP0: 59,
} as const;

/** The built-in layouts: trades and the order book of the domestic stock market. */
export const KIS_LAYOUTS: Readonly<Record<string, KisRecordLayout>> = {
  H0STCNT0: { fieldCount: KIS_FIELD_COUNTS.H0STCNT0, parse: parseTrade },
  H0STASP0: { fieldCount: KIS_FIELD_COUNTS.H0STASP0, parse: parseQuote },
};

/** Records of tr_ids without a layout keep their fields as they are. */
export function rawRecord(fields: readonly string[], trId: string): KisRawRecord {
  return { trId, symbol: fields[0] ?? '', fields };
}

/** `NNN` of a data frame: 1 to 3 decimal digits, 1..999; anything else is `NaN`. */
export function recordCount(text: string): number {
  if (text.length === 0 || text.length > 3) return Number.NaN;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return Number.NaN;
  }
  return Number(text);
}

/**
 * Split a data body (`^`-separated fields of `count` records, concatenated) into records.
 * The width is the layout's field count when the body matches it exactly; otherwise the body
 * must divide evenly by `count` (a server that appended fields to a layout still decodes), but
 * a body that holds a whole number of records other than `count` is a lying count, refused
 * rather than read as fewer, wider records (which would drop records silently).
 */
export function splitRecords(body: string, count: number, trId: string, layout: KisRecordLayout | undefined): string[][] {
  if (!Number.isInteger(count) || count < 1) throw new ProtocolError('DECODE_ERROR', `KIS ${trId} frame: bad record count`, { details: { trId } });
  const fields = body.split('^');
  const exact = layout !== undefined && fields.length === layout.fieldCount * count;
  const width = exact ? layout.fieldCount : fields.length / count;
  const lyingCount = !exact && layout !== undefined && fields.length % layout.fieldCount === 0;
  if (!Number.isInteger(width) || lyingCount || (layout !== undefined && width < layout.fieldCount)) {
    const expected = layout ? `${layout.fieldCount} × ${count}` : `a multiple of ${count}`;
    throw new ProtocolError('DECODE_ERROR', `KIS ${trId} frame: ${fields.length} fields, expected ${expected}`, {
      details: { trId, count, fields: fields.length },
    });
  }
  if (count === 1) return [fields];
  const out: string[][] = [];
  for (let i = 0; i < count; i++) out.push(fields.slice(i * width, (i + 1) * width));
  return out;
}
