/** True on Node (and runtimes that present themselves as Node): where `ws` can take headers, TLS and an agent. */
export function isNodeRuntime(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}
