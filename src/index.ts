// The public surface of steadystream: every export is named here; nothing else is public.
// Views live in steadystream/render (createViews); the protocols re-exported below tree-shake
// away when unused and have their own entries (steadystream/graphql-ws, steadystream/kis).
export { StreamClient } from './client/client.js';
export type { StreamClientEvents } from './client/events.js';
export { DEFAULTS } from './client/defaults.js';
export type { ClientDefaults } from './client/defaults.js';
export { resolveOptions } from './client/resolve.js';
export type { ResolvedOptions } from './client/resolve.js';
export type {
  StreamClientOptions,
  ReconnectOptions,
  HeartbeatOptions,
  SubscriptionOptions,
  SubscribeRetryOptions,
  StaleOptions,
  FallbackOptions,
  RenderOptions,
} from './client/options.js';
export type { ConnectionState, StateChange } from './connection/states.js';
export type { HeadersOption, TlsMaterial, TlsOptions } from './connection/network.js';
export type { TlsFailure } from './connection/socket-errors.js';
export type { WebSocketConstructor, WebSocketLike, WebSocketHandler } from './connection/transport.js';
export type { Clock } from './core/clock.js';
export { systemClock } from './core/clock.js';
export {
  StreamClientError,
  ConnectionError,
  AuthError,
  ProtocolError,
  SubscriptionError,
  ClosedError,
  isStreamClientError,
} from './core/errors.js';
export type { StreamErrorCode, StreamClientErrorWithCode, StreamClientErrorOptions } from './core/errors.js';
export type { Counters } from './observe/counters.js';
export type { Health } from './observe/health.js';
export type { Logger, LogFn } from './observe/log.js';
export { jsonProtocol } from './protocol/json.js';
export type { JsonProtocolOptions } from './protocol/json.js';
export { defaultCloseKind, retryAfterFromReason } from './protocol/close-codes.js';
export type {
  Protocol,
  Frame,
  Inbound,
  DecodeResult,
  DataSink,
  HandshakeIO,
  SubscribeRequest,
  FrameContext,
  CloseKind,
  ProtocolLimits,
  SubscriptionErrorKind,
} from './protocol/types.js';
export { noJitter, fullJitter, equalJitter, decorrelatedJitter, hintedDelay } from './core/backoff.js';
export type { BackoffStrategy, BackoffOptions, JitterKind, RandomSource } from './core/backoff.js';
export type {
  Subscription,
  SubscribeOptions,
  SubscriptionState,
  DataMeta,
  StaleInfo,
  RecoverInfo,
  GapInfo,
  TopicCounts,
} from './subscriptions/index.js';
export type { View } from './render/view.js';
export type { Views, MakeViews } from './render/views-slot.js';
export type {
  ViewOptions,
  RenderState,
  RenderInfo,
  DataSource,
} from './render/view-options.js';
export type {
  PrecisionMap,
  PrecisionRule,
  DecimalPlacesRule,
  SignificantRule,
  StepRule,
  CustomRule,
  Normalized,
} from './render/precision.js';
export type { AuthOptions, AuthRetryOptions, ResolvedAuthOptions, TokenResult } from './auth/index.js';
export {
  graphqlWsProtocol,
  graphqlWsCloseKind,
  tokenConnectionParams,
  GRAPHQL_TRANSPORT_WS,
  GRAPHQL_WS_ACK_TIMEOUT_MS,
} from './protocol/graphql-ws.js';
export type { GraphqlWsProtocolOptions, GraphqlOperation } from './protocol/graphql-ws.js';
export {
  kisProtocol,
  kisApprovalKey,
  KisApprovalError,
  KIS_LIMITS,
  KIS_MSG,
  KIS_PINGPONG,
  KIS_IN_USE_RETRY_MS,
  KIS_APPROVAL_TTL_MS,
  KIS_ENV,
  KIS_FIELD_COUNTS,
  KIS_LAYOUTS,
  kisAesDecrypt,
  nodeAesDecrypt,
  parseKisTopic,
} from './protocol/kis/index.js';
export type {
  KisProtocolOptions,
  KisApprovalOptions,
  KisFetch,
  KisResponse,
  KisEnv,
  KisEnvSettings,
  KisCustType,
  KisTopic,
  KisRecord,
  KisTrade,
  KisQuote,
  KisRawRecord,
  KisRecordLayout,
  KisChangeSign,
  KisDecrypt,
} from './protocol/kis/index.js';
