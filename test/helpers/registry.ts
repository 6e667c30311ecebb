import { systemClock } from '../../src/core/clock.js';
import type { StreamClientError } from '../../src/core/errors.js';
import { TaskRegistry } from '../../src/core/tasks.js';
import { createCounters } from '../../src/observe/counters.js';
import { Log, type Logger } from '../../src/observe/log.js';
import { jsonProtocol } from '../../src/protocol/json.js';
import type { DecodeResult, Frame, Inbound, Protocol } from '../../src/protocol/types.js';
import { SubscriptionRegistry, type Session } from '../../src/subscriptions/index.js';
import { registryOptions, type RegistryOptions } from './config.js';

export type Json = Record<string, unknown>;

export class FakeSession implements Session {
  readonly frames: Json[] = [];
  readonly token = undefined;
  /** What the socket holds unsent: set it to make the link wait. */
  bufferedAmount = 0;
  send(frame: Frame): void {
    this.frames.push(JSON.parse(String(frame)) as Json);
  }
  ops(op: string): Json[] {
    return this.frames.filter((f) => f['op'] === op);
  }
}

export function registryHarness(options: RegistryOptions = {}, protocol: Protocol = jsonProtocol()) {
  const tasks = new TaskRegistry(systemClock);
  const counters = createCounters();
  const records: Json[] = [];
  const at = (level: string) => (obj: object) => void records.push({ level, ...obj });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), isLevelEnabled: () => true };
  const errors: StreamClientError[] = [];
  const registry = new SubscriptionRegistry(protocol, {
    tasks,
    log: new Log(logger),
    counters,
    options: registryOptions({ random: () => 0.5, ...options }, protocol),
    onError: (e) => errors.push(e),
  });
  /** Feed a server frame through the protocol's decoder, as the connection does, received now. */
  const server = (frame: Json): void => {
    const now = tasks.clock.now();
    const text = JSON.stringify(frame);
    deliver(registry, protocol.decodeInto ? protocol.decodeInto(text, registry, now) : protocol.decode(text), now);
  };
  const attach = (): FakeSession => {
    const s = new FakeSession();
    registry.attach(s);
    return s;
  };
  return { tasks, counters, records, registry, errors, server, attach };
}

/**
 * Decoded messages to the registry the way the connection routes them: data to the sink
 * (`data`, with the frame's receive time), everything else to `handle`.
 */
export function deliver(registry: SubscriptionRegistry, decoded: DecodeResult, receivedAt: number): void {
  for (const m of Array.isArray(decoded) ? (decoded as readonly Inbound[]) : decoded ? [decoded as Inbound] : []) {
    if (m.type === 'data') registry.data(m.topic, m.key, m.data, m.seq, receivedAt);
    else registry.handle(m);
  }
}
