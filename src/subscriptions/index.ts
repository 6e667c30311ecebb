// The subscriptions part: what the facade (and the package index) may import.
export { SubscriptionRegistry } from './registry.js';
export type { RegistryDeps, ResolvedRegistryOptions } from './options.js';
export type { FallbackConfig } from './fallback.js';
export type { StaleConfig } from './stale.js';
export type {
  Session,
  SubscribeOptions,
  Subscription,
  SubscriptionState,
  DataMeta,
  StaleInfo,
  RecoverInfo,
  GapInfo,
  EntryInfo,
  TopicCounts,
} from './types.js';
