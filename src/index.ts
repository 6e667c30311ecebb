// The public surface of steadystream: every export is named here; nothing else is public.
export { StreamClient } from './client/client.js';
export type { StreamClientEvents } from './client/events.js';
export { DEFAULTS, resolveOptions } from './client/options.js';
export type {
  StreamClientOptions,
  ReconnectOptions,
  HeartbeatOptions,
  SubscriptionOptions,
  StaleOptions,
  FallbackOptions,
  RenderOptions,
} from './client/options.js';
export type { ConnectionState, StateChange } from './connection/states.js';
export type { WebSocketConstructor, WebSocketLike } from './connection/transport.js';
export type { Clock } from './core/clock.js';
export {
  StreamClientError,
  ConnectionError,
  AuthError,
  ProtocolError,
  SubscriptionError,
  ClosedError,
  isStreamClientError,
} from './core/errors.js';
export type { StreamErrorCode } from './core/errors.js';
export type { Counters } from './observe/counters.js';
export type { Health } from './observe/health.js';
export type { Logger } from './observe/log.js';
export { jsonProtocol } from './protocol/json.js';
export type { JsonProtocolOptions } from './protocol/json.js';
export { defaultCloseKind, retryAfterFromReason } from './protocol/close-codes.js';
export type {
  Protocol,
  Frame,
  Inbound,
  DecodeResult,
  HandshakeIO,
  SubscribeRequest,
  FrameContext,
  CloseKind,
  ProtocolLimits,
} from './protocol/types.js';
export { noJitter, fullJitter, equalJitter, decorrelatedJitter, hintedDelay } from './reconnect/backoff.js';
export type { BackoffStrategy, BackoffOptions, JitterKind } from './reconnect/backoff.js';
