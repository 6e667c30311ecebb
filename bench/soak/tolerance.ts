/**
 * The growth the soak tolerates, and why.
 *
 * The fitted series is heap-after-GC minus what `v8.getHeapCodeStatistics()` counts as code
 * and bytecode (see measure.ts). What is left still moves without any leak: V8 keeps tiering
 * functions up and deoptimizing them for thousands of iterations, and the deopt data,
 * relocation info, feedback vectors and the WeakArrayLists that follow are not all in those
 * statistics. Measured here (heap snapshot diffs between the first fitted checkpoint and the
 * end, bench/soak/snapshot.ts): a cold 1,000-reconnect phase through the proxy gains up to
 * ~300 KB that way, 20,000 start/stop cycles ~150 KB, with zero new JavaScript objects
 * retained. A leak, on the other hand, is per unit of work and sustained: one retained
 * closure or listener per unit is >= ~100 B, a retained socket, session or client several KB,
 * one retained object per message >= 16 B.
 *
 * So a phase fails when the least-squares slope of the data heap over its checkpoints (the
 * 0% and the first-block checkpoints are warm-up and not fitted) implies, over the whole
 * planned phase, more growth than the larger of
 *   - `floorBytes` (512 KB): above the V8-internal drift measured above, so JIT settling
 *     cannot fail a run, and
 *   - `fractionOfBaseline` (2%) of `heapUsed` at the first fitted checkpoint,
 * and the slope of the second half of the fitted checkpoints implies it too (sustained growth,
 * not a bounded cache or ring buffer filling up, nor JIT warm-up tapering off).
 *
 * What that detects at the default sizes: 10,000 start/stop cycles -> >= ~52 B per cycle;
 * 1,000 fresh clients -> >= ~0.5 KB per client (a retained client is tens of KB);
 * 1,000 reconnects -> >= ~0.5 KB per reconnect (a retained socket or transport);
 * 10,000,000 messages -> >= ~0.05 B per message (any per-message retention at all).
 * Smaller per-unit leaks of listeners and timers are caught exactly instead: listener counts,
 * pending timers and active handles may not grow between checkpoints (phase.ts).
 */
export const TOLERANCE = {
  floorBytes: 512 * 1024,
  fractionOfBaseline: 0.02,
  /** Fitted checkpoints needed for a verdict (a cut phase with fewer is reported, not judged). */
  minPoints: 4,
} as const;

export function allowedGrowth(baselineHeapBytes: number): number {
  return Math.max(TOLERANCE.floorBytes, TOLERANCE.fractionOfBaseline * baselineHeapBytes);
}

export const TOLERANCE_TEXT =
  'fail when the least-squares slope of the data heap (heap-after-GC minus code and bytecode) over the ' +
  'checkpoints (0% and first block are warm-up, not fitted), and the slope of their second half, both imply ' +
  'more growth over the planned phase than max(512 KB, 2% of heapUsed at the first fitted checkpoint); ' +
  'listener counts, pending timers and active handles may not grow between checkpoints and must be zero after close';
