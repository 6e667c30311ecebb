import type { CloseKind } from './types.js';

/**
 * The default close classification, one decision per code family. Protocols override it
 * for their own 4xxx codes.
 */
export function defaultCloseKind(code: number, _reason: string): CloseKind {
  // 4401: credential expired; 4403: credential refused. Both: refresh, then reconnect.
  if (code === 4401 || code === 4403) return 'auth';
  // 1002 protocol error, 1003 unsupported data, 1007 invalid payload, 1008 policy violation:
  // the same client would be refused again.
  if (code === 1002 || code === 1003 || code === 1007 || code === 1008) return 'fatal';
  // 4400 bad request; 4404 not found: a configuration error, not a network one.
  if (code === 4400 || code === 4404) return 'fatal';
  // 1000 normal (server restart), 1001 going away, 1006 abnormal (RST, FIN storm),
  // 1011 server error, 1012 service restart, 1013 try again later, anything else: retry.
  return 'retry';
}

/** Reads `retry-after=<ms>` (or `retry-after: <ms>`) from a 1013 close reason. */
export function retryAfterFromReason(code: number, reason: string): number | undefined {
  if (code !== 1013) return undefined;
  const m = /retry-after\s*[=:]\s*(\d+)/i.exec(reason);
  return m ? Number(m[1]) : undefined;
}
