/**
 * `steadystream/relay` (Node): one upstream session shared by any number of consumers on any
 * number of machines, over NATS JetStream. Needs the optional peers `@nats-io/transport-node`,
 * `@nats-io/jetstream` and `@nats-io/kv`.
 */
export { createRelay, Relay, RELAY_DEFAULTS } from './relay.js';
export type { RelayOptions, RelayEvents, RelayRoleChange } from './relay.js';
export type { StepDownReason } from './lease.js';
export { natsSource } from './source.js';
export type { NatsSource, NatsSourceOptions } from './source.js';
