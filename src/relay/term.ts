import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { headers } from '@nats-io/transport-node';
import { createHash } from 'node:crypto';
import type { StreamClient } from '../client/client.js';
import type { StreamClientError } from '../core/errors.js';
import type { DataMeta, Subscription } from '../subscriptions/index.js';
import { HDR_EPOCH, HDR_SEQ, HDR_UPSTREAM, REFUSED_PREFIX, keyToken, streamName, subjectOf } from './names.js';

/** What a term needs from its relay. */
export interface TermDeps {
  readonly client: StreamClient;
  readonly feed: string;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly interest: KV;
  readonly epoch: number;
  /** A publish failed: the frame is not in JetStream, so this leader must step down. */
  publishFailed(err: unknown): void;
  /** Something worth an `error` event that does not end the term. */
  trouble(err: unknown): void;
}

/** One upstream topic of a term. */
interface Topic {
  readonly topic: string;
  readonly subject: string;
  readonly epoch: string;
  sub: Subscription | undefined;
  /** Unpositioned upstream: the next seq this relay numbers a frame with. */
  next: number;
  /** Unpositioned upstream: content hash of the last frame and how often it came in a row. */
  lastHash: string;
  run: number;
  /** The upstream's refusal, rewritten while consumers still ask. */
  refused: { code: string; message: string } | undefined;
}

/**
 * One leadership term: subscribes upstream to what consumers want and publishes every frame
 * to `<feed>.<topic>`, fenced by the term's epoch and deduplicated by a message id from the
 * upstream position (`topic:seq`), or, without one, from `topic:#hash:run` (consecutive equal
 * frames stay distinct; a republish of the same frame by a new term is a duplicate).
 */
export class Term {
  readonly #d: TermDeps;
  readonly #topics = new Map<string, Topic>();
  readonly #epoch: string;
  #live = true;
  #opened = false;
  /**
   * The msgID of this term's previous publish: each publish expects it to be the stream's last,
   * so after a lost publish every later one fails too and the stored history has no hole
   * (a new term resumes from its end). Also fences a deposed leader at the server.
   */
  #lastMsgID: string | undefined;
  readonly #onState = (e: { to: string }): void => {
    if (e.to !== 'open') return;
    // A reconnect of an unpositioned upstream lost whatever came meanwhile: number past it.
    if (this.#opened) for (const t of this.#topics.values()) t.next += 1;
    this.#opened = true;
  };

  constructor(d: TermDeps) {
    this.#d = d;
    this.#epoch = String(d.epoch);
    d.client.on('state', this.#onState);
  }

  /** Topics subscribed upstream in this term. */
  topics(): string[] {
    return [...this.#topics.keys()];
  }

  /** Subscribe upstream, resuming from the last position stored in JetStream. */
  async want(topic: string): Promise<void> {
    if (!this.#live || this.#topics.has(topic)) return;
    const t: Topic = { topic, subject: subjectOf(this.#d.feed, topic), epoch: this.#epoch, sub: undefined, next: 1, lastHash: '', run: 0, refused: undefined };
    this.#topics.set(topic, t);
    const last = await this.#lastStored(t.subject);
    if (!this.#live || this.#topics.get(topic) !== t) return;
    let from: number | undefined;
    if (last !== undefined) {
      if (last.upstream) from = last.seq;
      else t.next = last.seq + 2; // what came while no leader listened is lost: leave a gap
    }
    t.sub = this.#d.client.subscribe(topic, (data, meta) => this.#publish(t, data, meta), {
      ...(from === undefined ? {} : { from }),
      onError: (err) => this.#refused(t, err),
    });
  }

  /** The last consumer left: release the upstream registration. */
  unwant(topic: string): void {
    const t = this.#topics.get(topic);
    if (!t) return;
    this.#topics.delete(topic);
    t.sub?.unsubscribe();
    if (t.refused) void this.#d.interest.delete(`${REFUSED_PREFIX}${keyToken(topic)}`).catch(() => {});
  }

  /** Rewrite refusals (the bucket's max age would drop them while consumers still ask). */
  refreshRefusals(): void {
    for (const t of this.#topics.values()) if (t.refused) this.#writeRefusal(t, t.refused);
  }

  /** End the term: no frame is published after this returns. */
  end(): void {
    this.#live = false;
    this.#d.client.off('state', this.#onState);
    for (const t of this.#topics.values()) t.sub?.unsubscribe();
    this.#topics.clear();
  }

  #publish(t: Topic, data: unknown, meta: DataMeta): void {
    if (!this.#live) return; // fenced: a term that ended publishes nothing
    const body = JSON.stringify(data) ?? 'null';
    let seq: number;
    let msgID: string;
    const h = headers();
    if (meta.seq !== undefined) {
      seq = meta.seq;
      msgID = `${t.topic}:${seq}`;
      h.set(HDR_UPSTREAM, '1');
    } else {
      seq = t.next++;
      const hash = createHash('sha1').update(body).digest('base64url');
      t.run = hash === t.lastHash ? t.run + 1 : 0;
      t.lastHash = hash;
      msgID = `${t.topic}:#${hash}:${t.run}`;
    }
    h.set(HDR_EPOCH, t.epoch);
    h.set(HDR_SEQ, String(seq));
    const expect = this.#lastMsgID === undefined ? undefined : { lastMsgID: this.#lastMsgID };
    this.#lastMsgID = msgID;
    this.#d.js.publish(t.subject, body, expect ? { msgID, headers: h, expect } : { msgID, headers: h }).catch((err: unknown) => {
      if (this.#live) this.#d.publishFailed(err);
    });
  }

  #refused(t: Topic, err: StreamClientError): void {
    if (!this.#live || this.#topics.get(t.topic) !== t) return;
    t.refused = { code: err.code, message: err.message };
    this.#writeRefusal(t, t.refused);
  }

  #writeRefusal(t: Topic, r: { code: string; message: string }): void {
    const value = JSON.stringify({ ...r, epoch: this.#d.epoch });
    this.#d.interest.put(`${REFUSED_PREFIX}${keyToken(t.topic)}`, value).catch((e: unknown) => this.#d.trouble(e));
  }

  async #lastStored(subject: string): Promise<{ seq: number; upstream: boolean } | undefined> {
    let m;
    try {
      m = await this.#d.jsm.streams.getMessage(streamName(this.#d.feed), { last_by_subj: subject });
    } catch (err) {
      if ((err as { code?: unknown }).code === 10037) return undefined; // no message on the subject yet
      throw err;
    }
    const seq = Number(m?.header.get(HDR_SEQ));
    if (!m || !Number.isSafeInteger(seq)) return undefined;
    return { seq, upstream: m.header.get(HDR_UPSTREAM) === '1' };
  }
}
