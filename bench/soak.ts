/**
 * Soak lane: `npm run soak -- [--quick] [--cycles N] [--reconnects N] [--messages N] …`
 * (node --expose-gc --import tsx bench/soak.ts). Not part of `npm test`.
 *
 * Phases, each on its own test server (127.0.0.1, port 0): start/stop cycles of one client,
 * fresh-client lifecycles, reconnects under fault injection, messages through subscriptions
 * and views, then a WeakRef check that a closed client is garbage. Prints a table of heap
 * after GC, active handles, pending timers and listener counts at checkpoints, writes it to
 * bench/SOAK.md, and exits 1 when a phase's heap slope implies growth beyond the tolerance
 * (bench/soak/tolerance.ts), a wait times out, or anything is left behind after close.
 */
import './soak/v8-flags.js';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseSoakArgs, PHASES, USAGE, type PhaseName, type SoakOptions } from './soak/args.js';
import { runCollectable, type CollectableResult } from './soak/collectable.js';
import { runCycles } from './soak/cycles.js';
import { runLifecycles } from './soak/lifecycles.js';
import { activeResources, requireGc, settleResources } from './soak/measure.js';
import { runMessages } from './soak/messages.js';
import type { PhaseContext, PhaseResult } from './soak/phase.js';
import { runReconnects } from './soak/reconnects.js';
import { renderReport } from './soak/report.js';

/** Share of the remaining time budget each phase may use (unused time flows to later ones). */
const SHARE: Record<PhaseName, number> = { cycles: 0.22, lifecycles: 0.1, reconnects: 0.25, messages: 0.38, collectable: 0.05 };

/** After the report, a handle still holding the loop open is a finding: name it and exit. */
const EXIT_GRACE_MS = 5_000;

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu';
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `Node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} × ${cpu}, load average at start ${load}`;
}

async function main(): Promise<number> {
  let options: SoakOptions;
  try {
    options = parseSoakArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  try {
    requireGc();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
  const started = performance.now();
  const end = started + options.maxSeconds * 1000;
  // A wait that somehow escapes its own bound must still not keep the lane running.
  const watchdog = setTimeout(
    () => {
      console.error(`soak: still running ${options.maxSeconds + 60} s after start; active: ${process.getActiveResourcesInfo().join(', ')}`);
      process.exit(1);
    },
    (options.maxSeconds + 60) * 1000,
  );
  watchdog.unref();

  const baseline = activeResources();
  const machineText = machine();
  const command = `npm run soak${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  console.log(`steadystream soak — ${machineText}`);
  const phases: PhaseResult[] = [];
  let collectable: CollectableResult | undefined;
  const selected = PHASES.filter((p) => options.only.includes(p));
  for (const [k, name] of selected.entries()) {
    const now = performance.now();
    const remainingShares = selected.slice(k).reduce((s, p) => s + SHARE[p], 0);
    const ctx: PhaseContext = {
      deadline: now + ((end - now) * SHARE[name]) / remainingShares,
      checkpoints: options.checkpoints,
      snapshots: options.snapshots,
      injectLeak: options.injectLeak,
    };
    console.log(`phase ${name}: up to ${((ctx.deadline - now) / 1000).toFixed(0)} s`);
    let result: PhaseResult | undefined;
    switch (name) {
      case 'cycles':
        result = await runCycles(options.cycles, ctx);
        break;
      case 'lifecycles':
        result = await runLifecycles(options.lifecycles, ctx);
        break;
      case 'reconnects':
        result = await runReconnects(options.reconnects, ctx);
        break;
      case 'messages':
        result = await runMessages(options.messages, { subscriptions: options.subscriptions, views: options.views }, ctx);
        break;
      case 'collectable':
        collectable = await runCollectable();
        break;
    }
    if (result !== undefined) {
      phases.push(result);
      console.log(`  ${result.verdict}: ${result.done}/${result.planned} ${result.unit}s in ${result.seconds.toFixed(1)} s`);
    }
  }
  const leftover = await settleResources(baseline);
  const failed = phases.some((p) => p.verdict === 'FAIL') || (collectable !== undefined && !collectable.ok) || Object.keys(leftover).length > 0;
  const text = renderReport({
    command,
    options,
    machine: machineText,
    phases,
    collectable,
    leftover,
    seconds: (performance.now() - started) / 1000,
    failed,
  });
  console.log(`\n${text}`);
  writeFileSync(options.out, text);
  console.log(`written to ${options.out}`);
  return failed ? 1 : 0;
}

const code = await main();
process.exitCode = code;
setTimeout(() => {
  console.error(`soak: the process did not exit by itself; active: ${process.getActiveResourcesInfo().join(', ')}`);
  process.exit(code === 0 ? 1 : code);
}, EXIT_GRACE_MS).unref();
