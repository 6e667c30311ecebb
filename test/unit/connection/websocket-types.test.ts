import { describe, expect, expectTypeOf, it } from 'vitest';
import WsWebSocket from 'ws';
import { StreamClient, type WebSocketConstructor } from '../../../src/index.js';
import { createMemoryNetwork } from '../../../src/testing/index.js';

// Checked by `tsc --noEmit` (part of `npm test`): users pass these constructors without a cast.
describe('the WebSocket option accepts real constructors', () => {
  it("takes the browser's WebSocket, the ws package and the memory network's, as they are typed", () => {
    expectTypeOf(globalThis.WebSocket).toExtend<WebSocketConstructor>();
    expectTypeOf(WsWebSocket).toExtend<WebSocketConstructor>();
    expectTypeOf(createMemoryNetwork().WebSocket).toExtend<WebSocketConstructor>();
    const client = new StreamClient({ url: 'ws://127.0.0.1:9', WebSocket: WsWebSocket });
    expect(client.state).toBe('idle');
    void client.close();
  });
});
