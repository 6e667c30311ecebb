// The KIS realtime simulator of `steadystream/testing` (server side only).
export { createKisSimulator, KisSimulator } from './simulator.js';
export { KisSimSession, IN_USE_CLOSE as KIS_IN_USE_CLOSE } from './session.js';
export { KIS_SIMULATOR_DEFAULTS, KIS_SIMULATOR_TR_IDS } from './options.js';
export type { KisSimulatorOptions, KisSimulatorEvents, KisSimulatorEventName, KisSimulatorCounters, KisSimulatorTimers } from './options.js';
export { encryptBody as kisEncryptBody } from './wire.js';
export type { KisSimRecord } from './wire.js';
