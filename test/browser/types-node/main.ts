// Compiled by the browser lane under lib ES2022 + @types/node, without DOM, against the packed package.
import { StreamClient, jsonProtocol, type WebSocketConstructor } from 'steadystream';
import WebSocket from 'ws';

const client = new StreamClient({ url: 'ws://127.0.0.1:1/stream', protocol: jsonProtocol(), WebSocket: WebSocket });
const ctor: WebSocketConstructor = WebSocket;
void ctor;
await client[Symbol.asyncDispose]();
