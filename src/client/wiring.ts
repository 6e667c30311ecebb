import type { EventEmitter } from 'eventemitter3';
import { rejectionVerdict, type TokenRefresher } from '../auth/index.js';
import type { ConnectionHooks, Session } from '../connection/connection.js';
import { Outbox } from '../connection/outbox.js';
import type { StateChange } from '../connection/states.js';
import type { StreamClientError } from '../core/errors.js';
import type { Log } from '../observe/log.js';
import type { Counters } from '../observe/counters.js';
import type { Frame, Inbound } from '../protocol/types.js';
import type { SubscriptionRegistry } from '../subscriptions/index.js';
import type { StreamClientEvents } from './events.js';

/** The parts of one client that its connection reaches. */
export interface WiredParts {
  /** Where `state` events go: the client. */
  readonly events: EventEmitter<StreamClientEvents>;
  /** Reports an error as the client's `error` event (scrubbed of secrets). */
  readonly report: (err: StreamClientError) => void;
  readonly log: Log;
  readonly counters: Counters;
  readonly registry: SubscriptionRegistry;
  readonly auth: TokenRefresher | undefined;
  /** `outbox.maxMessages`. */
  readonly outboxMax: number;
}

/**
 * The connection's hooks, joined to the client's other parts: credentials from auth, the session
 * and inbound messages to the registry, frames queued while offline drained before `open`, events
 * out through the client. One object with prototype methods rather than a closure per hook, and
 * the outbox made on the first queued frame: part of bench/RESULTS.md "idle heap per connection,
 * steadystream" (5.5 KB).
 */
export class ConnectionWiring implements ConnectionHooks {
  readonly #events: EventEmitter<StreamClientEvents>;
  readonly #report: (err: StreamClientError) => void;
  readonly #log: Log;
  readonly #counters: Counters;
  readonly #registry: SubscriptionRegistry;
  readonly #auth: TokenRefresher | undefined;
  readonly #outboxMax: number;
  #outbox: Outbox | undefined;

  constructor(parts: WiredParts) {
    this.#events = parts.events;
    this.#report = parts.report;
    this.#log = parts.log;
    this.#counters = parts.counters;
    this.#registry = parts.registry;
    this.#auth = parts.auth;
    this.#outboxMax = parts.outboxMax;
  }

  /** Queue a frame the connection could not send now; `OUTBOX_FULL` when the outbox is full. */
  queue(frame: Frame): void {
    (this.#outbox ??= new Outbox(this.#outboxMax, { counters: this.#counters, log: this.#log })).push(frame);
  }

  /** Drop every queued frame (the client is closing). */
  dropQueued(): void {
    this.#outbox?.clear();
  }

  credential(signal: AbortSignal): Promise<string | undefined> {
    return this.#auth ? this.#auth.getToken(signal) : Promise.resolve(undefined);
  }

  ready(session: Session): void {
    this.#registry.attach(session);
    this.#outbox?.drain((f) => session.send(f));
    this.#auth?.start();
  }

  message(m: Inbound): void {
    this.#registry.handle(m);
  }

  accepted(): void {
    this.#auth?.markAccepted();
  }

  down(): void {
    this.#registry.detach();
  }

  authRejected(token: string | undefined): 'retry' | 'fatal' {
    return rejectionVerdict(this.#auth, token);
  }

  transition(change: StateChange): void {
    this.#events.emit('state', change);
  }

  error(err: StreamClientError): void {
    this.#report(err);
  }
}
