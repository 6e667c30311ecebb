// What a token source yields: shared by the refresher (auth/) and the KIS approval key (protocol/kis).

/**
 * What `fetchToken` resolves with. Give the lifetime either as an absolute `expiresAt` (epoch
 * ms, the token service's clock) or as a relative `expiresInMs` (safe against clock skew
 * between you and the token service). When both are given, the earlier expiry wins.
 */
export interface TokenResult {
  /** The secret. Registered with the log redactor the moment it arrives; never logged. */
  token: string;
  /** Absolute expiry, epoch ms. */
  expiresAt?: number;
  /** Lifetime from the moment `fetchToken` resolves, ms. */
  expiresInMs?: number;
}
