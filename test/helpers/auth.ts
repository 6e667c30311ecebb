import { vi } from 'vitest';
import { TokenRefresher, type AuthOptions, type TokenResult } from '../../src/auth/index.js';
import { systemClock } from '../../src/core/clock.js';
import { TaskRegistry } from '../../src/core/tasks.js';
import { createCounters } from '../../src/observe/counters.js';
import { Log } from '../../src/observe/log.js';
import { authOptions } from './config.js';

export const HOUR = 3_600_000;

export interface Call {
  at: number;
  signal: AbortSignal;
  resolve(r: TokenResult): void;
  reject(e: unknown): void;
}

/** A token service whose every call waits for the test to settle it. */
export function manualService() {
  const calls: Call[] = [];
  const fetchToken = vi.fn((signal: AbortSignal) => new Promise<TokenResult>((resolve, reject) => calls.push({ at: Date.now(), signal, resolve, reject })));
  const inFlight = () => calls.filter((c) => !c.signal.aborted).length;
  return { calls, fetchToken, inFlight };
}

/** A token service answering at once: tokens `token-000001`, … living `ttlMs`. */
export function instantService(ttlMs: number) {
  let n = 0;
  const at: number[] = [];
  const fetchToken = vi.fn(async () => {
    at.push(Date.now());
    return { token: `token-${String(++n).padStart(6, '0')}`, expiresInMs: ttlMs };
  });
  return { fetchToken, at };
}

export function httpError(status: number, message = `token service ${status}`): Error {
  return Object.assign(new Error(message), { status });
}

export function refresherHarness(auth: AuthOptions, random: () => number = () => 0.5) {
  const tasks = new TaskRegistry(systemClock);
  const lines: string[] = [];
  const records: Record<string, unknown>[] = [];
  const push = (obj: object, msg?: string) => {
    records.push({ ...obj });
    lines.push(JSON.stringify({ ...obj, msg }));
  };
  const log = new Log({ debug: push, info: push, warn: push, error: push });
  const counters = createCounters();
  const onToken = vi.fn();
  const refresher = new TokenRefresher(authOptions(auth), { tasks, random, log, counters, onToken });
  const events = (name: string) => records.filter((r) => r['event'] === name);
  return { refresher, tasks, lines, records, events, counters, onToken };
}
