// The render pipeline: precision -> semantic key -> byte-bounded LRU -> coalesced views.
export { compilePrecision, normalize } from './precision.js';
export { roundDp, roundSig, roundInteger, roundHalfAway, stepRounder } from './rounding.js';
export type {
  PrecisionRule,
  PrecisionMap,
  DecimalPlacesRule,
  SignificantRule,
  StepRule,
  CustomRule,
  CompiledPrecision,
  Normalized,
} from './precision.js';
export { semanticKey, canonical, sameCanonical, identityTag, sortedKeys, MAX_KEY_DEPTH, MAX_SHAPE_NODES } from './key.js';
export { RenderCache, outputBytes, estimateBytes } from './cache.js';
export type { RenderCacheOptions, RenderCacheDeps, Resolved, SizeOf } from './cache.js';
export { Coalescer, COALESCE_TASK } from './coalescer.js';
export { RENDER_TIMEOUT_TASK } from './flight.js';
export type { CoalescerOptions } from './coalescer.js';
export { View } from './view.js';
export { validateViewOptions } from './view-options.js';
export type { ViewOptions, ViewDeps, ViewHost, ViewHooks, ViewDataMeta, RenderState, RenderInfo, DataSource } from './view-options.js';
