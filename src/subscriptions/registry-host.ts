import type { StreamClientError } from '../core/errors.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { FallbackPoller } from './fallback.js';
import type { Entry } from './handle.js';
import type { SubscriptionRegistry } from './registry.js';
import { ServerLink, type LinkDeps, type LinkHost } from './server-link.js';
import type { StaleHost } from './stale.js';
import { enterStale, type StaleContext } from './stale-transitions.js';
import type { EntryState } from './types.js';

/** The registry internals its host reaches through, granted once by the registry's static block. */
export interface RegistryAccess {
  setState(r: SubscriptionRegistry, e: Entry, to: EntryState, extra?: object): void;
  fail(r: SubscriptionRegistry, e: Entry, err: StreamClientError): void;
  entries(r: SubscriptionRegistry): ReadonlyMap<string, Entry>;
  byTopic(r: SubscriptionRegistry, topic: string): readonly Entry[] | undefined;
  resubscribe(r: SubscriptionRegistry, e: Entry): void;
}

let access: RegistryAccess;

/** @internal Called once, by `SubscriptionRegistry`'s static block. */
export function grantRegistryAccess(a: RegistryAccess): void {
  access = a;
}

/**
 * The link of every registry that never had an entry: it is never attached (the registry
 * keeps its session until it makes its own link on the first `add()`), so it sends nothing,
 * and the replies `handle()` gives it find no entry and are dropped, as a real link would.
 */
export const IDLE_LINK = new ServerLink({
  host: {
    byKey: () => undefined,
    byTopic: () => undefined,
    setState: () => {},
    fail: () => {},
  },
} as unknown as LinkDeps);

/**
 * What the server link, the stale monitor and the stale transitions ask of the registry, as
 * one small object with prototype methods (closures per registry cost ~0.6 KB an idle client).
 */
export class RegistryHost implements LinkHost, StaleHost, StaleContext {
  readonly log: Log;
  readonly counters: Counters;
  fallback: FallbackPoller | undefined;
  readonly #r: SubscriptionRegistry;

  constructor(r: SubscriptionRegistry, log: Log, counters: Counters) {
    this.#r = r;
    this.log = log;
    this.counters = counters;
  }

  get entries(): ReadonlyMap<string, Entry> {
    return access.entries(this.#r);
  }

  setState(e: Entry, to: EntryState, extra?: object): void {
    access.setState(this.#r, e, to, extra);
  }

  fail(e: Entry, err: StreamClientError): void {
    access.fail(this.#r, e, err);
  }

  byTopic(topic: string): readonly Entry[] | undefined {
    return access.byTopic(this.#r, topic);
  }

  byKey(key: string): Entry | undefined {
    return access.entries(this.#r).get(key);
  }

  connected(): boolean {
    return this.#r.attached;
  }

  enterStale(e: Entry, now: number): void {
    enterStale(this, e, now);
  }

  resubscribe(e: Entry): void {
    access.resubscribe(this.#r, e);
  }
}
