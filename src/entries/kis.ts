// steadystream/kis: the Korea Investment & Securities realtime protocol (AES via node:crypto or plain JS).
export * from '../protocol/kis/index.js';
