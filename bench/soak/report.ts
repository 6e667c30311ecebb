/** The summary table: printed as markdown to the terminal and written to bench/SOAK.md. */
import type { SoakOptions } from './args.js';
import type { CollectableResult } from './collectable.js';
import { formatResources, kb, mb } from './measure.js';
import { WARMUP_CHECKPOINTS, type Checkpoint, type PhaseResult } from './phase.js';
import { TOLERANCE_TEXT } from './tolerance.js';

export interface SoakReport {
  readonly command: string;
  readonly options: SoakOptions;
  readonly machine: string;
  readonly phases: readonly PhaseResult[];
  readonly collectable: CollectableResult | undefined;
  /** Resource types above the start of the run once everything is closed. */
  readonly leftover: Record<string, number>;
  readonly seconds: number;
  readonly failed: boolean;
}

function signedKb(bytes: number): string {
  const v = Math.round(bytes / 1024);
  return v > 0 ? `+${v}` : String(v);
}

function row(phase: PhaseResult, cp: Checkpoint, baseline: number): string {
  const l = cp.listeners;
  return [
    '',
    cp.label,
    cp.units.toLocaleString('en-US'),
    mb(cp.heap.heapUsed),
    kb(cp.heap.code),
    mb(cp.heap.data),
    signedKb(cp.heap.data - baseline),
    kb(cp.heap.external),
    formatResources(cp.resources),
    cp.pendingTimers ?? '-',
    l === undefined ? '-' : `${l.state}/${l.error}`,
    `${cp.serverConnections}/${cp.serverListeners ?? '-'}`,
    (cp.elapsedMs / 1000).toFixed(1),
    cp.note,
    '',
  ]
    .join(' | ')
    .trim();
}

function per1000(phase: PhaseResult, bytes: number): string {
  return `${bytes >= 0 ? '+' : ''}${(bytes * 1000).toFixed(1)} B per 1,000 ${phase.unit}s`;
}

function verdictLine(p: PhaseResult): string {
  if (p.verdict === 'skipped') return `- **${p.name}**: skipped (0 ${p.unit}s)`;
  const done = `${p.done.toLocaleString('en-US')}/${p.planned.toLocaleString('en-US')} ${p.unit}s in ${p.seconds.toFixed(1)} s${p.cut ? ' (cut by --max-seconds)' : ''}`;
  const lines = [`- **${p.name}**: **${p.verdict}** — ${done}`];
  if (p.fit !== undefined && p.secondHalf !== undefined) {
    lines.push(
      `  - data-heap slope ${per1000(p, p.fit.slope)} (±${(p.fit.slopeStdErr * 1000).toFixed(1)}, ${p.fit.points} checkpoints) → ` +
        `${signedKb(p.projectedBytes)} KB over ${p.planned.toLocaleString('en-US')} ${p.unit}s; ` +
        `second half ${signedKb(p.projectedSecondHalfBytes)} KB; allowed ${kb(p.allowedBytes)} KB`,
    );
  } else if (p.planned > 0) {
    lines.push(`  - too few checkpoints for a slope (${Math.max(0, p.checkpoints.length - 1)})`);
  }
  for (const problem of p.problems) lines.push(`  - problem: ${problem}`);
  if (p.growth !== undefined) {
    lines.push('  - heap snapshot diff (first fitted checkpoint -> end), top growth by self size:');
    for (const g of p.growth.growth) lines.push(`    - ${g.name}: ${signedKb(g.bytes)} KB, ${g.count >= 0 ? '+' : ''}${g.count} objects`);
    lines.push('  - retainer paths of the objects (not code) new since the first fitted checkpoint (first strong retainer, most common first):');
    for (const r of p.growth.paths) lines.push(`    - ${r.count} × \`${r.path}\``);
  }
  return lines.join('\n');
}

export function renderReport(r: SoakReport): string {
  const o = r.options;
  const out: string[] = [];
  out.push('# Soak results', '');
  out.push(`Command: \`${r.command}\``, '');
  out.push(`Machine: ${r.machine}`, '');
  out.push(
    `Planned: ${o.cycles.toLocaleString('en-US')} start/stop cycles, ${o.lifecycles.toLocaleString('en-US')} fresh-client lifecycles, ` +
      `${o.reconnects.toLocaleString('en-US')} reconnects under faults, ${o.messages.toLocaleString('en-US')} messages ` +
      `(${o.subscriptions} subscriptions, ${o.views} views); ${o.checkpoints} checkpoints per phase; bound ${o.maxSeconds} s.`,
    '',
  );
  if (o.injectLeak > 0) out.push(`**Self-test: --inject-leak retains ${o.injectLeak} B per unit on purpose; every judged phase must FAIL.**`, '');
  out.push(`Tolerance: ${TOLERANCE_TEXT}. Why: see bench/soak/tolerance.ts.`, '');
  out.push(
    'Columns: heap = `heapUsed` after 3 full GCs (`--expose-gc`; two such samples 20 ms apart, the lower kept); code = machine code + bytecode + their metadata (`v8.getHeapCodeStatistics()`), ' +
      'which grows while V8 tiers functions up; data = heap − code, the fitted series; Δ data = vs the first fitted checkpoint ' +
      '(the 0% and first-block rows are warm-up, shown but not fitted); ' +
      'ext = `external`; handles = `process.getActiveResourcesInfo()` by type (stdio left out); timers = `pendingTimers(client).length` (steadystream/testing); ' +
      "lsn = `client.listenerCount('state')/('error')` (the soak holds one of each; 0/0 after close); " +
      "srv c/l = the test server's open connections / its listeners (bounded waits leave none).",
    '',
  );
  out.push('| phase | at | units | heap MB | code KB | data MB | Δ data KB | ext KB | handles | timers | lsn s/e | srv c/l | s | note |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | --- |');
  for (const p of r.phases) {
    if (p.verdict === 'skipped') continue;
    const baseline = (p.checkpoints[WARMUP_CHECKPOINTS] ?? p.checkpoints[0])?.heap.data ?? 0;
    p.checkpoints.forEach((cp, i) => out.push(`| ${i === 0 ? p.name : ''} ${row(p, cp, baseline)}`));
    for (const cp of p.after) out.push(`| ${row(p, cp, baseline)}`);
  }
  out.push('', '## Verdicts', '');
  for (const p of r.phases) out.push(verdictLine(p));
  const c = r.collectable;
  if (c !== undefined) {
    out.push(
      c.ok
        ? `- **closed client collectable**: **ok** — client, view and subscription handle collected after ${c.rounds} gc round(s) (WeakRef)`
        : `- **closed client collectable**: **FAIL** — ${c.error ?? `still reachable after ${c.rounds} gc rounds: ${c.alive.join(', ')}`}`,
    );
  }
  const left = Object.entries(r.leftover);
  out.push(
    left.length === 0
      ? '- **handles after everything closed**: **ok** — back to the counts at the start'
      : `- **handles after everything closed**: **FAIL** — ${left.map(([t, n]) => `${t} +${n}`).join(', ')}`,
  );
  out.push('', `Result: **${r.failed ? 'FAIL' : 'PASS'}** in ${r.seconds.toFixed(1)} s.`, '');
  return out.join('\n');
}
