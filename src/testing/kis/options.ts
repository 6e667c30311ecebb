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
  /** PINGPONG period per session; 0 disables. @default 10_000 */
  pingIntervalMs?: number;
  /** A session that has not echoed a PINGPONG within this is terminated. @default pingIntervalMs */
  pongTimeoutMs?: number;
  /** tr_ids whose data is always sent encrypted (`1|…`). @default ['H0STCNI0', 'H0STCNI9'] */
  encryptedTrIds?: readonly string[];
}

export interface ResolvedKisSimulatorOptions {
  credentials: Readonly<Record<string, string>> | undefined;
  approvalTtlMs: number;
  approvalDelayMs: number;
  maxSubscriptions: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  encryptedTrIds: ReadonlySet<string>;
}

export const KIS_SIMULATOR_DEFAULTS = {
  approvalTtlMs: 86_400_000,
  approvalDelayMs: 0,
  maxSubscriptions: 41,
  pingIntervalMs: 10_000,
  encryptedTrIds: ['H0STCNI0', 'H0STCNI9'],
} as const;

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
    pongTimeoutMs: check('pongTimeoutMs', o.pongTimeoutMs ?? (pingIntervalMs || 1), 1),
    encryptedTrIds: new Set(o.encryptedTrIds ?? d.encryptedTrIds),
  };
}

/** Events of the simulator; each listener gets one payload object. */
export interface KisSimulatorEvents {
  /** The approval endpoint answered (`status` 200 when a key was issued). */
  approval: [e: { readonly appKey: string; readonly status: number }];
  /** A socket connected. */
  session: [e: { readonly id: number }];
  /** A socket closed, for any reason. */
  disconnect: [e: { readonly id: number; readonly code: number; readonly reason: string }];
  /** A subscribe (`trType` "1") or unsubscribe ("2") frame was answered with `msgCd`. */
  subscribe: [e: { readonly id: number; readonly topic: string; readonly trType: string; readonly msgCd: string }];
  /** A PINGPONG went out. */
  ping: [e: { readonly id: number }];
  /** A client echoed the pending PINGPONG. */
  pong: [e: { readonly id: number }];
  /** A client failed to echo in time and was disconnected. */
  'ping-timeout': [e: { readonly id: number }];
}

export type KisSimulatorEventName = keyof KisSimulatorEvents;

/** Counters of a simulator (a snapshot: maps are copies). */
export interface KisSimulatorCounters {
  approvalsIssued: number;
  approvalsRefused: number;
  sessionsOpened: number;
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
  /** OPSP0008 replies. */
  limitRejections: number;
  pingsSent: number;
  pongsReceived: number;
  pingTimeouts: number;
}
