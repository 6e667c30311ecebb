import type { StateChange } from '../connection/states.js';
import type { StreamClientError } from '../core/errors.js';

/** The typed event map of `StreamClient`. */
export interface StreamClientEvents {
  /** One per connection state transition. */
  state: [change: StateChange];
  /** Every error the client reports: gave up, token failure, malformed frame, subscription errors. */
  error: [error: StreamClientError];
  /** A new token was obtained (its expiry only; the token itself is never emitted). */
  token: [
    info: {
      /** When the new token expires (epoch ms). */
      expiresAt: number;
    },
  ];
}
