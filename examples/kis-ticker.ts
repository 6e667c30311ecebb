/**
 * steadystream on the KIS realtime feed: a loopback KIS simulator (approval endpoint + socket)
 * and a client built from kisApprovalKey + kisProtocol, with three ticker tiles. Along the way
 * the simulator drops every socket and expires the approval keys; the client reconnects,
 * fetches a new key and resubscribes, on the default reconnect and heartbeat settings.
 * Run: `npm run demo:kis` (ends by itself after ~15 s).
 */
import { StreamClient, type StateChange } from '../src/index.js';
import { createViews } from '../src/entries/render.js';
import { kisApprovalKey, kisProtocol, type KisQuote, type KisTrade } from '../src/protocol/kis/index.js';
import { createKisSimulator } from '../src/testing/kis/index.js';

const DURATION_MS = Number(process.env['DEMO_SECONDS'] ?? 15) * 1_000;
const t0 = Date.now();
const say = (line: string) => console.log(`${((Date.now() - t0) / 1_000).toFixed(1).padStart(5)}s  ${line}`);

const sim = await createKisSimulator({ pingIntervalMs: 1_000, pongTimeoutMs: 500 });
const client = new StreamClient({
  url: sim.wsUrl,
  protocol: kisProtocol(),
  auth: { fetchToken: kisApprovalKey({ baseUrl: sim.httpUrl, appKey: 'DEMO-APP-KEY', appSecret: 'demo-app-secret' }) },
  render: { minIntervalMs: 200 },
});
createViews(client); // client.view() needs the render part (steadystream/render)

client.on('state', (e: StateChange) => say(`state  ${e.from} -> ${e.to} (${e.reason})`));
client.on('error', (e) => say(`error  ${e.code}: ${e.message}`));

// Samsung Electronics and SK hynix trades, and Samsung's order book.
const tiles = new Map<string, string>();
const arrow = (sign: string) => (sign === '2' || sign === '1' ? '▲' : sign === '5' || sign === '4' ? '▼' : '–');
for (const [name, symbol] of [
  ['SAMSUNG', '005930'],
  ['HYNIX', '000660'],
] as const) {
  client.view(`trade-${symbol}`, {
    topic: `H0STCNT0:${symbol}`,
    select: (t: KisTrade) => ({ price: t.price, changeRate: t.changeRate, sign: t.changeSign, volume: t.volume }),
    precision: { price: 0, changeRate: 2 },
    render: (s) => `${name} ${s.price.toLocaleString('en-US')} ${arrow(s.sign)}${Math.abs(s.changeRate).toFixed(2)}% vol ${s.volume}`,
    onRender: (out) => tiles.set(name, out),
  });
}
client.view('book-005930', {
  topic: 'H0STASP0:005930',
  select: (q: KisQuote) => ({ bid: q.bids[0] ?? Number.NaN, ask: q.asks[0] ?? Number.NaN }),
  precision: { bid: 0, ask: 0 },
  render: (s) => `BOOK ${s.bid.toLocaleString('en-US')} / ${s.ask.toLocaleString('en-US')}`,
  onRender: (out) => tiles.set('BOOK', out),
});

// The exchange: a random walk, several trades per frame now and then (multi-record frames).
const last: Record<string, number> = { '005930': 71_000, '000660': 120_000 };
const prevClose = { ...last };
let volume = 0;
const feed = setInterval(() => {
  for (const symbol of Object.keys(last)) {
    const n = 1 + Math.floor(Math.random() * 3);
    const records = Array.from({ length: n }, () => {
      last[symbol] = last[symbol]! + Math.round((Math.random() - 0.5) * 4) * 100;
      const change = last[symbol]! - prevClose[symbol]!;
      volume += 10;
      return { price: last[symbol]!, change, changeRate: (change / prevClose[symbol]!) * 100, volume };
    });
    sim.publish('H0STCNT0', symbol, records);
  }
  sim.publish('H0STASP0', '005930', [{ price: last['005930']! }]);
}, 100);

const scale = DURATION_MS / 15_000;
const timeline: Array<[number, string, () => void]> = [
  [5_000, 'simulator drops every socket', () => sim.dropAll()],
  [
    9_000,
    'approval keys expire (next subscribe gets OPSP0011)',
    () => {
      sim.expireKeys();
      client.subscribe('H0STCNT0:035420', () => {}); // NAVER: its subscribe carries the dead key
    },
  ],
];
const timers = timeline.map(([at, what, act]) => setTimeout(() => (say(`fault  ${what}`), act()), at * scale));
const status = setInterval(() => say(`tiles  ${['SAMSUNG', 'HYNIX', 'BOOK'].map((k) => tiles.get(k) ?? `${k} …`).join(' | ')}`), 1_000);

say(`start  approval ${sim.httpUrl}/oauth2/Approval, socket ${sim.wsUrl}`);
await client.start();
await new Promise<void>((resolve) => setTimeout(resolve, DURATION_MS));
clearInterval(feed);
clearInterval(status);
for (const t of timers) clearTimeout(t);
const m = client.metrics();
const c = sim.counters;
await client.close();
await sim.close();
console.log('\n--- summary ---');
console.log(`frames in ${m.messagesIn}, renders ${m.renders}, skipped ${m.skipped}, reconnects ${m.reconnectsScheduled}`);
console.log(`approval keys issued ${c.approvalsIssued}, OPSP0011 ${c.invalidKeyRejections}, OPSP8996 ${c.inUseRejections}`);
console.log(`sessions ${c.sessionsOpened}, PINGPONG echoed ${c.pongsReceived}/${c.pingsSent}, ping timeouts ${c.pingTimeouts}`);
