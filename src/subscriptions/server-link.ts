import { SubscriptionError, type StreamClientError } from '../core/errors.js';
import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { Frame, Inbound, Protocol, SubscribeRequest } from '../protocol/types.js';
import { equalJitter } from '../core/backoff.js';
import { cancelTimers, type Entry } from './entry.js';
import type { ResolvedRegistryOptions } from './options.js';
import { Pacer, type PacerOutput } from './pacer.js';
import type { Positions } from './positions.js';
import type { EntryState, Session } from './types.js';

/** What the link asks of the registry. */
export interface LinkHost {
  setState(e: Entry, to: EntryState, extra?: object): void;
  fail(e: Entry, err: StreamClientError): void;
  byTopic(topic: string): readonly Entry[] | undefined;
  byKey(key: string): Entry | undefined;
}

export interface LinkDeps {
  protocol: Protocol;
  options: ResolvedRegistryOptions;
  tasks: TaskRegistry;
  log: Log;
  counters: Counters;
  host: LinkHost;
  positions: Positions;
}

/**
 * Subscribes wait while the socket holds more than this unsent: churn then cancels in the queue
 * (a subscribe and its unsubscribe never go out) instead of piling up on the socket.
 */
export const MAX_QUEUED_BYTES = 1024 * 1024;

/** Bound on topics with unanswered subscribes of removed entries (cleared on every detach). */
export const MAX_ORPHAN_TOPICS = 1_024;

/**
 * The registry's server side: the session, the pacer, subscribe/unsubscribe frames, ack
 * timers and retries. An entry's `wire` says what the server holds; a re-send always
 * unsubscribes first, so a server that counts subscriptions never holds one twice.
 */
export class ServerLink implements PacerOutput<Entry> {
  readonly #d: LinkDeps;
  /** Made on the first send: a client that never subscribes holds no queue. */
  #pacer: Pacer<Entry> | undefined;
  /** Replies still due for subscribes of removed entries, by topic: swallowed, not misrouted. Made on the first orphan. */
  #orphans: Map<string, number> | undefined;
  #session: Session | undefined;

  constructor(deps: LinkDeps) {
    this.#d = deps;
  }

  get session(): Session | undefined {
    return this.#session;
  }

  /** A new session: queue every non-error entry in one (paced) batch; an unresumed stream restarts its numbering. */
  attach(session: Session, entries: Iterable<Entry> = []): void {
    this.#session = session;
    const resumable = this.#d.protocol.resumable === true;
    for (const e of entries) {
      if (!resumable) e.lastSeq = undefined;
      e.duplicateRun = 0;
      if (e.state !== 'error') this.send(e);
    }
  }

  /** The session is gone: forget the queue and what the server held; nothing is sent. */
  detach(entries: Iterable<Entry>): void {
    this.#session = undefined;
    this.#pacer?.clear();
    this.#orphans?.clear();
    for (const e of entries) {
      cancelTimers(e);
      e.wire = 'idle';
      e.outstanding = 0;
      e.attempts = 0;
      e.completes = 0;
      e.previousDelayMs = 0;
    }
  }

  /** Queue a subscribe (a no-op while detached: `attach` queues everything). */
  send(e: Entry): void {
    if (this.#session) (this.#pacer ??= this.#makePacer()).push(e);
  }

  /** The entry is leaving (removed or failed): unqueue, and unsubscribe if the server may hold it. */
  drop(e: Entry, unsubscribe: boolean): void {
    this.#pacer?.delete(e);
    cancelTimers(e);
    if (unsubscribe && this.#session && e.wire !== 'idle') {
      try {
        this.#sendUnsubscribe(e, this.#session);
      } catch (err) {
        // A user protocol that cannot encode it: the entry leaves anyway (this may run in a timer).
        this.#d.log.warn('connection.error', { protocol: this.#d.protocol.name, topic: e.topic, key: e.key, err });
      }
      this.#d.counters.unsubscribes++;
    }
    if (e.outstanding > 0 && this.#session) {
      const orphans = (this.#orphans ??= new Map());
      if (orphans.size >= MAX_ORPHAN_TOPICS) orphans.clear();
      orphans.set(e.topic, (orphans.get(e.topic) ?? 0) + e.outstanding);
    }
    e.outstanding = 0;
    e.completes = 0;
    e.wire = 'idle';
  }

  dispose(): void {
    this.#session = undefined;
    this.#pacer?.clear();
    this.#orphans?.clear();
  }

  /** The server holds it (ack, or data as an implicit ack). */
  acked(e: Entry): void {
    e.wire = 'acked';
    cancelTimers(e);
    e.ackedAt = this.#d.tasks.clock.now();
    if (e.completes === 0) {
      e.attempts = 0;
      e.previousDelayMs = 0;
    }
    if (e.state === 'pending') this.#d.host.setState(e, 'active');
  }

  /**
   * Stream data while a subscribe was unanswered: the server holds it. Data routed by key
   * belongs to the current operation, so no earlier reply is still due (some key-routed
   * protocols never ack); topic-routed data may be a leftover, so the count stands.
   */
  implicitAck(e: Entry, keyed: boolean): void {
    if (keyed) e.outstanding = 0;
    this.acked(e);
  }

  /** A control reply: ack, refusal (fatal or transient), or the server ending a subscription. */
  reply(msg: Extract<Inbound, { type: 'subscribed' | 'error' | 'complete' }>): void {
    if (msg.type === 'complete') {
      // The server ended it: subscribe again after a backoff (a stream is meant to go on).
      const e = msg.key !== undefined ? this.#d.host.byKey(msg.key) : this.#d.host.byTopic(msg.topic)?.[0];
      if (e && e.wire !== 'idle' && e.state !== 'error') this.attemptFailed(e, 'complete');
      return;
    }
    if (msg.type === 'error' && msg.topic === undefined && msg.key === undefined) return; // the connection's
    const e = this.replyTarget(msg);
    if (!e || e.wire === 'idle' || e.state === 'error') return;
    if (msg.type === 'subscribed') {
      if (e.wire !== 'sent') return;
      // The server's position: where a later resume starts (nothing delivered yet), or a reset.
      if (this.#d.protocol.resumable) this.#d.positions.acked(e, msg.seq);
      this.acked(e);
      return;
    }
    // Topic-routed: a newer subscribe (retry, re-send) is still unanswered; its reply decides.
    // Key-routed replies always answer the current operation (see `replyTarget`).
    if (msg.key === undefined && e.outstanding > 0) return;
    if (msg.kind === 'transient') return this.attemptFailed(e, 'transient');
    const code = msg.kind === 'limit' ? 'SUBSCRIPTION_LIMIT' : 'SUBSCRIPTION_REJECTED';
    const details = { topic: e.topic, key: e.key, serverCode: msg.code, reason: this.#d.log.redactor.scrub(msg.message) };
    this.drop(e, false);
    this.#d.host.fail(e, new SubscriptionError(code, `server refused subscription to "${e.topic}" (${msg.code})`, { details }));
  }

  /**
   * The entry a subscribe reply (ack or error) answers. Replies with a `key` route to it: a
   * protocol that sets `key` identifies operations (graphql-ws ids) and drops messages of
   * operations the client ended. Topic-only replies are matched by counting: the channel is
   * ordered and the server answers each subscribe once, so replies still due to removed
   * entries (orphans) are swallowed first.
   */
  replyTarget(msg: { readonly topic?: string; readonly key?: string }): Entry | undefined {
    let e: Entry | undefined;
    if (msg.key !== undefined) {
      e = this.#d.host.byKey(msg.key);
    } else if (msg.topic !== undefined) {
      const orphans = this.#orphans?.get(msg.topic);
      if (orphans !== undefined) {
        if (orphans > 1) this.#orphans!.set(msg.topic, orphans - 1);
        else this.#orphans!.delete(msg.topic);
        return undefined;
      }
      const list = this.#d.host.byTopic(msg.topic);
      e = list?.find((x) => x.outstanding > 0) ?? list?.[0];
    }
    if (e && e.outstanding > 0) e.outstanding--;
    return e;
  }

  /** A subscribe failed without a verdict: retry with backoff, or give up after maxAttempts. */
  attemptFailed(e: Entry, reason: 'timeout' | 'transient' | 'complete'): void {
    const { host, options, tasks, log } = this.#d;
    cancelTimers(e);
    if (reason === 'complete') {
      // Ended after a stable run: a fresh start. Ended soon after its ack: one more failure in a row.
      if (this.#d.tasks.clock.now() - e.ackedAt >= options.retry.maxDelayMs) {
        e.attempts = 0;
        e.previousDelayMs = 0;
        e.completes = 0;
      }
      e.completes++;
    }
    e.attempts++;
    const { topic, key, attempts } = e;
    if (attempts >= options.retry.maxAttempts) {
      this.drop(e, reason === 'timeout'); // it may have arrived after all: leave nothing behind
      const code = reason === 'timeout' ? 'SUBSCRIBE_TIMEOUT' : 'SUBSCRIPTION_REJECTED';
      const message = `subscribe to "${topic}" failed ${attempts} times (last: ${reason})`;
      return host.fail(e, new SubscriptionError(code, message, { details: { topic, key, attempts, reason } }));
    }
    if (reason !== 'timeout') {
      e.wire = 'idle'; // the server does not hold it
      if (e.state === 'active') host.setState(e, 'pending');
    }
    const delayMs = equalJitter(attempts, e.previousDelayMs, options.retry, options.random);
    e.previousDelayMs = delayMs;
    log.debug('subscription.state', { topic, key, from: e.state, to: e.state, retry: { reason, attempts, delayMs } });
    e.retryTask = tasks.timeout('subscribe.retry', delayMs, () => {
      e.retryTask = undefined;
      this.send(e);
    });
  }

  /** The pacer's send: (replace and) subscribe on the current session, arm the ack timer. */
  transmit(e: Entry): void {
    const s = this.#session;
    const { protocol, counters, tasks, options, host } = this.#d;
    if (!s || e.closed || e.state === 'error') return;
    let frames: Frame | readonly Frame[] | undefined;
    try {
      if (e.wire !== 'idle') this.#sendUnsubscribe(e, s); // a re-send replaces, never doubles
      frames = protocol.subscribe(this.#request(e), { token: s.token });
    } catch (err) {
      this.drop(e, false);
      const details = { topic: e.topic, key: e.key };
      return host.fail(e, new SubscriptionError('SUBSCRIPTION_REJECTED', `protocol refused to encode "${e.topic}"`, { cause: err, details }));
    }
    if (typeof frames === 'string' || frames instanceof Uint8Array) s.send(frames);
    else if (frames) for (const f of frames) s.send(f);
    if (e.everSent) counters.resubscribes++;
    else counters.subscribes++;
    e.everSent = true;
    if (frames === undefined) return this.acked(e); // nothing on the wire, nothing to await
    e.outstanding++;
    if (e.wire === 'acked') return;
    e.wire = 'sent';
    const ms = options.ackTimeoutMs;
    e.ackTask?.cancel();
    if (ms !== undefined) e.ackTask = tasks.timeout('subscribe.ack', ms, () => this.attemptFailed(e, 'timeout'));
  }

  /** The socket holds more than `MAX_QUEUED_BYTES` unsent: subscribes wait. */
  blocked(): boolean {
    return (this.#session?.bufferedAmount ?? 0) > MAX_QUEUED_BYTES;
  }

  #makePacer(): Pacer<Entry> {
    return new Pacer(this.#d.options.subscribeIntervalMs, this.#d.tasks, this);
  }

  #sendUnsubscribe(e: Entry, s: Session): void {
    const frame = this.#d.protocol.unsubscribe(this.#request(e), { token: s.token });
    if (frame !== undefined) s.send(frame);
  }

  #request(e: Entry): SubscribeRequest {
    const from = this.#d.protocol.resumable ? e.lastSeq : undefined;
    const { key, topic, params } = e;
    return from === undefined ? { key, topic, params } : { key, topic, params, from };
  }
}
