/**
 * `npm run bench:relay`: the relay against a direct client on one machine, real nats-server and
 * the json test server on 127.0.0.1. Prints end-to-end latency (upstream frame -> consumer
 * callback, p50/p99 at a steady rate), throughput (a burst, until the consumer has it all) and
 * failover time (leader SIGKILLed -> first frame at the consumer, median of 10).
 */
import { connect } from '@nats-io/transport-node';
import { StreamClient } from '../src/index.js';
import { createRelay, natsSource } from '../src/relay/index.js';
import { createTestServer, type TestServer } from '../src/testing/index.js';
import { RelayProcess } from '../test/relay/helpers/child.js';
import { NatsServer } from '../test/relay/helpers/nats-server.js';

const RATE_FRAMES = 2_000;
const BURST = 20_000;
const FAILOVERS = Number(process.env['FAILOVERS'] ?? 10);
const LEADER_TTL_MS = 1_000;

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const until = async (check: () => boolean, ms: number, what: string): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

/** Latency at ~1 kHz, then a burst's throughput, for one subscribed client. */
async function measure(label: string, server: TestServer, topic: string, client: StreamClient): Promise<void> {
  const lat: number[] = [];
  let got = 0;
  let lastI = -1;
  let gaps = 0;
  client.subscribe<{ t: number; i?: number }>(
    topic,
    (d) => {
      got++;
      if (d.t > 0) lat.push(performance.now() - d.t);
      else lastI = d.i ?? -1;
    },
    { onGap: () => void gaps++ },
  );
  await until(() => server.subscriptions().get(topic) === 1, 10_000, 'subscribed upstream');
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < RATE_FRAMES; i++) {
    server.publish(topic, { t: performance.now() });
    await new Promise((r) => setTimeout(r, 1));
  }
  await until(() => got >= RATE_FRAMES, 10_000, 'rate frames');
  const start = performance.now();
  const base = got;
  for (let i = 0; i < BURST; i++) {
    server.publish(topic, { t: 0, i });
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  await until(() => lastI === BURST - 1, 60_000, 'burst');
  const secs = (performance.now() - start) / 1_000;
  console.log(
    `${label.padEnd(8)} latency p50 ${pct(lat, 0.5).toFixed(2)} ms  p99 ${pct(lat, 0.99).toFixed(2)} ms   ` +
      `throughput ${Math.round(BURST / secs).toLocaleString('en-US')} frames/s (${got - base} of ${BURST} delivered, ${gaps} gaps)`,
  );
}

const nats = await NatsServer.start();
const server = await createTestServer({ history: 100_000 });
try {
  const direct = new StreamClient({ url: server.url });
  await direct.start();
  await measure('direct', server, 'D', direct);
  await direct.close();

  const nc = await connect({ servers: nats.url });
  const upstream = new StreamClient({ url: server.url });
  const relay = await createRelay({ client: upstream, nats: nc, feed: 'bench', leaderTtlMs: LEADER_TTL_MS, historyPerTopic: BURST + RATE_FRAMES });
  relay.on('error', (e) => console.log('relay error', e.message));
  await until(() => relay.role === 'leader', 10_000, 'leader');
  const consumer = new StreamClient({ ...natsSource({ nats: nc, feed: 'bench' }) });
  await consumer.start();
  await measure('relay', server, 'R', consumer);
  await consumer.close();
  await relay.close();
  await upstream.close();

  // Failover: a leader process killed -> the first frame at a consumer, with frames every 2 ms.
  const times: number[] = [];
  for (let run = 0; run < FAILOVERS; run++) {
    const feed = `fo${run}`;
    const child = await RelayProcess.start({
      nats: nats.url,
      feed,
      leaderTtlMs: LEADER_TTL_MS,
      interestTtlMs: 3_000,
      upstream: { kind: 'json', url: server.url },
    });
    await until(() => child.leading, 10_000, 'child leads');
    const sc = new StreamClient({ url: server.url });
    const standby = await createRelay({ client: sc, nats: nc, feed, leaderTtlMs: LEADER_TTL_MS });
    const c = new StreamClient({ ...natsSource({ nats: nc, feed }) });
    await c.start();
    let last = 0;
    c.subscribe(`T${run}`, () => (last = performance.now()));
    const producer = setInterval(() => server.publish(`T${run}`, {}), 2);
    await until(() => last > 0, 10_000, 'flowing');
    await child.kill();
    const killed = performance.now();
    await until(() => last > killed && standby.role === 'leader', 20_000, 'taken over');
    times.push(last - killed);
    clearInterval(producer);
    await c.close();
    await standby.close();
    await sc.close();
  }
  console.log(
    `failover (leaderTtlMs ${LEADER_TTL_MS}): median ${pct(times, 0.5).toFixed(0)} ms over ${times.length} (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`,
  );
  await nc.close();
} finally {
  await server.close();
  await nats.close();
}
