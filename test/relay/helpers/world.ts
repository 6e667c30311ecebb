import { connect, type NatsConnection } from '@nats-io/transport-node';
import { StreamClient } from '../../../src/client/client.js';
import { kisApprovalKey, kisProtocol } from '../../../src/protocol/kis/index.js';
import type { KisSimulator } from '../../../src/testing/index.js';
import type { StreamClientOptions } from '../../../src/client/options.js';
import { createRelay, natsSource, type Relay, type RelayOptions } from '../../../src/relay/index.js';
import type { DataMeta, GapInfo } from '../../../src/subscriptions/index.js';
import { NatsServer } from './nats-server.js';

/** Fast failover for tests (the lease lives 900 ms), with room for a loaded machine's stalls. */
export const TEST_LEADER_TTL_MS = 2_000;

/** Everything a test made, closed in reverse order by `dispose()`. */
export class World {
  readonly nats: NatsServer;
  readonly #closers: (() => Promise<unknown>)[] = [];

  constructor(nats: NatsServer) {
    this.nats = nats;
  }

  static async create(): Promise<World> {
    return new World(await NatsServer.start());
  }

  defer(fn: () => Promise<unknown>): void {
    this.#closers.push(fn);
  }

  async connect(servers = this.nats.url): Promise<NatsConnection> {
    const nc = await connect({ servers, reconnectTimeWait: 100, maxReconnectAttempts: -1, timeout: 2_000 });
    this.defer(() => nc.close());
    return nc;
  }

  async relay(client: StreamClient, options: Partial<RelayOptions> & { feed: string }, servers?: string): Promise<Relay> {
    const nats = await this.connect(servers);
    this.defer(() => client.close());
    const relay = await createRelay({ client, nats, leaderTtlMs: TEST_LEADER_TTL_MS, interestTtlMs: 1_500, ...options });
    this.defer(() => relay.close());
    return relay;
  }

  async consumer(feed: string, options: Partial<StreamClientOptions> = {}, shared?: NatsConnection): Promise<StreamClient> {
    const nats = shared ?? (await this.connect());
    const client = new StreamClient({ ...natsSource({ nats, feed }), ...options });
    this.defer(() => client.close());
    await client.start();
    return client;
  }

  async dispose(): Promise<void> {
    for (const fn of this.#closers.reverse()) await fn().catch(() => {});
    this.#closers.length = 0;
    await this.nats.close();
  }
}

/** What one consumer subscription saw. */
export class Recorder {
  readonly seqs: number[] = [];
  readonly data: unknown[] = [];
  readonly gaps: GapInfo[] = [];
  stale = 0;
  recovered = 0;
  readonly errors: string[] = [];
  readonly onData = (data: unknown, meta: DataMeta): void => {
    this.data.push(data);
    this.seqs.push(meta.seq ?? -1);
  };
  readonly hooks = {
    onGap: (g: GapInfo) => void this.gaps.push(g),
    onStale: () => void this.stale++,
    onRecover: () => void this.recovered++,
    onError: (e: { code: string }) => void this.errors.push(e.code),
  };
}

/** Resolves once `check()` holds, polling every 10 ms; rejects after `timeoutMs` naming `what`. */
export async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The leader's upstream client on the KIS simulator, with fast pacing and reconnects for loopback tests. */
export function kisUpstream(sim: KisSimulator, appKey = 'APP-1'): StreamClient {
  return new StreamClient({
    url: sim.wsUrl,
    protocol: kisProtocol(),
    auth: { fetchToken: kisApprovalKey({ baseUrl: sim.httpUrl, appKey, appSecret: 'secret' }) },
    subscriptions: { subscribeIntervalMs: 2 },
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
  });
}
