export { TokenRefresher, AUTH_TASKS } from './refresher.js';
export { isFatalTokenError } from './classify.js';
export { rejectionVerdict } from './verdict.js';
export { proactiveRefreshDelay } from './schedule.js';
export type { AuthOptions, AuthRetryOptions, ResolvedAuthOptions, TokenRefresherDeps, TokenResult } from './types.js';
