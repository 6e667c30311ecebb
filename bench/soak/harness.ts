/** Clients, server waits and small utilities shared by the soak phases. */
import { StreamClient, type StreamClientOptions } from '../../src/index.js';
import { waitFor, type TestServer } from '../../src/testing/index.js';
import { seeded as prng } from '../../test/helpers/random.js';
export { prng };

/** Bound of every single wait in the soak: a wait that takes longer is a finding, not a hang. */
export const WAIT_MS = 10_000;

/**
 * A client with loopback-sized delays: millisecond backoff (full jitter, seeded), heartbeat
 * and stale timers on so that their arming and cancelling is part of what is soaked.
 */
export function soakClient(url: string, seed: number, extra: Partial<StreamClientOptions> = {}): StreamClient {
  return new StreamClient({
    url,
    random: prng(seed),
    reconnect: { initialDelayMs: 2, maxDelayMs: 20, jitter: 'full', resetAfterMs: 0 },
    heartbeat: { intervalMs: 2_000, timeoutMs: 2_000 },
    stale: { afterMs: 5_000 },
    closeTimeoutMs: 500,
    ...extra,
  });
}

export function topicsOf(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** True when the server holds each topic exactly `times` times in total. */
function holds(server: TestServer, topics: readonly string[], times: number): boolean {
  const subs = server.subscriptions();
  for (const t of topics) if (subs.get(t) !== times) return false;
  return true;
}

/** Resolves once the server holds every topic exactly once (bounded). */
export async function serverHolds(server: TestServer, topics: readonly string[]): Promise<void> {
  if (holds(server, topics, 1)) return;
  await waitFor(server, 'subscribe', { timeoutMs: WAIT_MS, filter: () => holds(server, topics, 1) });
}

/** Resolves once the server has no open connection (bounded). */
export async function serverIdle(server: TestServer): Promise<void> {
  if (server.connections === 0) return;
  await waitFor(server, 'disconnect', { timeoutMs: WAIT_MS, filter: () => server.connections === 0 });
}

/** Resolves with the next transition of `client` into `to` (bounded). Start it before the cause. */
export function nextState(client: StreamClient, to: string): Promise<unknown> {
  return waitFor<{ to: string }>(client as never, 'state', { timeoutMs: WAIT_MS, filter: (c) => c.to === to });
}

/** Listeners on every event of the server (waits must not accumulate). */
export function serverListeners(server: TestServer): number {
  let n = 0;
  for (const name of server.eventNames()) n += server.listenerCount(name);
  return n;
}

export function clientListeners(client: StreamClient): { state: number; error: number } {
  return { state: client.listenerCount('state'), error: client.listenerCount('error') };
}

/** `err.message`, or the value as a string. */
export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A promise resolved by the data path (a counter reaching a target), with a bound. */
export class Latch {
  #resolve: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Resolves when `open()` is called; rejects after `timeoutMs` with `what`. */
  wait(what: string, timeoutMs = WAIT_MS): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#timer = setTimeout(() => {
        this.#resolve = undefined;
        reject(new Error(`${what}: not within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  get waiting(): boolean {
    return this.#resolve !== undefined;
  }

  open(): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    this.#resolve = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    resolve();
  }
}
