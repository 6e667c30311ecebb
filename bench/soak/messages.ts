/**
 * Phase "messages": a server publishing in batches to a client with 100 subscriptions (one
 * topic each) and 20 views with precision rules on 20 of those topics. Prices random-walk
 * mostly below the precision (deduped), sometimes visibly (rendered or a cache hit); the
 * render cache has a small budget so that eviction churns throughout. The next batch goes out
 * when the client has received the previous one (flow control), so the socket buffers stay
 * bounded and every checkpoint is taken with nothing in flight.
 */
import { createTestServer, pendingTimers } from '../../src/testing/index.js';
import { clientListeners, Latch, message, prng, serverHolds, serverListeners, soakClient, topicsOf, WAIT_MS } from './harness.js';
import { Phase, type PhaseContext, type PhaseResult, type Probe } from './phase.js';

interface Tick {
  p: number;
  v: number;
}
interface Tile {
  price: number;
  changePct: number;
  volume: number;
}

/** Messages per batch: large enough to amortize the wait, small enough for bounded buffers. */
const BATCH = 5_000;
/** Render cache budget for this phase: far below the working set, so eviction never stops. */
const CACHE_BYTES = 64 * 1024;

export interface MessagesShape {
  subscriptions: number;
  views: number;
}

export async function runMessages(planned: number, shape: MessagesShape, ctx: PhaseContext): Promise<PhaseResult> {
  const phase = new Phase(`messages (${shape.subscriptions} subs, ${shape.views} views)`, 'message', planned, ctx);
  if (planned === 0) return phase.finish();
  const server = await createTestServer({ maxReceived: 1 });
  const client = soakClient(server.url, 3, { render: { maxBytes: CACHE_BYTES, minIntervalMs: 50 } });
  const topics = topicsOf('M', shape.subscriptions);
  const bases = topics.map((_, t) => 100 + t);
  const prices = [...bases];
  // Cumulative volume: with 2 significant digits it changes the visible state only now and then.
  const volumes = topics.map(() => 100_000);
  let errors = 0;
  let received = 0;
  let target = 0;
  let seqProblems = 0;
  let rendered = 0;
  const delivered = new Latch();
  let transitions = 0;
  client.on('error', () => errors++);
  client.on('state', () => transitions++);
  topics.forEach((t) => {
    let last = 0;
    client.subscribe<Tick>(t, (_d, meta) => {
      if (meta.seq !== last + 1) seqProblems++;
      last = meta.seq ?? last;
      if (++received >= target) delivered.open();
    });
  });
  const viewCount = Math.min(shape.views, topics.length);
  const render = (s: Tile & { stale: boolean }) => `${s.price.toFixed(2)} ${s.changePct >= 0 ? '+' : ''}${s.changePct.toFixed(1)}% ${s.volume}`;
  for (let v = 0; v < viewCount; v++) {
    const t = Math.floor((v * topics.length) / viewCount);
    const base = bases[t]!;
    client.view<Tick, Tile, string>(`tile-${v}`, {
      topic: topics[t]!,
      select: (d) => ({ price: d.p, changePct: ((d.p - base) / base) * 100, volume: d.v }),
      precision: { price: 2, changePct: 1, volume: { sig: 2 } },
      render,
      onRender: () => rendered++,
      // Half the views render every visible change, half coalesce through a timer.
      minIntervalMs: v % 2 === 0 ? 0 : 20,
    });
  }
  const random = prng(4);
  const publishBatch = (n: number, from: number): void => {
    for (let k = 0; k < n; k++) {
      const t = (from + k) % topics.length;
      // Mostly sub-cent noise; one tick in 50 moves the visible price; bounded to [base, base + 10).
      const step = random() < 0.02 ? (random() < 0.5 ? -0.05 : 0.05) : (random() - 0.5) * 0.004;
      let p = prices[t]! + step;
      const base = bases[t]!;
      if (p < base || p >= base + 10) p = base + 5;
      prices[t] = p;
      let v = volumes[t]! + Math.floor(random() * 20);
      if (v >= 1_000_000) v = 100_000;
      volumes[t] = v;
      server.publish(topics[t]!, { p, v });
    }
  };
  const probe: Probe = {
    pendingTimers: () => pendingTimers(client).length,
    listeners: () => clientListeners(client),
    serverConnections: () => server.connections,
    serverListeners: () => serverListeners(server),
    note: () => {
      const m = client.metrics();
      return `recv ${received}, renders ${m.renders}, hits ${m.cacheHits}, skipped ${m.skipped}, evict ${m.evictions}, cache ${Math.round(m.cacheBytes / 1024)} KB/${m.cacheEntries}, seq errs ${seqProblems}, transitions ${transitions}`;
    },
  };
  try {
    await client.start();
    await serverHolds(server, topics);
    await phase.run(async (i, count) => {
      const n = Math.min(BATCH, count);
      target = received + n;
      const got = delivered.wait(`messages ${i}..${i + n}: delivery`, WAIT_MS);
      try {
        publishBatch(n, i);
        await got;
      } catch (err) {
        got.catch(() => {});
        phase.problem(message(err));
      }
      return n;
    }, probe);
    if (seqProblems > 0) phase.problem(`${seqProblems} messages out of sequence (lost, repeated or reordered)`);
    await client.close();
    await phase.afterClose('after close', probe);
  } finally {
    await client.close();
    await server.close();
  }
  if (errors > 0) phase.problem(`${errors} client errors emitted`);
  if (rendered === 0 && viewCount > 0) phase.problem('no view rendered anything');
  return phase.finish();
}
