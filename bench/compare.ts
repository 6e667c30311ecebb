/**
 * The pure part of saved baselines (issue 22): what a figure is, how two runs of it compare
 * without mistaking noise for change, and whether it is within its budget. No I/O here: the
 * bench (bench/baseline.ts) reads and writes the files, test/unit/bench/compare.test.ts pins
 * the rules.
 */

/**
 * One measured figure of a bench run. `value` is the figure as reported (a median); `min` and
 * `max` its per-round range (equal for deterministic figures: simulations, bundle sizes).
 */
export interface Figure {
  /** Stable key, e.g. `dispatch.cpu-ratio.steadystream`; the baseline is matched on it. */
  id: string;
  label: string;
  /** `x`, `µs/msg`, `bytes`, `ms`, `attempts`, `renders`, … */
  unit: string;
  /**
   * `ratio`: measured inside one run against a reference that ran in the same rounds (robust to
   * the machine's load: preferred). `absolute`: a time, size or count on its own.
   */
  kind: 'ratio' | 'absolute';
  better: 'higher' | 'lower';
  value: number;
  min: number;
  max: number;
  /** Samples behind min–max (rounds, cycles, seeds); 1 for a single deterministic value. */
  samples: number;
  /** True when a rerun on the same code gives the same value (simulation, bundle size, counts). */
  deterministic?: boolean;
}

/** `unchanged`: a deterministic figure with the same value. */
export type Verdict = 'better' | 'worse' | 'within noise' | 'unchanged' | 'inconclusive' | 'new' | 'gone';

export interface Comparison {
  id: string;
  label: string;
  unit: string;
  kind: Figure['kind'];
  before?: Figure | undefined;
  now?: Figure | undefined;
  /** now / before − 1 of the values (NaN when either is missing or before is 0). */
  change: number;
  verdict: Verdict;
  /** One line: why this verdict. */
  reason: string;
}

/** Fewer samples than this on a noisy figure: no verdict beyond "inconclusive". */
export const MIN_SAMPLES = 3;

/**
 * Compare one figure across two runs. Deterministic figures changed if their values differ.
 * Noisy ones changed only when the per-round intervals [min, max] do not overlap: two runs on a
 * shared machine are not paired, so a shift of the median inside both ranges is noise.
 */
export function compareFigure(before: Figure | undefined, now: Figure | undefined): Comparison {
  const ref = (now ?? before)!;
  const base = { id: ref.id, label: ref.label, unit: ref.unit, kind: ref.kind, before, now };
  if (!before) return { ...base, change: NaN, verdict: 'new', reason: 'not in the baseline' };
  if (!now) return { ...base, change: NaN, verdict: 'gone', reason: 'not measured in this run' };
  const change = before.value === 0 ? NaN : now.value / before.value - 1;
  const dir = (up: boolean): Verdict => ((up ? now.better === 'higher' : now.better === 'lower') ? 'better' : 'worse');
  if (!Number.isFinite(now.value) || !Number.isFinite(before.value)) return { ...base, change, verdict: 'inconclusive', reason: 'no value in one of the runs' };
  if (before.deterministic && now.deterministic) {
    if (now.value === before.value) return { ...base, change, verdict: 'unchanged', reason: 'deterministic, same value' };
    return { ...base, change, verdict: dir(now.value > before.value), reason: 'deterministic, value differs' };
  }
  if (now.samples < MIN_SAMPLES || before.samples < MIN_SAMPLES) {
    return { ...base, change, verdict: 'inconclusive', reason: `fewer than ${MIN_SAMPLES} samples (${before.samples} → ${now.samples})` };
  }
  if (now.min > before.max) return { ...base, change, verdict: dir(true), reason: 'intervals do not overlap (now above)' };
  if (now.max < before.min) return { ...base, change, verdict: dir(false), reason: 'intervals do not overlap (now below)' };
  return { ...base, change, verdict: 'within noise', reason: 'intervals overlap' };
}

/** Every figure of either run, in the order of `now` and then the baseline's leftovers. */
export function compareRuns(before: readonly Figure[], now: readonly Figure[]): Comparison[] {
  const old = new Map(before.map((f) => [f.id, f]));
  const out = now.map((f) => compareFigure(old.get(f.id), f));
  const seen = new Set(now.map((f) => f.id));
  for (const f of before) if (!seen.has(f.id)) out.push(compareFigure(f, undefined));
  return out;
}

/** A budget from bench/budgets.json: bounds on the figure's reported value. */
export interface Budget {
  /** value <= max (or < max when `exclusive`). */
  max?: number;
  /** value >= min (or > min when `exclusive`). */
  min?: number;
  exclusive?: boolean;
  /** The goal in words and where it comes from (README, issue). */
  goal: string;
}

export type BudgetStatus = 'within' | 'over' | 'no budget' | 'not measured';

/** Whether a figure's value is within its budget ("over" also when it is below a minimum). */
export function checkBudget(figure: Figure | undefined, budget: Budget | undefined): BudgetStatus {
  if (!budget) return 'no budget';
  if (!figure || !Number.isFinite(figure.value)) return 'not measured';
  const v = figure.value;
  if (budget.max !== undefined && (budget.exclusive ? !(v < budget.max) : !(v <= budget.max))) return 'over';
  if (budget.min !== undefined && (budget.exclusive ? !(v > budget.min) : !(v >= budget.min))) return 'over';
  return 'within';
}

/** A figure's spread as text: `5.1 (4.9–5.3)`, or just the value when deterministic. */
export function showFigure(f: Figure | undefined, digits = 2): string {
  if (!f) return '—';
  const n = (x: number) =>
    Number.isFinite(x) ? (Math.abs(x) >= 100 || Number.isInteger(x) ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits)) : 'n/a';
  return f.deterministic || f.min === f.max ? `${n(f.value)} ${f.unit}` : `${n(f.value)} ${f.unit} (${n(f.min)}–${n(f.max)})`;
}

/** `+3.1%`, `−0.4%`, or `—`. */
export function showChange(change: number): string {
  if (!Number.isFinite(change)) return '—';
  const pct = change * 100;
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`;
}

/** Build a figure from samples (median value, their range). */
export function figureOf(base: Omit<Figure, 'value' | 'min' | 'max' | 'samples'>, samples: readonly number[]): Figure {
  const xs = samples.filter((x) => Number.isFinite(x));
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const value = s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  return { ...base, value, min: s.length ? s[0]! : NaN, max: s.length ? s[s.length - 1]! : NaN, samples: s.length };
}
