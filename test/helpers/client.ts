import { EventEmitter } from 'eventemitter3';
import { StreamClient, type StreamClientOptions } from '../../src/index.js';
import type { ConnectionState, StateChange } from '../../src/connection/states.js';
import type { Logger } from '../../src/observe/log.js';
import { waitFor } from '../../src/testing/wait-for.js';

/** Resolves with the next transition into `to` (optionally matching `filter`), bounded. */
export function nextState(
  client: StreamClient,
  to: ConnectionState,
  options: { timeoutMs?: number; filter?: (c: StateChange) => boolean } = {},
): Promise<StateChange> {
  const filter = options.filter;
  return waitFor<StateChange>(client as never, 'state', {
    timeoutMs: options.timeoutMs ?? 5_000,
    filter: (c) => c.to === to && (!filter || filter(c)),
  });
}

/**
 * A logger that keeps every record as a JSON line, for redaction and event assertions, and
 * emits each record's `event` on `bus` so a test can wait for one with a bound.
 */
export function captureLogger(): { logger: Logger; lines: string[]; events: () => string[]; bus: EventEmitter } {
  const lines: string[] = [];
  const bus = new EventEmitter();
  const push = (obj: object, msg?: string) => {
    lines.push(JSON.stringify({ ...obj, msg }));
    bus.emit((obj as { event: string }).event, obj);
  };
  return {
    lines,
    bus,
    logger: { debug: push, info: push, warn: push, error: push, isLevelEnabled: () => true },
    events: () => lines.map((l) => (JSON.parse(l) as { event: string }).event),
  };
}

/** A client with fast, deterministic defaults for loopback tests (seeded random, small delays). */
export function testClient(url: string, options: Partial<StreamClientOptions> = {}): StreamClient {
  return new StreamClient({
    url,
    random: () => 0.5,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, jitter: 'equal', quickRetryMs: 0, ...options.reconnect },
    heartbeat: false,
    closeTimeoutMs: 500,
    ...options,
  } as StreamClientOptions);
}
