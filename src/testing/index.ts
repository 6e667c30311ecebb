/**
 * `steadystream/testing`: servers and simulators to test code that uses steadystream, and
 * `pendingTimers(client)` for leak checks. Server side only: nothing here imports the client.
 */
export { createTestServer, TestServer } from './server.js';
export type { RefuseOptions } from './upgrade-gate.js';
export { waitFor, WAIT_FOR_DEFAULT_TIMEOUT_MS } from './wait-for.js';
export { pendingTimers } from './timers.js';
export type { EventSource, WaitForOptions } from './wait-for.js';
export { TEST_SERVER_DEFAULTS, MAX_TRACKED_TOPICS } from './server-options.js';
export type { AuthRejectMode, AuthVerdict, TestServerOptions } from './server-options.js';
export type {
  AuthEvent,
  AuthStatus,
  DisconnectEvent,
  ReceivedFrame,
  RefusedEvent,
  SubscribeEvent,
  TestConnection,
  TestServerEventName,
  TestServerEvents,
  UnsubscribeEvent,
} from './server-events.js';
export { createMemoryNetwork, MemorySocket } from './memory.js';
export type { MemoryNetwork, MemoryNetworkOptions, MemoryPeer } from './memory.js';
export {
  createKisSimulator,
  KisSimulator,
  KisSimSession,
  KIS_IN_USE_CLOSE,
  KIS_SIMULATOR_DEFAULTS,
  KIS_SIMULATOR_TR_IDS,
  kisEncryptBody,
} from './kis/index.js';
export type {
  KisSimulatorOptions,
  KisSimulatorEvents,
  KisSimulatorEventName,
  KisSimulatorCounters,
  KisSimulatorTimers,
  KisSimRecord,
} from './kis/index.js';
