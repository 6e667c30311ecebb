import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import { createCounters } from '../../../src/observe/counters.js';
import { Log, silentLogger } from '../../../src/observe/log.js';
import { jsonProtocol } from '../../../src/protocol/json.js';
import type { Frame, Inbound, Protocol } from '../../../src/protocol/types.js';
import { SubscriptionRegistry, type Session, type Subscription } from '../../../src/subscriptions/index.js';
import { registryOptions } from '../../helpers/config.js';
import { deliver as route } from '../../helpers/registry.js';

type Json = Record<string, unknown>;

/**
 * A server that processes each frame when it is sent (counting subscriptions per key, like the
 * test server) and queues its replies and data on one ordered channel, delivered on command.
 * In key mode every subscribe carries an operation id (as graphql-ws does) and the client-side
 * protocol drops messages of operations it ended; in topic mode replies carry the topic only.
 */
class FakeServer {
  readonly live = new Map<string, number>();
  readonly inflight: { msg: Inbound; op: number | undefined }[] = [];
  /** Client side: the current operation id per key (set on subscribe, cleared on unsubscribe). */
  readonly ops = new Map<string, number>();
  readonly #serverOps = new Map<string, number>();
  readonly seq = new Map<string, number>();
  readonly violations: string[] = [];
  rejectNext = false;
  #session: { alive: boolean } | undefined;

  constructor(readonly routeByKey: boolean) {}

  connect(): Session {
    const state = { alive: true };
    this.#session = state;
    return {
      token: undefined,
      send: (frame: Frame) => {
        if (!state.alive) return void this.violations.push(`frame sent on a dead session: ${String(frame)}`);
        this.#receive(JSON.parse(String(frame)) as Json);
      },
    };
  }

  disconnect(): void {
    if (this.#session) this.#session.alive = false;
    this.live.clear();
    this.inflight.length = 0;
  }

  #receive(f: Json): void {
    const topic = f['topic'] as string;
    const key = (f['key'] as string | undefined) ?? topic; // plain jsonProtocol: no params, key = topic
    const route = this.routeByKey ? { topic, key } : { topic };
    const op = f['id'] as number | undefined;
    if (f['op'] === 'subscribe') {
      if (this.rejectNext) {
        this.rejectNext = false;
        this.inflight.push({ msg: { type: 'error', ...route, code: 'denied', message: 'denied', kind: 'rejected' }, op });
        return;
      }
      this.live.set(key, (this.live.get(key) ?? 0) + 1);
      if ((this.live.get(key) ?? 0) > 1) this.violations.push(`server holds ${key} twice`);
      if (op !== undefined) this.#serverOps.set(key, op);
      this.inflight.push({ msg: { type: 'subscribed', ...route }, op });
    } else if (f['op'] === 'unsubscribe') {
      const n = this.live.get(key) ?? 0;
      if (n > 1) this.live.set(key, n - 1);
      else this.live.delete(key);
      this.inflight.push({ msg: { type: 'unsubscribed', ...route }, op });
    }
  }

  /** The next message the client's protocol lets through, if any is in flight. */
  next(): Inbound | undefined {
    const item = this.inflight.shift();
    if (!item) return undefined;
    const key = item.msg.type === 'ping' || item.msg.type === 'pong' ? undefined : (item.msg as { key?: string }).key;
    if (item.op !== undefined && key !== undefined && this.ops.get(key) !== item.op) return { type: 'ignore' };
    return item.msg;
  }

  push(key: string, topic: string, duplicate: boolean): void {
    const last = this.seq.get(key) ?? 0;
    const seq = duplicate && last > 0 ? last : last + 1;
    this.seq.set(key, seq);
    const msg: Inbound = this.routeByKey ? { type: 'data', topic, key, data: key, seq } : { type: 'data', topic, data: key, seq };
    this.inflight.push({ msg, op: this.#serverOps.get(key) });
  }
}

/** jsonProtocol with the key and an operation id per subscribe on the wire (graphql-ws style). */
function keyedJson(ops: Map<string, number>): Protocol {
  let nextId = 0;
  return {
    ...jsonProtocol(),
    subscribe: (req) => {
      ops.set(req.key, ++nextId);
      return JSON.stringify({ op: 'subscribe', id: nextId, topic: req.topic, key: req.key, params: req.params, from: req.from });
    },
    unsubscribe: (req) => {
      const id = ops.get(req.key);
      ops.delete(req.key);
      return JSON.stringify({ op: 'unsubscribe', id, topic: req.topic, key: req.key });
    },
  };
}

interface ModelHandle {
  key: string;
  closed: boolean;
}
interface Model {
  handles: ModelHandle[];
  attached: boolean;
}
interface Real {
  registry: SubscriptionRegistry;
  tasks: TaskRegistry;
  server: FakeServer;
  subs: { sub: Subscription; model: ModelHandle; lastSeq: number }[];
}

const TOPICS = ['A', 'B'];
const PARAMS: unknown[] = [undefined, { x: 1, y: 2 }, { y: 2, x: 1 }, { x: 2 }];

function check(m: Model, r: Real): void {
  const liveKeys = new Set(m.handles.filter((h) => !h.closed).map((h) => h.key));
  const entries = [...r.registry.entries()];
  expect(new Set(entries.map((e) => e.key))).toEqual(liveKeys);
  const pacing = r.tasks.names().includes('subscribe.pace');
  if (m.attached && r.server.inflight.length === 0 && !pacing) {
    const wanted = new Set(entries.filter((e) => e.state !== 'error').map((e) => e.key));
    expect(new Set(r.server.live.keys())).toEqual(wanted);
  }
  expect(r.server.violations).toEqual([]);
}

type Cmd = fc.Command<Model, Real>;
const command = (name: string, pre: (m: Model) => boolean, act: (m: Model, r: Real) => void): Cmd => ({
  check: pre,
  run: (m, r) => {
    act(m, r);
    check(m, r);
  },
  toString: () => name,
});

function commands(paramsCount: number): fc.Arbitrary<Cmd>[] {
  const deliver = fc.integer({ min: 1, max: 4 }).map((n) =>
    command(
      `deliver(${n})`,
      (m) => m.attached,
      (_m, r) => {
        for (let i = 0; i < n; i++) {
          const msg = r.server.next();
          if (msg) route(r.registry, msg, r.tasks.clock.now());
        }
      },
    ),
  );
  const push = fc.tuple(fc.nat(20), fc.boolean()).map(([i, dup]) =>
    command(
      `push(#${i}${dup ? ', dup' : ''})`,
      (m) => m.attached,
      (_m, r) => {
        const keys = [...r.server.live.keys()];
        const key = keys[i % Math.max(1, keys.length)];
        if (key !== undefined) r.server.push(key, key.split('?')[0]!, dup);
      },
    ),
  );
  return [
    deliver,
    deliver,
    push,
    push,
    fc.tuple(fc.nat(TOPICS.length - 1), fc.nat(paramsCount - 1)).map(([t, p]) =>
      command(
        `subscribe(${TOPICS[t]}, ${JSON.stringify(PARAMS[p])})`,
        () => true,
        (m, r) => {
          const holder = { closed: false, key: '' };
          const rec = { sub: undefined as unknown as Subscription, model: holder, lastSeq: 0 };
          rec.sub = r.registry.add(
            TOPICS[t]!,
            (_data, meta) => {
              if (holder.closed) r.server.violations.push(`delivered to a closed handle of ${holder.key}`);
              if (meta.seq !== undefined && meta.seq <= rec.lastSeq) r.server.violations.push(`duplicate seq ${meta.seq} on ${holder.key}`);
              rec.lastSeq = meta.seq ?? rec.lastSeq;
            },
            PARAMS[p] === undefined ? {} : { params: PARAMS[p] },
          );
          holder.key = rec.sub.key;
          m.handles.push(holder);
          r.subs.push(rec);
        },
      ),
    ),
    fc.nat(20).map((i) =>
      command(
        `unsubscribe(#${i})`,
        (m) => m.handles.length > 0,
        (m, r) => {
          const rec = r.subs[i % r.subs.length]!;
          rec.sub.unsubscribe(); // repeated on closed handles too: idempotent
          rec.model.closed = true;
        },
      ),
    ),
    fc.constant(
      command(
        'detach',
        (m) => m.attached,
        (m, r) => {
          r.registry.detach();
          r.server.disconnect();
          m.attached = false;
        },
      ),
    ),
    fc.constant(
      command(
        'attach',
        (m) => !m.attached,
        (m, r) => {
          r.registry.attach(r.server.connect());
          m.attached = true;
        },
      ),
    ),
    fc.constant(
      command(
        'rejectNext',
        (m) => m.attached,
        (_m, r) => void (r.server.rejectNext = true),
      ),
    ),
    fc.constantFrom(100, 500, 1_000, 3_000).map((ms) =>
      command(
        `advance(${ms})`,
        () => true,
        () => void vi.advanceTimersByTime(ms),
      ),
    ),
  ];
}

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe.each([
  { mode: 'routed by key, with params', routeByKey: true, params: PARAMS.length },
  { mode: 'routed by topic only', routeByKey: false, params: 1 },
  { mode: 'routed by key, paced 200 ms', routeByKey: true, params: PARAMS.length, subscribeIntervalMs: 200 },
])('registry vs model ($mode)', ({ routeByKey, params, subscribeIntervalMs }) => {
  it('server set equals live non-error keys once settled; no delivery to closed handles; no duplicates', () => {
    fc.assert(
      fc.property(fc.commands(commands(params), { maxCommands: 120, size: 'max' }), (cmds) => {
        const tasks = new TaskRegistry(systemClock);
        const server = new FakeServer(routeByKey);
        const protocol = routeByKey ? keyedJson(server.ops) : jsonProtocol();
        const registry = new SubscriptionRegistry(protocol, {
          tasks,
          log: new Log(silentLogger),
          counters: createCounters(),
          options: registryOptions(
            { ackTimeoutMs: 1_000, retry: { initialDelayMs: 1_000, maxAttempts: 3 }, random: () => 0.5, subscribeIntervalMs: subscribeIntervalMs ?? 0 },
            protocol,
          ),
        });
        const real: Real = { registry, tasks, server, subs: [] };
        try {
          fc.modelRun(() => ({ model: { handles: [], attached: false }, real }), cmds);
          registry.dispose();
          expect(vi.getTimerCount()).toBe(0);
        } finally {
          registry.dispose();
          vi.clearAllTimers();
        }
      }),
      { numRuns: 500 },
    );
  }, 60_000);
});
