import type { AuthOptions, AuthRetryOptions, ResolvedAuthOptions } from '../auth/types.js';
import type { JitterKind } from '../core/backoff.js';
import { DEFAULTS } from './defaults.js';
import { delayRange, fn, group, jitterName, ms, num, obj } from './validate.js';

/** The `auth` group validated, with every default filled in, frozen: what the token refresher runs. */
export function resolveAuth(input: unknown): ResolvedAuthOptions {
  const o = obj('auth', input);
  const fetchToken = fn<AuthOptions['fetchToken']>('auth.fetchToken', o['fetchToken']);
  const isFatal = o['isFatal'] === undefined ? DEFAULTS.auth.isFatal : fn<NonNullable<AuthOptions['isFatal']>>('auth.isFatal', o['isFatal']);
  const d = DEFAULTS.auth;
  const retry = group<Required<AuthRetryOptions>>('auth.retry', d.retry, o['retry']);
  delayRange('auth.retry', o['retry'], retry);
  num('auth.retry.factor', retry.factor, 1);
  // Calls per refresh cycle, the first one included: 0 would never call fetchToken.
  num('auth.retry.maxAttempts', retry.maxAttempts, 1, { integer: true, infinite: true });
  jitterName<JitterKind>('auth.retry.jitter', retry.jitter, false);
  return Object.freeze({
    // Bound to the caller's object, so a method that uses `this` keeps working.
    fetchToken: (signal: AbortSignal) => fetchToken.call(input, signal),
    isFatal: (err: unknown) => isFatal.call(input, err),
    refreshBeforeMs: ms('auth.refreshBeforeMs', o['refreshBeforeMs'] ?? d.refreshBeforeMs, 0),
    timeoutMs: ms('auth.timeoutMs', o['timeoutMs'] ?? d.timeoutMs, 1),
    clockSkewMs: ms('auth.clockSkewMs', o['clockSkewMs'] ?? d.clockSkewMs, 0),
    retry: Object.freeze(retry),
  });
}
