/** The longest `Retry-After` honoured from an HTTP answer: a server cannot park a client for days. */
export const MAX_RETRY_AFTER_MS = 600_000;

/**
 * An HTTP `Retry-After` value (delta seconds, or an HTTP date against the wall time `now`) in ms,
 * within [0, MAX_RETRY_AFTER_MS]; `undefined` when absent or unreadable (RFC 9110 §10.2.3).
 */
export function parseRetryAfter(value: string | readonly string[] | null | undefined, now: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : (value as string | null | undefined))?.trim();
  if (!v) return undefined;
  // Every HTTP-date format opens with a day name: `1.5` or `-5` is unreadable, not a date to Date.parse.
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : /^[a-z]{3}/i.test(v) ? Date.parse(v) - now : NaN;
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined;
}
