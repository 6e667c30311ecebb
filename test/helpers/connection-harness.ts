import { vi } from 'vitest';
import { Connection, type ConnectionHooks, type ConnectionOptions } from '../../src/connection/connection.js';
import type { StateChange } from '../../src/connection/states.js';
import type { WebSocketConstructor } from '../../src/connection/transport.js';
import { systemClock } from '../../src/core/clock.js';
import type { StreamClientError } from '../../src/core/errors.js';
import { TaskRegistry } from '../../src/core/tasks.js';
import { createCounters } from '../../src/observe/counters.js';
import { Log, type Logger } from '../../src/observe/log.js';
import { jsonProtocol } from '../../src/protocol/json.js';
import type { StreamSink } from '../../src/protocol/types.js';
import { ReconnectScheduler, type ReconnectOptions } from '../../src/reconnect/scheduler.js';
import { createMemoryNetwork, type MemoryNetworkOptions } from '../../src/testing/memory.js';
import { PLAIN_RECONNECT } from './config.js';
import { speakJson, type JsonPeerBehaviour } from './memory-json.js';

export interface HarnessOptions {
  connection?: Partial<ConnectionOptions>;
  reconnect?: Partial<ReconnectOptions>;
  network?: MemoryNetworkOptions;
  peer?: JsonPeerBehaviour;
  token?: string | (() => Promise<string | undefined>);
  authRejected?: () => 'retry' | 'fatal';
  random?: () => number;
}

/** A Connection over the in-memory network with recording hooks. Use with fake timers. */
export function connectionHarness(h: HarnessOptions = {}) {
  const network = createMemoryNetwork({
    ...h.network,
    onConnection: (peer) => {
      speakJson(peer, h.peer);
      h.network?.onConnection?.(peer);
    },
  });
  const tasks = new TaskRegistry(systemClock);
  const counters = createCounters();
  const records: Record<string, unknown>[] = [];
  const push = (obj: object) => records.push(obj as Record<string, unknown>);
  const logger: Logger = { debug: push, info: push, warn: push, error: push };
  const log = new Log(logger);
  const changes: StateChange[] = [];
  const errors: StreamClientError[] = [];
  const messages: unknown[] = [];
  const hooks: ConnectionHooks = {
    credential: vi.fn(async () => (typeof h.token === 'function' ? h.token() : h.token)),
    ready: vi.fn(),
    message: (m) => messages.push(m),
    down: vi.fn(),
    accepted: vi.fn(),
    authRejected: h.authRejected ?? (() => 'retry'),
    transition: (c) => changes.push(c),
    error: (e) => errors.push(e),
  };
  /** Stream data as the registry would receive it, with the receive time the connection passed. */
  const sink: StreamSink & { onData?: () => void } = {
    data(topic, key, data, seq, receivedAt) {
      messages.push({ type: 'data', topic, key, data, seq, receivedAt });
      this.onData?.();
    },
  };
  const scheduler = new ReconnectScheduler(
    {
      ...PLAIN_RECONNECT,
      ...h.reconnect,
    },
    tasks,
    h.random ?? (() => 0.5),
  );
  const connection = new Connection(
    {
      url: 'ws://memory.test/ws',
      protocol: jsonProtocol(),
      WebSocket: network.WebSocket as unknown as WebSocketConstructor,
      connectTimeoutMs: 1_000,
      handshakeTimeoutMs: 1_000,
      closeTimeoutMs: 100,
      heartbeat: false,
      maxFrameBytes: 16 * 1024 * 1024,
      ...h.connection,
    },
    { tasks, scheduler, hooks, sink, log, counters },
  );
  return {
    network,
    tasks,
    counters,
    records,
    changes,
    errors,
    messages,
    hooks,
    sink,
    connection,
    states: () => changes.map((c) => c.to),
  };
}
