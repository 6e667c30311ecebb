import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { interestBucket, leaseBucket, streamName } from './names.js';

/** JetStream handles of one feed. */
export interface Feed {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly interest: KV;
}

export interface FeedConfig {
  historyPerTopic: number;
  duplicateWindowMs: number;
  interestTtlMs: number;
  /** Every JetStream request (publish, KV, lookups) fails after this: a lease op slower than the lease is useless. */
  timeoutMs: number;
}

/**
 * Creates (or binds to) the feed's stream `<feed>` over `<feed>.>` and its interest bucket.
 * Whoever comes first creates them; a later party with other settings binds to what exists.
 */
export async function openFeed(nc: NatsConnection, feed: string, c: FeedConfig): Promise<Feed> {
  const jsm = await jetstreamManager(nc, { timeout: c.timeoutMs });
  const name = streamName(feed);
  try {
    await jsm.streams.info(name);
  } catch {
    try {
      await jsm.streams.add({
        name,
        subjects: [`${feed}.>`],
        max_msgs_per_subject: c.historyPerTopic,
        duplicate_window: c.duplicateWindowMs * 1_000_000,
      });
    } catch (err) {
      await jsm.streams.info(name).catch(() => {
        throw err; // neither there nor creatable: the first error says why
      });
    }
  }
  const js = jetstream(nc, { timeout: c.timeoutMs });
  const interest = await openBucket(js, interestBucket(feed), c.interestTtlMs);
  return { js, jsm, interest };
}

/** The lease bucket: its `ttl` is the lease time (nats-server 2.9 has no per-key TTL). */
export function openLeaseBucket(nc: NatsConnection, feed: string, ttlMs: number, timeoutMs: number): Promise<KV> {
  return openBucket(jetstream(nc, { timeout: timeoutMs }), leaseBucket(feed), ttlMs);
}

async function openBucket(js: JetStreamClient, name: string, ttlMs: number): Promise<KV> {
  const kvm = new Kvm(js);
  try {
    return await kvm.create(name, { ttl: ttlMs, history: 1 });
  } catch {
    return kvm.open(name); // exists with other settings: bind to it
  }
}
