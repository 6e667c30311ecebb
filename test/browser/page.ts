// The page the browser lane loads, bundled by esbuild from the PACKED package (`steadystream`
// resolves to the extracted tarball, browser condition). Drives one client; the test reads `lane`.
import { liveTimers } from './timers.js';
import { StreamClient, jsonProtocol } from 'steadystream';

// The slot steadystream/testing's pendingTimers(client) reads; that entry is Node-only, so the page reads it here.
const pendingTimers = (c: object): string[] => (c as Record<symbol, { names(): string[] }>)[Symbol.for('steadystream.timers')]!.names();

const wsUrl = new URL(location.href).searchParams.get('ws') ?? '';
const received: { seq: number | undefined; data: unknown }[] = [];
const states: string[] = [];
let tokenFetches = 0;

// No `WebSocket` option: the page's own must be the default.
const client = new StreamClient({
  url: wsUrl,
  protocol: jsonProtocol(),
  reconnect: { initialDelayMs: 50, maxDelayMs: 300 },
  auth: {
    fetchToken: async (signal) => {
      tokenFetches++;
      const res = await fetch('/token', { method: 'POST', signal });
      return (await res.json()) as { token: string; expiresInMs: number };
    },
  },
});
client.on('state', (c) => void states.push(`${c.to}:${c.reason}`));
client.subscribe('ticker', (data, meta) => void received.push({ seq: meta.seq, data }));
client.start();

Object.assign(globalThis, {
  lane: {
    received,
    states,
    get tokenFetches() {
      return tokenFetches;
    },
    get state() {
      return client.state;
    },
    async close(): Promise<{ liveTimers: number; pendingTimers: number }> {
      await client.close();
      // Let anything close() scheduled settle for one macrotask before counting.
      await new Promise((r) => setTimeout(r, 0));
      return { liveTimers: liveTimers(), pendingTimers: pendingTimers(client).length };
    },
  },
});
