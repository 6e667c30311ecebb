import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamClient, type StateChange, type StreamClientOptions } from '../../../src/index.js';
import { createMemoryNetwork } from '../../../src/testing/memory.js';
import { speakJson } from '../../helpers/memory-json.js';
import { pendingTimers } from '../../../src/testing/index.js';

/** A browser's global scope, as far as network events go: counts what is registered. */
function fakeScope(onLine: boolean) {
  const scope = new EventTarget();
  const listeners = new Map<string, number>();
  vi.stubGlobal('addEventListener', (type: string, fn: EventListener) => {
    listeners.set(type, (listeners.get(type) ?? 0) + 1);
    scope.addEventListener(type, fn);
  });
  vi.stubGlobal('removeEventListener', (type: string, fn: EventListener) => {
    listeners.set(type, (listeners.get(type) ?? 0) - 1);
    scope.removeEventListener(type, fn);
  });
  vi.stubGlobal('navigator', { onLine });
  return { fire: (type: 'online' | 'offline') => scope.dispatchEvent(new Event(type)), listeners };
}

function setup(options: Partial<StreamClientOptions> = {}) {
  const network = createMemoryNetwork({ onConnection: (peer) => speakJson(peer) });
  const client = new StreamClient({
    url: 'ws://memory.test/',
    WebSocket: network.WebSocket as never,
    random: () => 0.5,
    reconnect: { initialDelayMs: 30_000, maxDelayMs: 60_000, jitter: 'none', quickRetryMs: 0 }, // no quick first retry: the 30 s wait is what online cuts short
    heartbeat: { intervalMs: 15_000, timeoutMs: 10_000 },
    ...options,
  });
  const changes: StateChange[] = [];
  client.on('state', (c) => void changes.push(c));
  return { network, client, changes };
}

describe('browser network events', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('offline is a loss at once (no heartbeat wait), and online retries at once instead of waiting the 30 s delay', async () => {
    const scope = fakeScope(true);
    const { network, client, changes } = setup();
    await client.start();
    expect(client.state).toBe('open');
    scope.fire('offline');
    expect(client.state).toBe('reconnecting');
    expect(changes.at(-1)).toMatchObject({ from: 'open', to: 'reconnecting', reason: 'offline', delayMs: 30_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(network.peers).toHaveLength(1);
    scope.fire('online');
    expect(changes.at(-1)).toMatchObject({ from: 'reconnecting', to: 'connecting', reason: 'online', attempt: 0 });
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('open');
    expect(network.peers).toHaveLength(2);
    expect(pendingTimers(client).filter((n) => n.startsWith('reconnect'))).toEqual([]);
    await client.close();
    expect([...scope.listeners]).toEqual([
      ['online', 0],
      ['offline', 0],
    ]);
    expect(pendingTimers(client)).toEqual([]);
  });

  it('offlineAware: false keeps the socket on offline (the heartbeat decides), online still retries a pending reconnect', async () => {
    const scope = fakeScope(true);
    const { client } = setup({ offlineAware: false });
    await client.start();
    scope.fire('offline');
    expect(client.state).toBe('open');
    expect([...scope.listeners]).toEqual([['online', 1]]);
    await client.close();
    expect([...scope.listeners]).toEqual([['online', 0]]);
  });

  it('an online event while open or stopped changes nothing', async () => {
    const scope = fakeScope(true);
    const { network, client, changes } = setup();
    await client.start();
    const before = changes.length;
    scope.fire('online');
    await client.stop();
    scope.fire('online');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(changes.slice(before).map((c) => c.to)).toEqual(['stopped']);
    expect(network.peers).toHaveLength(1);
    await client.close();
  });

  it('registers nothing where the runtime has no network events (Node), and offlineAware defaults off there', async () => {
    const { client } = setup();
    expect(typeof (globalThis as { addEventListener?: unknown }).addEventListener).toBe('undefined');
    await client.start();
    await client.close();
    expect(() => setup({ offlineAware: 'yes' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: 'offlineAware must be a boolean (got string)' }),
    );
  });
});
