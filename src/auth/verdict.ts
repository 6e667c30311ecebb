import type { TokenRefresher } from './refresher.js';

/**
 * What the server's refusal of `token` means for the connection. With a token service, a refused
 * token is invalidated and the connection retries with a fresh one; a refusal of the token that
 * replaced a refused one is final (`invalidate().repeated`). Without a token service there is no
 * other credential to try: final.
 */
export function rejectionVerdict(auth: Pick<TokenRefresher, 'invalidate'> | undefined, token: string | undefined): 'retry' | 'fatal' {
  return auth !== undefined && !auth.invalidate(token).repeated ? 'retry' : 'fatal';
}
