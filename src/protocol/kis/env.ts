/**
 * KIS's two environments. Real trading and paper trading (모의투자) differ in hosts, pacing,
 * the execution-notice TR and which TRs exist at all.
 * Source: koreainvestment/open-trading-api `kis_devlp.yaml` (prod/vps URLs and ports),
 * `examples_user/kis_auth.py` (0.1 s / 0.5 s subscribe pacing, H0STCNI0 vs H0STCNI9).
 */
export type KisEnv = 'real' | 'paper';

/** What differs between KIS's environments. */
export interface KisEnvSettings {
  /** REST base of the approval endpoint. */
  readonly restUrl: string;
  /** The realtime socket. */
  readonly socketUrl: string;
  /** Subscribe/unsubscribe pacing KIS's own sample uses. */
  readonly subscribeIntervalMs: number;
  /** Domestic execution notices (체결통보) for this environment. */
  readonly noticeTrId: 'H0STCNI0' | 'H0STCNI9';
}

/** The hosts and pacing of each {@link KisEnv}. */
export const KIS_ENV: Readonly<Record<KisEnv, KisEnvSettings>> = {
  real: {
    restUrl: 'https://openapi.koreainvestment.com:9443',
    socketUrl: 'ws://ops.koreainvestment.com:21000',
    subscribeIntervalMs: 100,
    noticeTrId: 'H0STCNI0',
  },
  paper: {
    restUrl: 'https://openapivts.koreainvestment.com:29443',
    socketUrl: 'ws://ops.koreainvestment.com:31000',
    subscribeIntervalMs: 500,
    noticeTrId: 'H0STCNI9',
  },
};

/**
 * Execution-notice TRs: subscribed with the HTS id as tr_key, their records carry the customer
 * id in field 0, so they route by TR, not by record field.
 */
export const KIS_NOTICE_TRS: ReadonlySet<string> = new Set(['H0STCNI0', 'H0STCNI9', 'H0GSCNI0']);

/**
 * TRs that exist only on the real server: paper answers them with an error, so `env: 'paper'`
 * refuses them before sending. H0STCNI0 is real's notice TR (paper has H0STCNI9, and real
 * does not serve H0STCNI9). Other paper gaps are not listed in a public source: assumed none.
 */
export const KIS_REAL_ONLY_TRS: ReadonlySet<string> = new Set(['H0STCNI0']);
/** TRs that exist only on paper. */
export const KIS_PAPER_ONLY_TRS: ReadonlySet<string> = new Set(['H0STCNI9']);

/** The settings of `env`; throws a `TypeError` naming the allowed values. */
export function kisEnv(env: unknown, who: string): KisEnvSettings {
  if (env !== 'real' && env !== 'paper') throw new TypeError(`${who}: env must be 'real' or 'paper'`);
  return KIS_ENV[env];
}
