/** One graphql-ws operation: the wire id and the registry entry it feeds. */
export interface Operation {
  readonly id: string;
  readonly key: string;
  readonly topic: string;
}

/**
 * The live operations of one graphql-transport-ws connection, by id and by registry key.
 *
 * An id lives as long as its operation: every `subscribe`, `next`, `error`, `complete` of that
 * operation carries it, and inbound frames route through it to the exact registry entry. A new
 * operation for the same key (after `complete`, a server `error`, or a re-send) gets a new id,
 * because the reference server tears an operation down asynchronously: a `subscribe` that
 * reuses an id right after its `complete` can be answered with the old operation's
 * `complete` (or a 4409 close), and a `next` still in flight for the old operation would be
 * delivered to the new one. Ids are a per-connection counter, so they are deterministic.
 *
 * Size: at most one operation per registry key (the registry bounds keys); cleared on `reset()`.
 */
export class OperationTable {
  #counter = 0;
  readonly #byId = new Map<string, Operation>();
  readonly #byKey = new Map<string, Operation>();

  /** Live operations. */
  get size(): number {
    return this.#byId.size;
  }

  /** The live operation with this wire id. */
  get(id: string): Operation | undefined {
    return this.#byId.get(id);
  }

  /** The live operation of this registry key. */
  ofKey(key: string): Operation | undefined {
    return this.#byKey.get(key);
  }

  /** Start an operation for `key`; a live one of the same key is retired and returned. */
  open(key: string, topic: string): { op: Operation; replaced: Operation | undefined } {
    const replaced = this.close(key);
    const op: Operation = { id: String(++this.#counter), key, topic };
    this.#byId.set(op.id, op);
    this.#byKey.set(key, op);
    return { op, replaced };
  }

  /** The client ends the key's operation: retire and return it (undefined when none lives). */
  close(key: string): Operation | undefined {
    const op = this.#byKey.get(key);
    if (op) this.#retire(op);
    return op;
  }

  /** The server ended operation `id` (`error` or `complete`): retire and return it. */
  end(id: string): Operation | undefined {
    const op = this.#byId.get(id);
    if (op) this.#retire(op);
    return op;
  }

  /** A new connection: no operation survives, ids start again at "1". */
  reset(): void {
    this.#counter = 0;
    this.#byId.clear();
    this.#byKey.clear();
  }

  #retire(op: Operation): void {
    this.#byId.delete(op.id);
    if (this.#byKey.get(op.key) === op) this.#byKey.delete(op.key);
  }
}
