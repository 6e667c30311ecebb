// Loaded before steadystream: every timer the page arms is counted until it fires or is cleared.
const live = new Set<unknown>();
const set = globalThis.setTimeout.bind(globalThis);
const clear = globalThis.clearTimeout.bind(globalThis);
const setIv = globalThis.setInterval.bind(globalThis);
const clearIv = globalThis.clearInterval.bind(globalThis);

globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const id = set(() => {
    live.delete(id);
    fn(...args);
  }, ms);
  live.add(id);
  return id;
}) as typeof setTimeout;
globalThis.clearTimeout = ((id: Parameters<typeof clearTimeout>[0]) => {
  live.delete(id);
  clear(id);
}) as typeof clearTimeout;
globalThis.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const id = setIv(fn, ms, ...args);
  live.add(id);
  return id;
}) as typeof setInterval;
globalThis.clearInterval = ((id: Parameters<typeof clearInterval>[0]) => {
  live.delete(id);
  clearIv(id);
}) as typeof clearInterval;

export function liveTimers(): number {
  return live.size;
}
