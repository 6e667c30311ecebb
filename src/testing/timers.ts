/**
 * The key under which a `StreamClient` carries its task registry for this kit (a registered
 * symbol, so a client from another copy of the package is read too). The client sets it in
 * `src/client/client.ts` (`TIMERS_SLOT`); this file may not import the client.
 */
const TIMERS_SLOT = Symbol.for('steadystream.timers');

interface TimerNames {
  names(): string[];
}

const hasTimerNames = (v: unknown): v is TimerNames => typeof (v as TimerNames | undefined)?.names === 'function';

/**
 * The names of a `StreamClient`'s pending timers (heartbeat, reconnect, subscribe retries,
 * renders…), oldest first. After `await client.close()` it is `[]`: the leak check for your
 * tests. Throws a `TypeError` for anything that is not a `StreamClient`.
 * @example
 * await client.close();
 * expect(pendingTimers(client)).toEqual([]);
 */
export function pendingTimers(client: object): string[] {
  const timers: unknown = (client as Record<symbol, unknown>)[TIMERS_SLOT];
  if (!hasTimerNames(timers)) throw new TypeError('pendingTimers() takes a StreamClient');
  return timers.names();
}
