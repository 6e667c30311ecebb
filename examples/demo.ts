/**
 * steadystream demo: a local stream server and a client with three tiles, run through a
 * scripted ~60 s timeline of faults. Run: `npm run demo` (Ctrl-C ends it early).
 */
import { StreamClient, type Logger, type StateChange } from '../src/index.js';
import { createViews } from '../src/entries/render.js';
import { createTestServer } from '../src/testing/index.js';

const SYMBOLS = ['AAPL', 'MSFT', 'NVDA'] as const;
const DURATION_MS = Number(process.env['DEMO_SECONDS'] ?? 60) * 1_000;
const t0 = Date.now();
const ts = () => `${((Date.now() - t0) / 1_000).toFixed(1).padStart(5)}s`;
const say = (line: string) => console.log(`${ts()}  ${line}`);

interface Tick {
  price: number;
  changePct: number;
}
const prices: Record<string, number> = { AAPL: 187.42, MSFT: 411.1, NVDA: 121.37 };

/**
 * pino when it is installed (a devDependency here, an optional peer for users), writing JSON records
 * to stderr at LOG_LEVEL (default warn); without it the client keeps the library's silent default.
 */
let logger: Logger | undefined;
try {
  const { default: pino } = await import('pino');
  logger = pino({ level: process.env['LOG_LEVEL'] ?? 'warn' }, pino.destination(2));
} catch {
  logger = undefined; // not installed
}

const server = await createTestServer({
  auth: { validate: (t) => (t.startsWith('demo-') ? 'ok' : 'invalid') },
  history: 500, // lets a reconnecting client resume from its last seq: no gaps
});
let tokenNo = 0;
const client = new StreamClient({
  url: server.url,
  auth: {
    // A short-lived token so the demo shows proactive refresh (in-band re-auth, no reconnect).
    fetchToken: async () => ({ token: `demo-${++tokenNo}-${Math.random().toString(36).slice(2)}`, expiresInMs: 15_000 }),
    refreshBeforeMs: 5_000,
  },
  reconnect: { initialDelayMs: 300, maxDelayMs: 3_000 },
  heartbeat: { intervalMs: 1_000, timeoutMs: 1_000 },
  handshakeTimeoutMs: 2_000, // a silent server must not hold a handshake for the default 10 s
  stale: { afterMs: 2_000 },
  // The "REST" fallback: the last price the exchange knows, served while a topic is stale.
  fallback: { fetch: async (topic) => ({ price: prices[topic], changePct: 0 }), intervalMs: 1_000 },
  render: { minIntervalMs: 100 },
  ...(logger ? { logger } : {}),
});
createViews(client); // client.view() needs the render part (steadystream/render)

client.on('state', (e: StateChange) =>
  say(`state  ${e.from} -> ${e.to}  (${e.reason}${e.delayMs === undefined ? '' : `, retry #${e.attempt} in ${Math.round(e.delayMs)} ms`})`),
);
client.on('token', (e) => say(`token  refreshed, expires in ${Math.round((e.expiresAt - Date.now()) / 1_000)} s`));
client.on('error', (e) => say(`error  ${e.code}: ${e.message}`));

const tiles = new Map<string, string>();
for (const symbol of SYMBOLS) {
  client.view(`tile-${symbol}`, {
    topic: symbol,
    select: (d: Tick) => ({ symbol, price: d.price, changePct: d.changePct }),
    precision: { price: 2, changePct: 1 },
    render: (s) => `${s.stale ? '~' : ' '}${s.symbol} ${s.price.toFixed(2)} ${s.changePct >= 0 ? '▲' : '▼'}${Math.abs(s.changePct).toFixed(1)}%`,
    onRender: (out) => tiles.set(symbol, out),
  });
  client.subscribe(symbol, () => {}, {
    onStale: () => say(`stale  ${symbol} went quiet: serving fallback`),
    onRecover: (i) => say(`stale  ${symbol} recovered after ${(i.staleForMs / 1_000).toFixed(1)} s`),
  });
}

// The exchange: ticks every 50 ms with mostly sub-cent noise.
const open0: Record<string, number> = { ...prices };
const feed = setInterval(() => {
  for (const s of SYMBOLS) {
    prices[s] = prices[s]! + (Math.random() - 0.5) * 0.01;
    server.publish(s, { price: prices[s], changePct: ((prices[s]! - open0[s]!) / open0[s]!) * 100 });
  }
}, 50);

const timeline: [number, string, () => void][] = [
  [5_000, 'exchange pauses NVDA', () => server.pauseTopic('NVDA', true)],
  [10_000, 'exchange resumes NVDA', () => server.pauseTopic('NVDA', false)],
  [14_000, 'server drops every connection (RST)', () => server.dropAll()],
  [19_000, 'server refuses the next 3 connects, then drops', () => (server.refuse(3), server.dropAll())],
  [26_000, 'server goes silent (half-open socket)', () => server.silence(true)],
  [30_000, 'server answers again', () => server.silence(false)],
  [33_000, 'full outage: server down', () => (server.refuse(Infinity), server.dropAll())],
  [39_000, 'server back up', () => server.accept()],
].map(([at, what, act]) => [at as number, what as string, act as () => void]);
const timers = timeline.map(([at, what, act]) => setTimeout(() => (say(`fault  ${what}`), act()), at * (DURATION_MS / 45_000)));

const status = setInterval(() => {
  const m = client.metrics();
  const lookups = m.cacheHits + m.cacheMisses;
  const left = Math.max(0, Math.round((DURATION_MS - (Date.now() - t0)) / 1_000));
  say(`tiles  ${SYMBOLS.map((s) => tiles.get(s) ?? `  ${s} …`).join(' | ')}   [${client.state}, ${left}s left]`);
  say(
    `count  msgs ${m.messagesIn}  renders ${m.renders}  skipped ${m.skipped}  coalesced ${m.coalesced}  hit ${lookups ? ((m.cacheHits / lookups) * 100).toFixed(0) : 0}%  reconnects ${m.reconnectsScheduled}`,
  );
}, 2_000);

let ended = false;
async function end(why: string): Promise<void> {
  if (ended) return;
  ended = true;
  clearInterval(feed);
  clearInterval(status);
  for (const t of timers) clearTimeout(t);
  const m = client.metrics();
  const h = client.health();
  await client.close();
  await server.close();
  console.log(`\n--- summary (${why}) ---`);
  console.log(`ticks received      ${m.messagesIn}`);
  console.log(`renders / skipped   ${m.renders} / ${m.skipped} (coalesced ${m.coalesced}), cache hits ${m.cacheHits}, misses ${m.cacheMisses}`);
  console.log(`connects            ${m.connects} (attempts ${m.connectAttempts}, failures ${m.connectFailures}, heartbeat timeouts ${m.heartbeatTimeouts})`);
  console.log(`token refreshes     ${m.tokenRefreshes} (re-auths in band ${m.reauths}, rejections ${m.authRejections})`);
  console.log(`stale / recovered   ${m.staleEntered} / ${m.staleRecovered}, fallback polls ${m.fallbackPolls}`);
  console.log(`resubscribes        ${m.resubscribes}, duplicates dropped ${m.duplicatesDropped}, gaps ${m.gaps}`);
  console.log(`final health        ${JSON.stringify(h.topics)} state=${h.state}`);
}

process.once('SIGINT', () => void end('interrupted'));
say(
  `start  server ${server.url}, demo runs ${DURATION_MS / 1_000} s, ${logger ? `pino logs at ${process.env['LOG_LEVEL'] ?? 'warn'} on stderr` : 'no logger (pino not installed)'}`,
);
await client.start();
await new Promise<void>((resolve) => setTimeout(resolve, DURATION_MS));
await end('done');
