import type { KV } from '@nats-io/kv';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { TaskRegistry } from '../../../src/core/tasks.js';
import { Lease, type StepDownReason } from '../../../src/relay/lease.js';

const TTL = 1_000;

/** The lease key of a KV bucket with max age TTL, as nats-server 2.9 keeps it (CAS by revision). */
class FakeKv {
  value: string | undefined;
  revision = 0;
  writtenAt = 0;
  /** When set, update() never answers (a partition). */
  hang = false;
  updates = 0;

  #live(): boolean {
    return this.value !== undefined && Date.now() - this.writtenAt < TTL;
  }
  #casLoss(): Error {
    return Object.assign(new Error('wrong last sequence'), { code: 10071 });
  }
  async create(_k: string, v: string): Promise<number> {
    if (this.#live()) throw this.#casLoss();
    return this.#write(v);
  }
  update(_k: string, v: string, rev: number): Promise<number> {
    this.updates++;
    if (this.hang) return new Promise(() => {});
    if (!this.#live() || rev !== this.revision) return Promise.reject(this.#casLoss());
    return Promise.resolve(this.#write(v));
  }
  async get(): Promise<null> {
    return null;
  }
  async delete(): Promise<void> {
    this.value = undefined;
  }
  #write(v: string): number {
    this.value = v;
    this.writtenAt = Date.now();
    return ++this.revision;
  }
}

function harness() {
  const kv = new FakeKv();
  const tasks = new TaskRegistry(systemClock);
  const events: string[] = [];
  const lease = new Lease(kv as unknown as KV, 'me', TTL, tasks, {
    lead: (epoch) => void events.push(`lead:${epoch}@${Date.now()}`),
    stepDown: async (reason: StepDownReason) => void events.push(`down:${reason}@${Date.now()}`),
    trouble: () => {},
  });
  return { kv, tasks, events, lease };
}

describe('Lease (fake timers)', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('a winner leads only one full lease time after it won', async () => {
    const { events, lease } = harness();
    lease.start();
    await vi.advanceTimersByTimeAsync(TTL - 1);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual([`lead:1@${TTL}`]);
    expect(lease.leading).toBe(true);
    await lease.close();
  });

  it('a leader whose renewals stop answering steps down one lease time after its last good renewal was sent', async () => {
    const { kv, events, lease } = harness();
    lease.start();
    await vi.advanceTimersByTimeAsync(TTL); // leading; renewals every TTL / 4
    const lastOk = kv.writtenAt;
    kv.hang = true;
    await vi.advanceTimersByTimeAsync(3 * TTL);
    expect(events).toEqual([`lead:1@${TTL}`, `down:expired@${lastOk + TTL}`]);
    await lease.close();
  });

  it('a renewal that finds the key taken steps down at once', async () => {
    const { kv, events, lease } = harness();
    lease.start();
    await vi.advanceTimersByTimeAsync(TTL);
    kv.revision += 5; // someone else wrote the key
    await vi.advanceTimersByTimeAsync(TTL / 4);
    expect(events).toEqual([`lead:1@${TTL}`, `down:taken@${TTL + TTL / 4}`]);
    expect(lease.leading).toBe(false);
    await lease.close();
  });

  it('close() steps down, releases the key and leaves no timer', async () => {
    const { kv, tasks, events, lease } = harness();
    lease.start();
    await vi.advanceTimersByTimeAsync(TTL);
    await lease.close();
    expect(events).toEqual([`lead:1@${TTL}`, `down:closed@${TTL}`]);
    expect(kv.value).toBeUndefined();
    expect(tasks.size).toBe(0);
  });
});
