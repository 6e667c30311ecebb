/**
 * Saved baselines and budgets (issue 22): `--save-baseline NAME` writes
 * bench/baselines/NAME.json, `--baseline NAME` compares this run with it; bench/budgets.json
 * holds the goal per figure. The rules live in bench/compare.ts; this file reads, writes and
 * prints.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkBudget, compareRuns, showChange, showFigure, type Budget, type BudgetStatus, type Comparison, type Figure } from './compare.js';
import { table, type MachineInfo } from './util.js';

const dir = fileURLToPath(new URL('./baselines/', import.meta.url));
const budgetsFile = fileURLToPath(new URL('./budgets.json', import.meta.url));

export interface Baseline {
  name: string;
  /** The command that produced it. */
  command: string;
  /** `git rev-parse HEAD` and whether src/ had uncommitted changes. */
  commit: string;
  /** The last commit that changed src/: the code measured (when src/ is not dirty). */
  srcCommit?: string;
  srcDirty: boolean;
  library: string;
  machine: { start: MachineInfo; end: MachineInfo };
  /** Sections that ran. */
  sections: string[];
  figures: Figure[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new TypeError(`baseline name must match ${NAME} (got ${JSON.stringify(name)})`);
  return name;
}

export function baselinePath(name: string): string {
  return `${dir}${checkName(name)}.json`;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function gitState(): { commit: string; srcCommit: string; srcDirty: boolean } {
  return {
    commit: git(['rev-parse', 'HEAD']),
    srcCommit: git(['log', '-1', '--format=%H', '--', 'src']),
    srcDirty: git(['status', '--porcelain', '--', 'src']) !== '',
  };
}

export function saveBaseline(b: Baseline): string {
  mkdirSync(dir, { recursive: true });
  const path = baselinePath(b.name);
  writeFileSync(path, `${JSON.stringify(b, null, 2)}\n`);
  return path;
}

/** Read a baseline before the run starts, so a wrong name fails in a second, not after minutes. */
export function loadBaseline(name: string): Baseline {
  const path = baselinePath(name);
  if (!existsSync(path)) throw new Error(`no baseline ${JSON.stringify(name)} (${path}); save one with --save-baseline ${name}`);
  const b = JSON.parse(readFileSync(path, 'utf8')) as Baseline;
  if (!Array.isArray(b.figures)) throw new Error(`${path} has no figures array`);
  return b;
}

export function loadBudgets(): Record<string, Budget> {
  const raw = JSON.parse(readFileSync(budgetsFile, 'utf8')) as { budgets: Record<string, Budget> };
  return raw.budgets;
}

const mark = (s: BudgetStatus) => (s === 'within' ? 'within' : s === 'over' ? '**over**' : s);

function budgetText(b: Budget | undefined): string {
  if (!b) return '';
  const lo = b.min !== undefined ? `${b.exclusive ? '>' : '>='} ${b.min}` : '';
  const hi = b.max !== undefined ? `${b.exclusive ? '<' : '<='} ${b.max}` : '';
  return [lo, hi].filter(Boolean).join(' and ');
}

/** Markdown: every budgeted figure of this run, its value, budget and status. */
export function budgetSection(figures: readonly Figure[], budgets: Record<string, Budget>): string {
  const by = new Map(figures.map((f) => [f.id, f]));
  const rows = Object.entries(budgets).map(([id, b]) => {
    const f = by.get(id);
    return [b.goal, `\`${id}\``, showFigure(f), budgetText(b), mark(checkBudget(f, b))];
  });
  return [
    '## Budgets (bench/budgets.json)',
    '',
    'The reported value (median) against the goal; figures a section did not measure in this run show "not measured".',
    '',
    table(['goal', 'figure', 'this run (min–max)', 'budget', 'status'], rows),
  ].join('\n');
}

function loadNote(m: { start: MachineInfo; end: MachineInfo }): string {
  return `load ${m.start.load.join(' / ')} → ${m.end.load.join(' / ')} on ${m.start.nproc} CPUs`;
}

/** The comparison of this run with a baseline, as markdown (also printed to the console). */
export function comparisonSection(
  base: Baseline,
  now: { figures: Figure[]; machine: { start: MachineInfo; end: MachineInfo }; commit: string; srcCommit?: string },
  budgets: Record<string, Budget>,
): { md: string; comparisons: Comparison[] } {
  const comparisons = compareRuns(base.figures, now.figures);
  const byNow = new Map(now.figures.map((f) => [f.id, f]));
  const rows = comparisons.map((c) => [
    c.label,
    c.kind === 'ratio' ? 'in-run ratio' : (c.now?.deterministic ?? c.before?.deterministic) ? 'deterministic' : 'absolute',
    showFigure(c.before),
    showFigure(c.now),
    showChange(c.change),
    c.verdict === 'better' || c.verdict === 'worse' ? `**changed: ${c.verdict}**` : c.verdict,
    budgets[c.id] ? mark(checkBudget(byNow.get(c.id), budgets[c.id])) : '',
  ]);
  const moved = comparisons.filter((c) => c.verdict === 'better' || c.verdict === 'worse');
  const md = [
    `## Compared with baseline "${base.name}"`,
    '',
    `Baseline: commit ${base.commit.slice(0, 12)}${base.srcCommit ? ` (src/ as of ${base.srcCommit.slice(0, 12)})` : ''}${base.srcDirty ? ' (src/ had uncommitted changes)' : ''}, ${base.machine.start.date}, ${loadNote(base.machine)}; \`${base.command}\`. Now: commit ${now.commit.slice(0, 12)}${now.srcCommit ? ` (src/ as of ${now.srcCommit.slice(0, 12)})` : ''}, ${loadNote(now.machine)}.`,
    '',
    'Verdict: "changed" only when the per-round min–max intervals of the two runs do not overlap (deterministic figures: any difference); a noisy figure with fewer than 3 samples in either run is "inconclusive". ' +
      '"in-run ratio" figures compare a client with a reference measured in the same rounds of the same run (preferred: the machine\'s load cancels out); "absolute" ones are times, bytes or CPU on their own and move with the load.',
    '',
    `Beyond noise: ${moved.length ? moved.map((c) => `${c.id} (${c.verdict}, ${showChange(c.change)})`).join('; ') : 'none'}.`,
    '',
    table(['figure', 'kind', `baseline "${base.name}"`, 'now', 'change', 'verdict', 'budget now'], rows),
  ].join('\n');
  return { md, comparisons };
}
