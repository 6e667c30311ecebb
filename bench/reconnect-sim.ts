/**
 * (d) Reconnect storm, simulated: a deterministic discrete-event simulation (virtual time, no
 * sockets, seeded PRNG) of a fleet of clients that all lose their connection at t = 0 when
 * the server dies. The server is down for `outageMs`, then admits at most K connects per
 * 100 ms window; every other attempt fails at once (refused while down, rejected over
 * capacity) and the client backs off by its own rule. Reported per strategy: total attempts
 * and the time until every client is back.
 *
 * Our strategies run through the real `ReconnectScheduler` (src/reconnect/scheduler.ts, with
 * the strategies of src/core/backoff.ts) on a virtual clock, exactly as the connection
 * drives it (`schedule` after each loss, `closed` after each failure, `opened` on success).
 * The peers' formulas are transcribed from their sources (cited in PEER_SOURCES) with their
 * defaults.
 */
import type { Clock, TimerHandle } from '../src/core/clock.js';
import { TaskRegistry } from '../src/core/tasks.js';
import { ReconnectScheduler } from '../src/reconnect/scheduler.js';
import type { JitterKind } from '../src/core/backoff.js';
import { DEFAULTS } from '../src/client/defaults.js';
import { median, min, max } from './util.js';
import { seeded as mulberry32 } from '../test/helpers/random.js';
export { mulberry32 };

interface Event {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Virtual time: a binary heap of events, ordered by time then by insertion (deterministic). */
class VirtualClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #heap: Event[] = [];

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const ev: Event = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#push(ev);
    return ev;
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle) (handle as Event).cancelled = true;
  }

  /** Run events in order until none is left before `untilMs`, or `maxEvents` ran. */
  run(untilMs: number, maxEvents: number): void {
    for (let i = 0; i < maxEvents; i++) {
      const ev = this.#pop();
      if (!ev) return;
      if (ev.at > untilMs) {
        this.#push(ev);
        return;
      }
      if (ev.cancelled) continue;
      this.#now = ev.at;
      ev.fn();
    }
  }

  #less(a: Event, b: Event): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(ev: Event): void {
    const h = this.#heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): Event | undefined {
    const h = this.#heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

export interface SimConfig {
  clients: number;
  outageMs: number;
  /** Connects admitted per window once the server is back. */
  perWindow: number;
  windowMs: number;
  /** Give up simulating after this much virtual time. */
  horizonMs: number;
}

export const SIM_DEFAULTS: SimConfig = { clients: 1_000, outageMs: 3_000, perWindow: 10, windowMs: 100, horizonMs: 900_000 };

/** A client's retry rule: the delay before retry `n` (1 = first retry after the drop). */
type PeerDelay = (n: number, random: () => number, client: { state: Record<string, number> }) => number;

/** How a strategy is wired into the simulation. */
export interface Strategy {
  id: string;
  label: string;
  source: string;
  /** One of ours (driven through ReconnectScheduler). */
  ours?: boolean;
  /**
   * Build one client's retry driver. `refused()` says whether the client's last failed attempt
   * was refused at once (server down: nothing listens) rather than answered over capacity.
   */
  make(clock: VirtualClock, random: () => number): (attempt: () => boolean, refused: () => boolean) => void;
  /** Retries after which the peer gives up by default (Infinity when it never does). */
  defaultMaxRetries?: number;
}

/** Our scheduler with the library's default options (only the jitter kind varies). */
function ours(jitter: JitterKind): Strategy {
  const { initialDelayMs, maxDelayMs, factor, quickRetryMs, downMaxDelayMs } = DEFAULTS.reconnect;
  return oursWith(
    jitter,
    { initialDelayMs, maxDelayMs, factor, quickRetryMs, downMaxDelayMs },
    `steadystream ${jitter}${jitter === 'decorrelated' ? ' (default)' : ''}`,
    `steadystream-${jitter}`,
  );
}

/**
 * Our scheduler with any options, driven as the Connection drives it: every client was healthy
 * (open past `resetAfterMs`) when the server died, so its first retry is the quick one; a
 * refused attempt (the outage) schedules with `down`, an over-capacity one (answered) without.
 */
export function oursWith(
  jitter: JitterKind,
  o: { initialDelayMs: number; maxDelayMs: number; factor: number; quickRetryMs?: number; downMaxDelayMs?: number },
  label: string,
  id = label,
): Strategy {
  return {
    id,
    label,
    ours: true,
    source: 'src/reconnect/scheduler.ts + src/core/backoff.ts',
    make: (clock, random) => (attempt, refused) => {
      const tasks = new TaskRegistry(clock);
      const scheduler = new ReconnectScheduler(
        { quickRetryMs: 0, downMaxDelayMs: o.maxDelayMs, ...o, maxHintMs: 300_000, jitter, maxAttempts: Infinity, resetAfterMs: 5_000 },
        tasks,
        random,
      );
      const run = (): void => {
        if (attempt()) scheduler.opened();
        else {
          scheduler.closed();
          scheduler.schedule(run, undefined, refused());
        }
      };
      scheduler.opened(); // healthy until the drop at t = 0
      scheduler.closed();
      scheduler.schedule(run); // the drop at t = 0
    },
  };
}

function peer(
  id: string,
  label: string,
  source: string,
  delay: PeerDelay,
  init?: (random: () => number) => Record<string, number>,
  defaultMaxRetries?: number,
): Strategy {
  return {
    id,
    label,
    source,
    ...(defaultMaxRetries === undefined ? {} : { defaultMaxRetries }),
    make: (clock, random) => (attempt) => {
      const client = { state: init ? init(random) : {} };
      let n = 0;
      const retry = (): void => {
        n++;
        clock.setTimeout(
          () => {
            if (!attempt()) retry();
          },
          delay(n, random, client),
        );
      };
      retry();
    },
  };
}

/** Where each peer formula comes from (file and the defaults used). */
export const PEER_SOURCES: Record<string, string> = {
  'socket.io':
    'socketio/socket.io packages/socket.io-client/lib/contrib/backo2.ts (`Backoff.duration`) with the Manager defaults of lib/manager.ts: reconnectionDelay 1000, reconnectionDelayMax 5000, randomizationFactor 0.5; attempt counter from 0 after a drop',
  'reconnecting-websocket':
    'pladaria/reconnecting-websocket reconnecting-websocket.ts 4.4.0 (`_getNextDelay`): minReconnectionDelay = 1000 + Math.random() * 4000, drawn once per process (module-level DEFAULT), growFactor 1.3, max 10000; the same formula is in cloudflare/partykit packages/partysocket/src/ws.ts',
  partysocket:
    'partysocket 1.3.0 as installed (node_modules/partysocket/dist/ws.js `_getNextDelay`): DEFAULT.minReconnectionDelay is a fixed 3000 there (no random term), growFactor 1.3, max 10000',
  'graphql-ws':
    'enisdenjo/graphql-ws src/client.ts `randomisedExponentialBackoff`: 1000 * 2^retries + random 300..3000 ms, retries from 0; default retryAttempts 5 (then the client gives up)',
  centrifuge:
    'centrifugal/centrifuge-js src/utils.ts `backoff(step, min, max)` (full jitter: min(max, min + randomInt(0, min(max, min * 2^step)))) with src/centrifuge.ts defaults minReconnectDelay 500, maxReconnectDelay 20000; step from 0',
};

export function strategies(): Strategy[] {
  return [
    ours('decorrelated'),
    ours('full'),
    ours('equal'),
    ours('none'),
    peer('socket.io', 'socket.io-client (backo2)', PEER_SOURCES['socket.io']!, (n, random) => {
      let ms = 1000 * Math.pow(2, n - 1);
      const rand = random();
      const deviation = Math.floor(rand * 0.5 * ms);
      ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
      return Math.min(ms, 5000) | 0;
    }),
    peer(
      'reconnecting-websocket',
      'reconnecting-websocket 4.4 / partysocket src',
      PEER_SOURCES['reconnecting-websocket']!,
      (n, _random, c) => Math.min(c.state['min']! * Math.pow(1.3, n - 1), 10_000),
      (random) => ({ min: 1000 + random() * 4000 }),
    ),
    peer('partysocket', 'partysocket 1.3.0 (installed)', PEER_SOURCES['partysocket']!, (n) => Math.min(3000 * Math.pow(1.3, n - 1), 10_000)),
    peer(
      'graphql-ws',
      'graphql-ws (randomisedExponentialBackoff)',
      PEER_SOURCES['graphql-ws']!,
      (n, random) => Math.pow(2, n - 1) * 1000 + Math.floor(random() * (3000 - 300) + 300),
      undefined,
      5,
    ),
    peer('centrifuge', 'centrifuge-js (full jitter)', PEER_SOURCES['centrifuge']!, (n, random) => {
      const step = Math.min(n - 1, 31);
      const upper = Math.min(20_000, 500 * Math.pow(2, step));
      return Math.min(20_000, 500 + Math.floor(random() * (upper + 1)));
    }),
  ];
}

export interface SimResult {
  attempts: number;
  /** Attempts made while the server was down. */
  attemptsDuringOutage: number;
  /** When the last client got back (ms after the drop); Infinity if some never did. */
  allBackMs: number;
  p50BackMs: number;
  p90BackMs: number;
  maxAttemptsOneClient: number;
  /** Clients that needed more retries than the peer's default limit (they would have given up). */
  wouldGiveUp: number;
  stranded: number;
}

export function simulate(strategy: Strategy, config: SimConfig, seed: number): SimResult {
  const clock = new VirtualClock();
  const random = mulberry32(seed);
  const admitted = new Map<number, number>();
  const backAt: number[] = [];
  const attemptsOf = new Array<number>(config.clients).fill(0);
  let attempts = 0;
  let duringOutage = 0;
  for (let c = 0; c < config.clients; c++) {
    const client = c;
    let refused = false;
    const attempt = (): boolean => {
      attempts++;
      attemptsOf[client]!++;
      const t = clock.now();
      refused = t < config.outageMs;
      if (refused) {
        duringOutage++;
        return false;
      }
      const w = Math.floor((t - config.outageMs) / config.windowMs);
      const used = admitted.get(w) ?? 0;
      if (used >= config.perWindow) return false;
      admitted.set(w, used + 1);
      backAt.push(t);
      return true;
    };
    strategy.make(clock, random)(attempt, () => refused);
  }
  clock.run(config.horizonMs, 50_000_000);
  backAt.sort((a, b) => a - b);
  const q = (p: number) => backAt[Math.min(backAt.length - 1, Math.floor(p * backAt.length))] ?? Infinity;
  const limit = strategy.defaultMaxRetries ?? Infinity;
  return {
    attempts,
    attemptsDuringOutage: duringOutage,
    allBackMs: backAt.length === config.clients ? backAt[backAt.length - 1]! : Infinity,
    p50BackMs: q(0.5),
    p90BackMs: q(0.9),
    maxAttemptsOneClient: Math.max(...attemptsOf),
    wouldGiveUp: attemptsOf.filter((a) => a > limit).length,
    stranded: config.clients - backAt.length,
  };
}

export interface SimRow {
  strategy: Strategy;
  results: SimResult[];
}

/** Every strategy over the same seeds. */
export function runSimulation(config: SimConfig, seeds: readonly number[]): SimRow[] {
  return strategies().map((strategy) => ({ strategy, results: seeds.map((s) => simulate(strategy, config, s)) }));
}

export function stat(rows: readonly SimResult[], pick: (r: SimResult) => number): { median: number; min: number; max: number } {
  const xs = rows.map(pick);
  return { median: median(xs), min: min(xs), max: max(xs) };
}
