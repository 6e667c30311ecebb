import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { EventEmitter } from 'eventemitter3';
import { randomUUID } from 'node:crypto';
import type { StreamClient } from '../client/client.js';
import { systemClock } from '../core/clock.js';
import { StreamClientError, isStreamClientError } from '../core/errors.js';
import { TaskRegistry, type Timer } from '../core/tasks.js';
import { silentLogger, type Logger } from '../observe/log.js';
import { InterestTable } from './interest.js';
import { Lease, type StepDownReason } from './lease.js';
import { checkFeed, isTopicToken } from './names.js';
import { openFeed, openLeaseBucket, type Feed } from './setup.js';
import { Term } from './term.js';

/** Options of `createRelay()`. */
export interface RelayOptions {
  /** The upstream client. The relay starts it only while it leads and stops it when it steps down. */
  client: StreamClient;
  /** A connected NATS connection (`@nats-io/transport-node`) with JetStream enabled on the server. */
  nats: NatsConnection;
  /** Names the stream (`<feed>`), its subjects (`<feed>.<topic>`) and buckets. `[A-Za-z0-9_-]{1,64}`. */
  feed: string;
  /** Topics subscribed upstream whenever this relay leads, with or without consumers. @default [] */
  topics?: readonly string[];
  /**
   * Failover bound: a killed leader's upstream session is replaced within this plus one
   * reconnect. The lease key lives `0.45 × leaderTtlMs`; a leader that cannot renew it for that
   * long steps down, and a winner waits as long again before opening upstream (the rest is
   * the time a standby takes to notice the lapse).
   * @default 10_000
   */
  leaderTtlMs?: number;
  /** A consumer that stops heartbeating counts this long at most. @default 30_000 */
  interestTtlMs?: number;
  /** Messages kept per topic in JetStream (the history a new leader resumes from). @default 1_000 */
  historyPerTopic?: number;
  /** JetStream's duplicate window; must exceed `leaderTtlMs` so a takeover's republish is caught. @default 120_000 */
  duplicateWindowMs?: number;
  /** This relay's name in the lease (logs, diagnostics). @default a random UUID */
  id?: string;
  /** Any pino-compatible logger. @default silent */
  logger?: Logger;
}

/** A relay's role change. */
export interface RelayRoleChange {
  /** `leader`: this relay holds the upstream session; `standby`: it waits. */
  readonly role: 'leader' | 'standby';
  /** The term (the lease revision): every frame of the term carries it. */
  readonly epoch?: number;
  /** Why a leader stepped down. */
  readonly reason?: StepDownReason;
}

/** Events of a {@link Relay}. */
export interface RelayEvents {
  /** The relay became leader or standby. */
  role: [e: RelayRoleChange];
  /** Trouble with NATS or upstream that the relay rides out (it never throws from callbacks). */
  error: [err: StreamClientError];
}

/** The lease's share of `leaderTtlMs`: lapse + fence wait + polling (1/20 lease) stay below it. */
const LEASE_SHARE = 0.45;

export const RELAY_DEFAULTS = Object.freeze({
  /** See {@link RelayOptions.leaderTtlMs}. */
  leaderTtlMs: 10_000,
  /** See {@link RelayOptions.interestTtlMs}. */
  interestTtlMs: 30_000,
  /** See {@link RelayOptions.historyPerTopic}. */
  historyPerTopic: 1_000,
  /** See {@link RelayOptions.duplicateWindowMs}. */
  duplicateWindowMs: 120_000,
});

/**
 * Starts a relay: joins the election for `feed` and, while leading, holds the one upstream
 * session and publishes every frame to JetStream. Resolves once the stream and buckets exist.
 * @example
 * const relay = await createRelay({ client, nats: await connect({ servers }), feed: 'kis', leaderTtlMs: 6_000 });
 */
export async function createRelay(options: RelayOptions): Promise<Relay> {
  const o = resolveRelayOptions(options);
  // A lease op slower than the lease is useless: fail it in time to retry.
  const leaseMs = o.leaderTtlMs * LEASE_SHARE;
  const timeoutMs = Math.min(5_000, Math.max(250, leaseMs));
  const feed = await openFeed(o.nats, o.feed, { ...o, timeoutMs });
  const leaseKv = await openLeaseBucket(o.nats, o.feed, leaseMs, timeoutMs);
  const relay = new Relay(o, feed, leaseKv);
  await relay.start();
  return relay;
}

type Resolved = Required<Omit<RelayOptions, 'topics'>> & { topics: readonly string[] };

function invalid(option: string, message: string): never {
  throw new StreamClientError('INVALID_OPTIONS', `${option} ${message}`, { details: { option } });
}

function resolveRelayOptions(o: RelayOptions): Resolved {
  if (typeof o !== 'object' || o === null) invalid('options', 'must be an object');
  if (typeof o.client?.subscribe !== 'function' || typeof o.client.stop !== 'function') invalid('client', 'must be a StreamClient');
  if (typeof o.nats?.publish !== 'function') invalid('nats', 'must be a NatsConnection');
  checkFeed(o.feed);
  const num = (name: keyof typeof RELAY_DEFAULTS, min: number): number => {
    const v = o[name] ?? RELAY_DEFAULTS[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) invalid(name, `must be a finite number >= ${min}`);
    return v;
  };
  const leaderTtlMs = num('leaderTtlMs', 200);
  const duplicateWindowMs = num('duplicateWindowMs', 1_000);
  if (duplicateWindowMs <= leaderTtlMs) invalid('duplicateWindowMs', 'must be > leaderTtlMs');
  const topics = o.topics ?? [];
  for (const t of topics)
    if (typeof t !== 'string' || !isTopicToken(t))
      invalid('topics', `has ${JSON.stringify(t)}: a topic must be a subject token (no '.', '*', '>' or whitespace)`);
  return {
    client: o.client,
    nats: o.nats,
    feed: o.feed,
    topics,
    leaderTtlMs,
    interestTtlMs: num('interestTtlMs', 100),
    historyPerTopic: Math.floor(num('historyPerTopic', 1)),
    duplicateWindowMs,
    id: o.id ?? randomUUID(),
    logger: o.logger ?? silentLogger,
  };
}

/** See `createRelay()`. */
export class Relay extends EventEmitter<RelayEvents> implements AsyncDisposable {
  readonly #o: Resolved;
  readonly #feed: Feed;
  readonly #tasks = new TaskRegistry(systemClock);
  readonly #lease: Lease;
  readonly #interest: InterestTable;
  readonly #refresh: Timer;
  #term: Term | undefined;
  #closing: Promise<void> | undefined;

  /** @internal Made by `createRelay()`. */
  constructor(o: Resolved, feed: Feed, leaseKv: KV) {
    super();
    this.#o = o;
    this.#feed = feed;
    this.#interest = new InterestTable(feed.interest, o.interestTtlMs, this.#tasks, {
      wanted: (topic) => this.#want(topic),
      unwanted: (topic) => {
        if (!o.topics.includes(topic)) this.#term?.unwant(topic);
      },
    });
    this.#refresh = this.#tasks.timer('relay.refusals', () => {
      this.#term?.refreshRefusals();
      this.#refresh.arm(o.interestTtlMs / 3);
    });
    this.#lease = new Lease(leaseKv, o.id, o.leaderTtlMs * LEASE_SHARE, this.#tasks, {
      lead: (epoch) => this.#lead(epoch),
      stepDown: (reason) => this.#stepDown(reason),
      trouble: (err) => this.#trouble(err),
    });
  }

  /** `'leader'` while this relay holds the upstream session. */
  get role(): 'leader' | 'standby' {
    return this.#term ? 'leader' : 'standby';
  }

  /** The current term while leading. */
  get epoch(): number | undefined {
    return this.#term ? this.#lease.epoch : undefined;
  }

  /** Topics this relay holds upstream now (empty while standby). */
  upstreamTopics(): string[] {
    return this.#term?.topics() ?? [];
  }

  /** Consumers (across machines) currently asking for `topic`. */
  consumers(topic: string): number {
    return this.#interest.consumers(topic);
  }

  /** @internal */
  async start(): Promise<void> {
    await this.#interest.start();
    this.#lease.start();
  }

  /** Step down (upstream closed first, then the lease released for a standby) and leave. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#lease.close();
      this.#interest.stop();
      this.#tasks.dispose();
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  /** `close()`, for `await using relay = await createRelay(…)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #lead(epoch: number): void {
    const f = this.#feed;
    this.#term = new Term({
      client: this.#o.client,
      feed: this.#o.feed,
      js: f.js,
      jsm: f.jsm,
      interest: f.interest,
      epoch,
      publishFailed: (err) => {
        this.#trouble(err);
        void this.#lease.stepDown('publish-failed');
      },
      trouble: (err) => this.#trouble(err),
    });
    this.#o.logger.info({ event: 'relay.role', feed: this.#o.feed, role: 'leader', epoch });
    this.emit('role', { role: 'leader', epoch });
    this.#o.client.start().catch((err: unknown) => this.#trouble(err));
    for (const topic of new Set([...this.#o.topics, ...this.#interest.topics()])) this.#want(topic);
    this.#refresh.arm(this.#o.interestTtlMs / 3);
  }

  #want(topic: string): void {
    this.#term?.want(topic).catch((err: unknown) => this.#trouble(err));
  }

  async #stepDown(reason: StepDownReason): Promise<void> {
    const term = this.#term;
    this.#term = undefined;
    this.#refresh.cancel();
    term?.end(); // fenced first: nothing more is published
    await this.#o.client.stop(); // upstream closed before the lease may pass on
    if (!term) return;
    this.#o.logger.info({ event: 'relay.role', feed: this.#o.feed, role: 'standby', reason });
    this.emit('role', { role: 'standby', reason });
  }

  #trouble(err: unknown): void {
    const e = isStreamClientError(err)
      ? err
      : new StreamClientError('CONNECTION_FAILED', `relay ${this.#o.feed}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    this.#o.logger.warn({ event: 'relay.error', feed: this.#o.feed, code: e.code, message: e.message });
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }
}
