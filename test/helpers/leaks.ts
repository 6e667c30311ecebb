import { settleImmediates } from './events.js';

/** Counts of active resources by type (sockets, timers, …) as Node reports them. */
export function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/**
 * The resource types that grew since `before`, after letting the loop settle. Note that
 * unref'd timers are not listed by Node; tests check the client's task registry for those.
 */
export async function leakedSince(before: Map<string, number>, turns = 10): Promise<Record<string, number>> {
  const leaked: Record<string, number> = {};
  for (let i = 0; i < turns; i++) {
    await settleImmediates(1);
    const now = resourceCounts();
    let clean = true;
    for (const [type, n] of now) {
      const grew = n - (before.get(type) ?? 0);
      if (grew > 0) {
        leaked[type] = grew;
        clean = false;
      } else delete leaked[type];
    }
    if (clean) return {};
  }
  return leaked;
}
