import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection, QueuedIterator } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import type { WebSocketLike } from '../connection/transport.js';
import { systemClock } from '../core/clock.js';
import { TaskRegistry, type Timer } from '../core/tasks.js';
import type { Frame } from '../protocol/types.js';
import { HDR_EPOCH, HDR_SEQ, INTEREST_PREFIX, REFUSED_PREFIX, isTopicToken, keyToken, streamName, subjectOf, topicOfToken } from './names.js';
import type { Feed } from './setup.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** What every socket of one `natsSource()` shares. */
export interface SourceContext {
  readonly nats: NatsConnection;
  readonly feed: string;
  /** The stream and buckets, opened once per source. */
  feedReady(): Promise<Feed>;
  /** Interest keys are rewritten this often (a third of the bucket's max age). */
  heartbeatMs(): Promise<number>;
}

/** One topic this socket consumes. */
interface TopicState {
  readonly key: string;
  /** `{"op":"data","topic":"…","seq":` — the fixed head of every frame of the topic. */
  readonly head: string;
  /** Highest term seen: frames of an older term (a deposed leader's late publishes) are dropped. */
  epoch: number;
  messages: ConsumerMessages | undefined;
}

/**
 * A WebSocket look-alike whose "server" is the relay's JetStream stream: a `subscribe` frame
 * (jsonProtocol) becomes an ordered consumer on `<feed>.<topic>` starting at the subject's last
 * message (the latest value at once, then live) plus a heartbeated interest key; each message
 * becomes a jsonProtocol `data` frame with the relay's seq, so the client's gap, duplicate and
 * staleness handling work as on a direct connection. A refusal by the upstream arrives as an
 * `error` frame (`SUBSCRIPTION_LIMIT` / `SUBSCRIPTION_REJECTED`). Pings are answered after a
 * NATS round trip, so the client's heartbeat notices a dead NATS link.
 */
export class NatsSocket implements WebSocketLike {
  readyState = CONNECTING;
  binaryType = 'nodebuffer';
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly #ctx: SourceContext;
  readonly #id = randomUUID().replaceAll('-', '');
  readonly #topics = new Map<string, TopicState>();
  readonly #tasks = new TaskRegistry(systemClock);
  readonly #beat: Timer;
  #feed: Feed | undefined;
  #beatMs = 0;
  #refusals: QueuedIterator<KvWatchEntry> | undefined;

  constructor(ctx: SourceContext) {
    this.#ctx = ctx;
    this.#beat = this.#tasks.timer('relay.consumer.heartbeat', () => this.#heartbeat());
    void this.#open();
  }

  send(data: Frame): void {
    if (this.readyState !== OPEN) return;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    const topic = m['topic'];
    switch (m['op']) {
      case 'subscribe':
        if (typeof topic === 'string') void this.#subscribe(topic);
        break;
      case 'unsubscribe':
        if (typeof topic === 'string') this.#unsubscribe(topic);
        break;
      case 'ping':
        this.#ctx.nats.flush().then(
          () => this.#emit(JSON.stringify({ op: 'pong', t: m['t'] })),
          () => {}, // no answer: the client's heartbeat times out and reconnects
        );
        break;
    }
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#tasks.dispose();
    this.#refusals?.stop();
    const interest = this.#feed?.interest;
    for (const t of this.#topics.values()) {
      t.messages?.stop();
      void interest?.delete(t.key).catch(() => {});
    }
    this.#topics.clear();
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }

  async #open(): Promise<void> {
    try {
      const feed = await this.#ctx.feedReady();
      this.#beatMs = await this.#ctx.heartbeatMs();
      const refusals = await feed.interest.watch({ key: `${REFUSED_PREFIX}>` });
      if (this.readyState !== CONNECTING) {
        refusals.stop();
        return;
      }
      this.#feed = feed;
      this.#refusals = refusals;
      void (async () => {
        for await (const e of refusals) this.#refused(e);
      })().catch(() => {});
      this.readyState = OPEN;
      this.#beat.arm(this.#beatMs);
      this.onopen?.({});
    } catch (err) {
      if (this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      this.#tasks.dispose();
      this.onerror?.(err);
      this.onclose?.({ code: 1006, reason: 'nats: feed unavailable' });
    }
  }

  async #subscribe(topic: string): Promise<void> {
    const feed = this.#feed!;
    if (!isTopicToken(topic)) {
      this.#emit(JSON.stringify({ op: 'error', topic, code: 'rejected', message: 'a relayed topic must be a subject token' }));
      return;
    }
    if (this.#topics.has(topic)) return;
    const t: TopicState = {
      key: `${INTEREST_PREFIX}${keyToken(topic)}.${this.#id}`,
      head: `{"op":"data","topic":${JSON.stringify(topic)},"seq":`,
      epoch: 0,
      messages: undefined,
    };
    this.#topics.set(topic, t);
    try {
      await feed.interest.put(t.key, '1');
      if (this.#topics.get(topic) !== t) {
        void feed.interest.delete(t.key).catch(() => {}); // closed or unsubscribed meanwhile: no orphan key
        return;
      }
      const consumer = await feed.js.consumers.get(streamName(this.#ctx.feed), {
        filter_subjects: subjectOf(this.#ctx.feed, topic), // one subject: an array needs nats-server 2.10
        deliver_policy: DeliverPolicy.LastPerSubject,
      });
      if (this.#topics.get(topic) !== t) return;
      // Short pulls: a lost consumer (server restart) is noticed by missed heartbeats within ~2 s.
      t.messages = await consumer.consume({ callback: (m) => this.#deliver(t, m), expires: 2_000 });
      if (this.#topics.get(topic) !== t) t.messages.stop();
      else this.#emit(JSON.stringify({ op: 'subscribed', topic }));
    } catch (err) {
      if (this.#topics.get(topic) !== t) return;
      this.#topics.delete(topic);
      void feed.interest.delete(t.key).catch(() => {});
      const message = `relay: ${err instanceof Error ? err.message : String(err)}`;
      this.#emit(JSON.stringify({ op: 'error', topic, code: 'unavailable', message }));
    }
  }

  #unsubscribe(topic: string): void {
    const t = this.#topics.get(topic);
    if (!t) return;
    this.#topics.delete(topic);
    t.messages?.stop();
    void this.#feed?.interest.delete(t.key).catch(() => {});
    this.#emit(JSON.stringify({ op: 'unsubscribed', topic }));
  }

  #deliver(t: TopicState, m: JsMsg): void {
    const h = m.headers;
    const epoch = Number(h?.get(HDR_EPOCH));
    if (!(epoch >= t.epoch)) return; // a deposed leader's late frame (or no term at all)
    t.epoch = epoch;
    this.#emit(`${t.head}${h?.get(HDR_SEQ) ?? 'null'},"data":${m.string()}}`);
  }

  #refused(e: KvWatchEntry): void {
    if (e.operation !== 'PUT') return;
    const topic = topicOfToken(e.key.slice(REFUSED_PREFIX.length));
    if (!this.#topics.has(topic)) return;
    const r = e.json<{ code?: string; message?: string }>();
    const code = r.code === 'SUBSCRIPTION_LIMIT' ? 'limit' : 'rejected';
    this.#emit(JSON.stringify({ op: 'error', topic, code, message: `relay upstream: ${r.message ?? r.code ?? 'refused'}` }));
  }

  #heartbeat(): void {
    const interest = this.#feed?.interest;
    if (this.readyState !== OPEN || !interest) return;
    for (const t of this.#topics.values()) void interest.put(t.key, '1').catch(() => {});
    this.#beat.arm(this.#beatMs);
  }

  #emit(frame: string): void {
    if (this.readyState === OPEN) this.onmessage?.({ data: frame });
  }
}
