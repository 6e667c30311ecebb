// The KIS (Korea Investment & Securities) realtime protocol: codec, approval key, records.
export { kisProtocol, KIS_LIMITS } from './protocol.js';
export type { KisProtocolOptions } from './protocol.js';
export { kisApprovalKey, KisApprovalError, KIS_APPROVAL_TTL_MS } from './approval.js';
export type { KisApprovalOptions, KisFetch, KisResponse } from './approval.js';
export { KIS_ENV } from './env.js';
export type { KisEnv, KisEnvSettings } from './env.js';
export { KIS_MSG, KIS_PINGPONG, KIS_IN_USE_RETRY_MS, parseTopic as parseKisTopic } from './frames.js';
export type { KisCustType, KisTopic } from './frames.js';
export { KIS_FIELD_COUNTS, KIS_LAYOUTS } from './records.js';
export type { KisRecord, KisTrade, KisQuote, KisRawRecord, KisRecordLayout, KisChangeSign } from './records.js';
export { kisAesDecrypt, nodeAesDecrypt } from './crypto.js';
export type { KisDecrypt } from './crypto.js';
