/**
 * Turns each section's raw results into the run's figures (bench/compare.ts `Figure`): the list
 * a baseline stores and a later run is compared with. Ids are stable keys: renaming one loses
 * its history.
 */
import { figureOf, type Figure } from './compare.js';
import type { KindStats } from './dispatch.js';
import type { IdleResult } from './idle.js';
import type { InprocStats } from './inproc.js';
import type { RenderBenchResult } from './render.js';
import type { SimResult, Strategy } from './reconnect-sim.js';

/** Per-round paired ratio a/b over the rounds both ran. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(a[i]! / b[i]!);
  return out;
}

/** Over sockets: per kind, CPU and throughput ratios against its reference (paired rounds), and CPU per message. */
export function dispatchFigures(stats: readonly KindStats[], refOf: (s: KindStats) => KindStats | undefined): Figure[] {
  const out: Figure[] = [];
  for (const s of stats) {
    const cpu = s.runs.map((r) => r.cpuUsPerMsg);
    out.push(
      figureOf(
        {
          id: `dispatch.cpu-us-per-msg.${s.kind.id}`,
          label: `dispatch over sockets, CPU per message, ${s.kind.id}`,
          unit: 'µs/msg',
          kind: 'absolute',
          better: 'lower',
        },
        cpu,
      ),
    );
    const ref = refOf(s);
    if (!ref || ref === s) continue;
    out.push(
      figureOf(
        {
          id: `dispatch.cpu-ratio.${s.kind.id}`,
          label: `dispatch over sockets, CPU ratio ${s.kind.id} vs ${ref.kind.id} (ref CPU / kind CPU)`,
          unit: 'x',
          kind: 'ratio',
          better: 'higher',
        },
        pairedRatios(
          ref.runs.map((r) => r.cpuUsPerMsg),
          cpu,
        ),
      ),
      figureOf(
        {
          id: `dispatch.throughput-ratio.${s.kind.id}`,
          label: `dispatch over sockets, throughput ratio ${s.kind.id} vs ${ref.kind.id}`,
          unit: 'x',
          kind: 'ratio',
          better: 'higher',
        },
        pairedRatios(
          s.runs.map((r) => r.msgsPerSec),
          ref.runs.map((r) => r.msgsPerSec),
        ),
      ),
    );
  }
  return out;
}

/** In process: per kind, CPU ns per message and the paired ratio to its floor. */
export function inprocFigures(stats: readonly InprocStats[], refOf: (s: InprocStats) => InprocStats | undefined): Figure[] {
  const out: Figure[] = [];
  for (const s of stats) {
    const ns = s.runs.map((r) => r.nsPerMsg);
    out.push(
      figureOf(
        {
          id: `inproc.ns-per-msg.${s.kind.id}`,
          label: `dispatch in process, CPU per message, ${s.kind.id}`,
          unit: 'ns/msg',
          kind: 'absolute',
          better: 'lower',
        },
        ns,
      ),
    );
    const ref = refOf(s);
    if (ref)
      out.push(
        figureOf(
          {
            id: `inproc.ratio.${s.kind.id}`,
            label: `dispatch in process, ${s.kind.id} vs ${ref.kind.id} (floor CPU / kind CPU)`,
            unit: 'x',
            kind: 'ratio',
            better: 'higher',
          },
          pairedRatios(
            ref.runs.map((r) => r.nsPerMsg),
            ns,
          ),
        ),
      );
  }
  return out;
}

/** Idle (heap + external) per connection, one figure per kind, in KB. */
export function idleFigures(results: readonly IdleResult[], suffix = ''): Figure[] {
  return results.map((r) =>
    figureOf(
      {
        id: `idle.kb.${r.kind.id}${suffix}`,
        label: `idle heap+external per connection, ${r.kind.label}${suffix ? ` (${suffix.slice(1)})` : ''}`,
        unit: 'KB',
        kind: 'absolute',
        better: 'lower',
      },
      r.bytesPerConn.map((b) => b / 1024),
    ),
  );
}

const det = (f: Omit<Figure, 'min' | 'max' | 'samples' | 'deterministic'>): Figure => ({ ...f, min: f.value, max: f.value, samples: 1, deterministic: true });

/** The storm simulation (deterministic: seeded): attempts and all-back time per strategy, medians over seeds. */
export function simFigures(rows: readonly { strategy: Strategy; results: readonly SimResult[] }[], median: (xs: number[]) => number): Figure[] {
  return rows.flatMap((r) => [
    det({
      id: `sim.attempts.${r.strategy.id}`,
      label: `storm (base), total attempts, ${r.strategy.id}`,
      unit: 'attempts',
      kind: 'absolute',
      better: 'lower',
      value: median(r.results.map((x) => x.attempts)),
    }),
    det({
      id: `sim.all-back-s.${r.strategy.id}`,
      label: `storm (base), all back, ${r.strategy.id}`,
      unit: 's',
      kind: 'absolute',
      better: 'lower',
      value: median(r.results.map((x) => x.allBackMs)) / 1000,
    }),
  ]);
}

/** Per storm: our attempts / the fewest of any peer (< 1 = fewer than every peer), and how many storms we win. */
export function stormFigures(perStorm: readonly { name: string; ours: number; fewestPeer: number; won: boolean }[]): Figure[] {
  const slug = (s: string) => s.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  return [
    ...perStorm.map((s) =>
      det({
        id: `storm.attempts-vs-fewest-peer.${slug(s.name)}`,
        label: `storm "${s.name}": our attempts / fewest attempts of any peer formula`,
        unit: 'x',
        kind: 'ratio',
        better: 'lower',
        value: s.ours / s.fewestPeer,
      }),
    ),
    det({
      id: 'storm.won',
      label: 'storms won (fewer attempts at <= time than every peer)',
      unit: 'storms',
      kind: 'absolute',
      better: 'higher',
      value: perStorm.filter((s) => s.won).length,
    }),
  ];
}

/** Render bench (seeded, virtual time): render counts are deterministic, ns per tick is not. */
export function renderFigures(rows: readonly RenderBenchResult[]): Figure[] {
  const slug = (s: string) =>
    s
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/-+$/, '')
      .toLowerCase();
  return rows.flatMap((r) => [
    det({
      id: `render.renders.${slug(r.label)}`,
      label: `render bench "${r.label}": renders for ${r.ticks} ticks (${r.visibleChanges} visible changes)`,
      unit: 'renders',
      kind: 'absolute',
      better: 'lower',
      value: r.renders,
    }),
    det({
      id: `render.renders-per-visible-change.${slug(r.label)}`,
      label: `render bench "${r.label}": renders / visible changes`,
      unit: 'x',
      kind: 'ratio',
      better: 'lower',
      value: r.visibleChanges ? r.renders / r.visibleChanges : NaN,
    }),
    {
      ...figureOf(
        {
          id: `render.ns-per-tick.${slug(r.label)}`,
          label: `render bench "${r.label}": whole View path per tick`,
          unit: 'ns/tick',
          kind: 'absolute',
          better: 'lower',
        },
        [r.nsPerTickView],
      ),
    },
  ]);
}
