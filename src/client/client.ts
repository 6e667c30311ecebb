/*
 * The facade. `StreamClient` makes one of each part from the resolved options and joins them; it
 * holds no algorithm. What it guarantees:
 * - every timer of every part is in one TaskRegistry, which `close()` disposes: none is left after;
 * - the connection alone changes state; the client re-emits its `state`, and `error` scrubbed of
 *   every secret the client knows, and `token` with the expiry only;
 * - stream data goes from the protocol straight into the registry (the connection's `sink`), never
 *   through the facade; the connection reaches the other parts only through `ConnectionWiring`;
 * - render code arrives only through `createViews(client)` (the `ATTACH_VIEWS` slot);
 * - once `close()` (idempotent) is called, `subscribe`, `view` and `send` throw `ClosedError`; it
 *   releases the socket, timers, listeners, views, subscriptions and queued frames.
 */
import { EventEmitter } from 'eventemitter3';
import { TokenRefresher } from '../auth/index.js';
import { Connection } from '../connection/connection.js';
import type { ConnectionState } from '../connection/states.js';
import { ClosedError, StreamClientError } from '../core/errors.js';
import { TaskRegistry } from '../core/tasks.js';
import { createCounters, type Counters } from '../observe/counters.js';
import { Log } from '../observe/log.js';
import type { Frame } from '../protocol/types.js';
import { ReconnectScheduler } from '../reconnect/scheduler.js';
import type { View } from '../render/view.js';
import type { ViewOptions } from '../render/view-options.js';
import { SubscriptionRegistry, type SubscribeOptions, type Subscription, type DataMeta } from '../subscriptions/index.js';
import type { StreamClientEvents } from './events.js';
import { watchNetwork } from '../platform/network.js';
import { ATTACH_VIEWS } from '../core/attach-views.js';
import type { MakeViews, Views, ViewsHost } from '../render/views-slot.js';
import { ConnectionWiring } from './wiring.js';
import type { StreamClientOptions } from './options.js';
import { resolveOptions, type ResolvedOptions } from './resolve.js';
import { health, type Health } from '../observe/health.js';

/** Where `pendingTimers(client)` of steadystream/testing (src/testing/timers.ts) finds the task registry. */
const TIMERS_SLOT = Symbol.for('steadystream.timers');

/**
 * A WebSocket stream client that stays connected: reconnects with jittered backoff, refreshes
 * its token ahead of expiry, restores subscriptions exactly once, marks silent topics stale,
 * and renders views through a semantic cache.
 */
export class StreamClient extends EventEmitter<StreamClientEvents> implements AsyncDisposable {
  readonly #options: ResolvedOptions;
  readonly #tasks: TaskRegistry;
  readonly #counters: Counters = createCounters();
  readonly #log: Log;
  readonly #connection: Connection;
  readonly #auth: TokenRefresher | undefined;
  readonly #registry: SubscriptionRegistry;
  /** Attached by `createViews(client)` (steadystream/render): a client without views carries no render code. */
  #views: Views | undefined;
  readonly #wiring: ConnectionWiring;
  #closing: Promise<void> | undefined;
  /** Removes the `online`/`offline` listeners (browsers); undefined where there are none. */
  readonly #unwatchNetwork: (() => void) | undefined;

  constructor(options: StreamClientOptions) {
    super();
    const o = (this.#options = resolveOptions(options));
    const tasks = (this.#tasks = new TaskRegistry(o.clock, { unref: o.unref }));
    (this as Record<symbol, unknown>)[TIMERS_SLOT] = tasks; // undeclared: not part of the client's type
    const log = (this.#log = new Log(o.logger));
    const counters = this.#counters;
    this.#auth = o.auth
      ? new TokenRefresher(o.auth, {
          tasks,
          random: o.random,
          log,
          counters,
          onToken: (token, expiresAt) => {
            this.emit('token', { expiresAt });
            void this.#connection.reauth(token);
          },
        })
      : undefined;
    // Bound, not an arrow: an arrow here would keep the constructor's whole scope alive per client.
    const report = this.#report.bind(this);
    const registry = (this.#registry = new SubscriptionRegistry(o.protocol, {
      tasks,
      log,
      counters,
      options: o.registry,
      onError: report,
    }));
    const wiring = (this.#wiring = new ConnectionWiring({ events: this, report, log, counters, registry, auth: this.#auth, outboxMax: o.outbox.maxMessages }));
    this.#registry.pause(); // not started yet: as quiet as a stopped client until start()
    const scheduler = new ReconnectScheduler(o.reconnect, tasks, o.random);
    this.#connection = new Connection(o, {
      tasks,
      scheduler,
      log,
      counters,
      hooks: wiring,
      sink: this.#registry, // stream data goes straight from the protocol to the registry
    });
    const connection = this.#connection;
    this.#unwatchNetwork = watchNetwork({
      online: () => connection.online(),
      offline: o.offlineAware ? () => connection.offline() : undefined,
    });
  }

  /** The connection state right now. */
  get state(): ConnectionState {
    return this.#connection.state;
  }

  /** Connect. Resolves on the first open; rejects only when the client gives up (or is stopped). */
  start(): Promise<void> {
    this.#registry.resume();
    return this.#connection.start().catch((err: unknown) => {
      throw this.#exposed(err);
    });
  }

  /** Go offline; subscriptions and views are kept for the next `start()`. */
  async stop(): Promise<void> {
    // The connection first: its generation moves on, so the refresher's rejection of a pending
    // getToken() is not mistaken for a token failure.
    const stopping = this.#connection.stop();
    this.#auth?.stop();
    this.#registry.pause(); // a stopped client is quiet: no stale sweeps, no fallback polls
    await stopping;
  }

  /** Release everything: socket, timers, listeners, views, subscriptions. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** `close()`, for `await using client = new StreamClient(…)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Subscribe to a topic. Handles on the same topic + params share one server subscription;
   * `unsubscribe()` is idempotent.
   */
  subscribe<T = unknown>(topic: string, onData: (data: T, meta: DataMeta) => void, options?: SubscribeOptions<T>): Subscription {
    this.#assertOpenForUse();
    return this.#registry.add(topic, onData, options);
  }

  /**
   * A rendered tile bound to a topic. An existing view with the same id is replaced.
   * Needs the render part, attached once: `import { createViews } from 'steadystream/render'`
   * then `createViews(client)`; without it this throws `INVALID_OPTIONS`.
   */
  view<D = unknown, S extends object = Record<string, unknown>, O = unknown>(id: string, options: ViewOptions<D, S, O>): View {
    this.#assertOpenForUse();
    if (!this.#views) {
      throw new StreamClientError(
        'INVALID_OPTIONS',
        "client.view() needs the render part: import { createViews } from 'steadystream/render' and call createViews(client) once",
        {
          details: { option: 'view' },
        },
      );
    }
    return this.#views.view(id, options);
  }

  /**
   * The render part's attachment point: `createViews(client)` from `steadystream/render` calls it
   * once and gets the views back (the same ones on every call). Applications call `createViews`.
   */
  [ATTACH_VIEWS](make: MakeViews): Views {
    this.#assertOpenForUse();
    if (this.#views) return this.#views;
    const host: ViewsHost = {
      host: { subscribe: (topic, params, onData, hooks) => this.#registry.add(topic, onData, { ...hooks, ...(params === undefined ? {} : { params }) }) },
      tasks: this.#tasks,
      counters: this.#counters,
      log: this.#log,
      render: this.#options.render,
    };
    return (this.#views = make(host as never));
  }

  /** Send an application frame; queued (bounded) while offline. Throws `OUTBOX_FULL` on overflow. */
  send(frame: Frame): void {
    this.#assertOpenForUse();
    if (!this.#connection.send(frame)) this.#wiring.queue(frame);
  }

  /** Refresh the token now (shares any refresh in flight). Resolves with its expiry. */
  async refreshToken(): Promise<{
    /** When the new token expires (epoch ms). */
    expiresAt: number | undefined;
  }> {
    if (!this.#auth) throw new StreamClientError('INVALID_OPTIONS', 'auth is not configured');
    await this.#auth.refresh().catch((err: unknown) => {
      throw this.#exposed(err);
    });
    return { expiresAt: this.#auth.expiresAt };
  }

  /** Every counter, as a plain object (a copy). */
  metrics(): Counters {
    return { ...this.#counters };
  }

  /** The client's condition now: O(topics). */
  health(): Health {
    return health(this.#connection, this.#registry, this.#auth?.expiresAt);
  }

  async #close(): Promise<void> {
    this.#views?.close();
    this.#unwatchNetwork?.();
    const closing = this.#connection.close();
    this.#auth?.dispose();
    await closing;
    this.#registry.dispose();
    this.#wiring.dropQueued();
    this.#tasks.dispose();
    this.removeAllListeners();
  }

  /** Every error the client reports as an `error` event goes out here, scrubbed of every secret the client knows. */
  #report(err: StreamClientError): void {
    this.emit('error', this.#log.redactor.exposed(err));
  }

  /** Every error handed to the application passes here: scrubbed of every secret the client knows. */
  #exposed(err: unknown): unknown {
    return err instanceof Error ? this.#log.redactor.exposed(err) : err;
  }

  #assertOpenForUse(): void {
    if (this.#closing) throw new ClosedError();
  }
}
