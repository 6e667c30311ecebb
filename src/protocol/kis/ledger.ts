import type { KisTopic } from './frames.js';

interface Request extends KisTopic {
  readonly subscribe: boolean;
}

/** Bound on unanswered requests kept (41 topics, each a subscribe and an unsubscribe, plus retries). */
const MAX_PENDING = 256;

/**
 * The session's requests in the order they were sent. KIS answers them in that order on one
 * socket, so a reply without a topic (`"tr_id":"(null)"`) answers the oldest unanswered one.
 * Only subscribe and unsubscribe touch it, never the data path.
 */
export class KisLedger {
  #pending: Request[] = [];

  sent(topic: KisTopic, subscribe: boolean): void {
    // A server that stopped answering: forget the oldest rather than grow.
    if (this.#pending.length >= MAX_PENDING) this.#pending.shift();
    this.#pending.push({ trId: topic.trId, trKey: topic.trKey, subscribe });
  }

  /** A reply naming its topic: it and every older request are answered (in-order channel). */
  answered(trId: string, trKey: string): void {
    const i = this.#pending.findIndex((r) => r.trId === trId && r.trKey === trKey);
    if (i >= 0) this.#pending.splice(0, i + 1);
  }

  /** A reply without a topic answers the oldest request; `undefined` when none is due. */
  answerOldest(): Request | undefined {
    return this.#pending.shift();
  }

  clear(): void {
    this.#pending.length = 0;
  }
}
