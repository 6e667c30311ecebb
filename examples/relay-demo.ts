/**
 * steadystream/relay: one KIS session shared by three consumers through NATS JetStream. Starts
 * a local nats-server (Debian: `apt-get install -y nats-server`), the loopback KIS simulator,
 * two relays (the first in a child process) and three consumers; kills the leader with SIGKILL
 * mid-stream and shows the standby taking over: one session at a time, nothing delivered twice,
 * the outage reported as staleness and one gap (KIS has no positions to resume from).
 * Run: `npm run demo:relay`.
 */
import { connect } from '@nats-io/transport-node';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamClient } from '../src/index.js';
import { kisApprovalKey, kisProtocol, type KisTrade } from '../src/protocol/kis/index.js';
import { createRelay } from '../src/relay/index.js';
import { natsSource } from '../src/relay/index.js';
import { createKisSimulator } from '../src/testing/kis/index.js';

const LEADER_TTL_MS = 2_000;
const FEED = 'demo';
const t0 = Date.now();
const say = (line: string) => console.log(`${((Date.now() - t0) / 1_000).toFixed(1).padStart(5)}s  ${line}`);

function upstream(wsUrl: string, httpUrl: string): StreamClient {
  return new StreamClient({
    url: wsUrl,
    protocol: kisProtocol(),
    auth: { fetchToken: kisApprovalKey({ baseUrl: httpUrl, appKey: 'DEMO-APP-KEY', appSecret: 'demo-app-secret' }) },
    reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
  });
}

async function startRelay(name: string, natsUrl: string, wsUrl: string, httpUrl: string) {
  const nats = await connect({ servers: natsUrl });
  const relay = await createRelay({ client: upstream(wsUrl, httpUrl), nats, feed: FEED, leaderTtlMs: LEADER_TTL_MS, id: name });
  relay.on('role', (e) => say(`relay ${name}: ${e.role}${e.epoch ? ` (term ${e.epoch})` : ''}${e.reason ? ` (${e.reason})` : ''}`));
  return relay;
}

// The child: a relay and nothing else, so SIGKILL is a real crash.
if (process.argv[2] === 'relay') {
  const [, , , natsUrl, wsUrl, httpUrl] = process.argv as string[];
  await startRelay('A', natsUrl!, wsUrl!, httpUrl!);
} else {
  await main();
}

async function main(): Promise<void> {
  const bin =
    process.env['NATS_SERVER'] ??
    (spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim() ||
      (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : ''));
  if (!bin) {
    console.error(
      'nats-server not found: install it (`apt-get install -y nats-server`, or https://github.com/nats-io/nats-server/releases) or set NATS_SERVER',
    );
    process.exit(1);
  }
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'relay-demo-'));
  const natsProc = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    natsProc.once('exit', (c) => reject(new Error(`nats-server exited (${c}): ${log}`)));
    natsProc.stderr!.on('data', (b: Buffer) => {
      log += b.toString();
      if (log.includes('Server is ready')) resolve();
    });
  });
  const natsUrl = `nats://127.0.0.1:${port}`;
  say(`nats-server on ${natsUrl}`);
  const sim = await createKisSimulator({ pingIntervalMs: 0 });
  sim.on('session', (e) => say(`KIS: session ${e.id} opened`));
  sim.on('disconnect', (e) => say(`KIS: session ${e.id} closed`));

  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'relay', natsUrl, sim.wsUrl, sim.httpUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (b: Buffer) => {
      process.stdout.write(b); // the child's own lines
      if (b.toString().includes('relay A: leader')) resolve();
    });
  });
  const b = await startRelay('B', natsUrl, sim.wsUrl, sim.httpUrl);

  const nats = await connect({ servers: natsUrl });
  const seen: { prices: number[]; gaps: number; stale: number }[] = [];
  const consumers: StreamClient[] = [];
  for (let i = 0; i < 3; i++) {
    const c = new StreamClient({ ...natsSource({ nats, feed: FEED }), stale: { afterMs: 500 } });
    const s = { prices: [] as number[], gaps: 0, stale: 0 };
    seen.push(s);
    c.subscribe<KisTrade>('H0STCNT0:005930', (t) => s.prices.push(t.price), {
      onGap: (g) => {
        s.gaps++;
        say(`consumer ${i}: gap reported (expected #${g.expected}, got #${g.received})`);
      },
      onStale: () => {
        s.stale++;
        say(`consumer ${i}: stale`);
      },
      onRecover: (r) => say(`consumer ${i}: recovered after ${r.staleForMs} ms`),
    });
    await c.start();
    consumers.push(c);
  }
  let price = 71_000;
  const producer = setInterval(() => sim.publish('H0STCNT0', '005930', [{ price: ++price }]), 20);
  say('trades flowing at 50/s');
  await new Promise((r) => setTimeout(r, 2_000));
  say('killing the leader (SIGKILL) mid-stream');
  child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, LEADER_TTL_MS * 2 + 2_000));
  clearInterval(producer);
  await new Promise((r) => setTimeout(r, 300));

  for (const [i, s] of seen.entries()) {
    const dup = s.prices.length - new Set(s.prices).size;
    say(`consumer ${i}: ${s.prices.length} trades, ${dup} duplicates, ${s.gaps} gap(s) reported, stale ${s.stale}x`);
  }
  say(`KIS: ${sim.counters.sessionsOpened} sessions in all, at most ${sim.counters.maxSessionsPerAppKey} at once, ${sim.counters.inUseRejections} OPSP8996`);
  for (const c of consumers) await c.close();
  await b.close();
  await nats.close();
  await sim.close();
  natsProc.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
