/** Options of `createKisSimulator()`. Every timing is in ms and small values are fine for tests. */
export interface KisSimulatorOptions {
  /**
   * App key -> app secret pairs the approval endpoint accepts; others get 403 `EGW00103`.
   * @default undefined — any non-empty app key and secret
   */
  credentials?: Readonly<Record<string, string>>;
  /** Lifetime of an issued approval key. @default 86_400_000 (24 h) */
  approvalTtlMs?: number;
  /** Delay of every approval answer (lets concurrent fetches overlap). @default 0 */
  approvalDelayMs?: number;
  /** Registrations per session; the next one gets OPSP0008 MAX SUBSCRIBE OVER. @default 41 */
  maxSubscriptions?: number;
  /** PINGPONG period per session; 0 disables. @default 10_000 (assumed: no source states it) */
  pingIntervalMs?: number;
  /**
   * A session that has not answered a PINGPONG (text echo or a WebSocket pong carrying the
   * text) within this is terminated. No public source documents such a rule. @default 0 (never)
   */
  pongTimeoutMs?: number;
  /**
   * After a half-open drop (`halfOpenAll()`), the server still holds the old session (and its
   * app key) this long, so a reconnect within it meets OPSP8996 (KIS's
   * samples and reports show this; the real duration is not published: assumed). @default 30_000
   */
  halfOpenHoldMs?: number;
  /**
   * tr_ids the server knows; a subscribe to another gets OPSP8991 with `"tr_id":"(null)"`.
   * @default the TRs of KIS's realtime samples ({@link KIS_SIMULATOR_TR_IDS})
   */
  trIds?: readonly string[];
  /**
   * HTS ids a notice TR (H0STCNI0/H0STCNI9/H0GSCNI0) may be subscribed with; another gets
   * OPSP0017 with `"tr_id":"(null)"`. @default undefined — any
   */
  htsIds?: readonly string[];
  /** Timer source of the simulator's own timers (keep-alive, holds). @default the globals */
  timers?: KisSimulatorTimers;
  /** tr_ids whose data is always sent encrypted (`1|…`). @default ['H0STCNI0', 'H0STCNI9'] */
  encryptedTrIds?: readonly string[];
}

/** Timers the simulator arms; tests may share one virtual clock between client and simulator. */
export interface KisSimulatorTimers {
  /** Calls `fn` once after `ms`; returns a handle. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a pending timer. */
  clearTimeout(handle: unknown): void;
}

/** TRs of KIS's realtime samples (open-trading-api `ws_domestic_overseas_all.py`, portal TR list). */
export const KIS_SIMULATOR_TR_IDS = [
  'H0STCNT0',
  'H0STASP0',
  'H0STANC0',
  'H0STMKO0',
  'H0STCNI0',
  'H0STCNI9',
  'H0GSCNI0',
  'H0NXCNT0',
  'H0NXASP0',
  'H0UNCNT0',
  'H0UNASP0',
  'HDFSCNT0',
  'HDFSASP0',
  'HDFSASP1',
] as const;

export interface ResolvedKisSimulatorOptions {
  credentials: Readonly<Record<string, string>> | undefined;
  approvalTtlMs: number;
  approvalDelayMs: number;
  maxSubscriptions: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  encryptedTrIds: ReadonlySet<string>;
  halfOpenHoldMs: number;
  trIds: ReadonlySet<string>;
  htsIds: ReadonlySet<string> | undefined;
  timers: KisSimulatorTimers;
}

/** The defaults of {@link KisSimulatorOptions}. */
export const KIS_SIMULATOR_DEFAULTS = {
  /** See {@link KisSimulatorOptions.approvalTtlMs}. */
  approvalTtlMs: 86_400_000,
  /** See {@link KisSimulatorOptions.approvalDelayMs}. */
  approvalDelayMs: 0,
  /** See {@link KisSimulatorOptions.maxSubscriptions}. */
  maxSubscriptions: 41,
  /** See {@link KisSimulatorOptions.pingIntervalMs}. */
  pingIntervalMs: 10_000,
  /** See {@link KisSimulatorOptions.encryptedTrIds}. */
  encryptedTrIds: ['H0STCNI0', 'H0STCNI9', 'H0GSCNI0'],
  /** See {@link KisSimulatorOptions.pongTimeoutMs}. */
  pongTimeoutMs: 0,
  /** See {@link KisSimulatorOptions.halfOpenHoldMs}. */
  halfOpenHoldMs: 30_000,
} as const;

const globalTimers: KisSimulatorTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

function check(name: string, v: number, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new TypeError(`kis simulator: ${name} must be a finite number >= ${min}`);
  return v;
}

export function resolveKisSimulatorOptions(o: KisSimulatorOptions): ResolvedKisSimulatorOptions {
  const d = KIS_SIMULATOR_DEFAULTS;
  const pingIntervalMs = check('pingIntervalMs', o.pingIntervalMs ?? d.pingIntervalMs, 0);
  return {
    credentials: o.credentials,
    approvalTtlMs: check('approvalTtlMs', o.approvalTtlMs ?? d.approvalTtlMs, 1),
    approvalDelayMs: check('approvalDelayMs', o.approvalDelayMs ?? d.approvalDelayMs, 0),
    maxSubscriptions: check('maxSubscriptions', o.maxSubscriptions ?? d.maxSubscriptions, 0),
    pingIntervalMs,
    pongTimeoutMs: check('pongTimeoutMs', o.pongTimeoutMs ?? d.pongTimeoutMs, 0),
    encryptedTrIds: new Set(o.encryptedTrIds ?? d.encryptedTrIds),
    halfOpenHoldMs: check('halfOpenHoldMs', o.halfOpenHoldMs ?? d.halfOpenHoldMs, 0),
    trIds: new Set(o.trIds ?? KIS_SIMULATOR_TR_IDS),
    htsIds: o.htsIds === undefined ? undefined : new Set(o.htsIds),
    timers: o.timers ?? globalTimers,
  };
}

/** Events of the simulator; each listener gets one payload object. */
export interface KisSimulatorEvents {
  /** The approval endpoint answered (`status` 200 when a key was issued). */
  approval: [
    e: {
      /** The app key that asked. */
      readonly appKey: string;
      /** The HTTP status answered. */
      readonly status: number;
    },
  ];
  /** A socket connected. */
  session: [
    e: {
      /** The session's id. */
      readonly id: number;
    },
  ];
  /** A socket closed, for any reason. */
  disconnect: [
    e: {
      /** The session's id. */
      readonly id: number;
      /** The close code. */
      readonly code: number;
      /** The close reason. */
      readonly reason: string;
    },
  ];
  /** A subscribe (`trType` "1") or unsubscribe ("2") frame was answered with `msgCd`. */
  subscribe: [
    e: {
      /** The session's id. */
      readonly id: number;
      /** `tr_id:tr_key`. */
      readonly topic: string;
      /** `"1"` subscribe, `"2"` unsubscribe. */
      readonly trType: string;
      /** The reply's `msg_cd` (`OPSP0000` when accepted). */
      readonly msgCd: string;
    },
  ];
  /** The server let go of a half-open session (its app key is free). */
  'hold-expired': [
    e: {
      /** The session's id. */
      readonly id: number;
    },
  ];
  /** A PINGPONG went out. */
  ping: [
    e: {
      /** The session's id. */
      readonly id: number;
    },
  ];
  /** A client answered the pending PINGPONG (`how`: a text echo, or a WebSocket pong carrying the text). */
  pong: [
    e: {
      /** The session's id. */
      readonly id: number;
      /** A text echo, or a WebSocket pong carrying the text. */
      readonly how: 'text' | 'pong';
    },
  ];
  /** A client failed to echo in time and was disconnected. */
  'ping-timeout': [
    e: {
      /** The session's id. */
      readonly id: number;
    },
  ];
}

/** The name of a {@link KisSimulatorEvents} event. */
export type KisSimulatorEventName = keyof KisSimulatorEvents;

/** Counters of a simulator (a snapshot: maps are copies). */
export interface KisSimulatorCounters {
  /** Approval keys issued. */
  approvalsIssued: number;
  /** Approval requests refused. */
  approvalsRefused: number;
  /** Sockets accepted. */
  sessionsOpened: number;
  /** Sockets open now. */
  liveSessions: number;
  /** The most sessions ever holding one app key at once: 1 unless the simulator is broken. */
  maxSessionsPerAppKey: number;
  /** Subscribe (`tr_type` "1") frames received, per topic, across sessions. */
  subscribeFrames: Map<string, number>;
  /** Unsubscribe (`tr_type` "2") frames received, per topic. */
  unsubscribeFrames: Map<string, number>;
  /** OPSP0011 replies (unknown or expired approval key). */
  invalidKeyRejections: number;
  /** OPSP8996 replies (app key already in use). */
  inUseRejections: number;
  /** OPSP8991 / OPSP8992 / OPSP0017 replies (unknown tr_id, bad tr_key, bad HTS id). */
  invalidRequestRejections: number;
  /** Injected OPSP0007 / OPSP0009 / OPSP8999 replies. */
  transientRejections: number;
  /** OPSP0008 replies. */
  limitRejections: number;
  /** PINGPONGs sent. */
  pingsSent: number;
  /** PINGPONGs answered. */
  pongsReceived: number;
  /** Sessions disconnected for not answering a PINGPONG in time. */
  pingTimeouts: number;
}
