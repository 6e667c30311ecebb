/**
 * Per-file mutation scores from Stryker's JSON reports, with the mutants listed in
 * `equivalent.json` (no test can tell them apart from the original) left out of the score.
 *
 * Usage: `npm run mutate:report [report.json ...]`. Without arguments it reads every `*.json`
 * under `reports/mutation/`; runs of one file at a time (`npm run mutate -- --mutate src/x.ts`,
 * each report copied to its own name) add up, and a later run narrowed to lines of an unchanged
 * source (`--mutate src/x.ts:90-130`) overrides only the mutants it ran.
 * A row whose report ran on a source that differs from the file on disk today is marked `stale`:
 * its score says nothing about today's code until the file is run again.
 * Exits 1 when an equivalent entry matches no mutant (a stale list hides nothing silently).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Mutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}
interface FileResult {
  source: string;
  mutants: Mutant[];
}
interface Equivalent {
  file: string;
  line: number;
  mutator: string;
  replacement: string;
  reason: string;
}

const here = new URL('.', import.meta.url).pathname;
const equivalents = JSON.parse(readFileSync(join(here, 'equivalent.json'), 'utf8')) as Equivalent[];

function reportsUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return reportsUnder(p);
    return n.endsWith('.json') ? [p] : [];
  });
}

const paths = process.argv.length > 2 ? process.argv.slice(2) : reportsUnder('reports/mutation');
if (paths.length === 0) {
  console.error('no Stryker JSON report found: run `npm run mutate` first');
  process.exit(1);
}

// Oldest report first, so a newer verdict on a mutant replaces an older one. Reports of one file
// with the same source merge mutant by mutant (a run narrowed to lines, `--mutate src/x.ts:90-130`,
// refines a whole-file run); a report of a changed source replaces the file's results.
const reports = paths
  .map((p) => ({ mtime: statSync(p).mtimeMs, report: JSON.parse(readFileSync(p, 'utf8')) as { files?: Record<string, FileResult> } }))
  .sort((a, b) => a.mtime - b.mtime);
const mutantKey = (m: Mutant) =>
  `${m.location.start.line}:${m.location.start.column}:${m.location.end.line}:${m.location.end.column}:${m.mutatorName}:${m.replacement ?? ''}`;
const files = new Map<string, [FileResult]>();
for (const { report } of reports) {
  for (const [file, result] of Object.entries(report.files ?? {})) {
    const prev = files.get(file)?.[0];
    if (!prev || prev.source !== result.source) {
      files.set(file, [result]);
      continue;
    }
    const merged = new Map(prev.mutants.map((m) => [mutantKey(m), m]));
    for (const m of result.mutants) merged.set(mutantKey(m), m);
    files.set(file, [{ source: result.source, mutants: [...merged.values()] }]);
  }
}

const isEquivalent = (file: string, m: Mutant) =>
  equivalents.find((e) => file.endsWith(e.file) && e.line === m.location.start.line && e.mutator === m.mutatorName && e.replacement === (m.replacement ?? ''));

function sourceToday(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const used = new Set<Equivalent>();
const rows: string[][] = [];
const survivors: string[] = [];
for (const [file, [result]] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  let killed = 0;
  let survived = 0;
  let equivalent = 0;
  let ignored = 0;
  for (const m of result.mutants) {
    if (m.status === 'Ignored' || m.status === 'CompileError' || m.status === 'RuntimeError') {
      ignored++;
      continue;
    }
    if (m.status === 'Killed' || m.status === 'Timeout') {
      killed++;
      continue;
    }
    const eq = isEquivalent(file, m);
    if (eq) {
      used.add(eq);
      equivalent++;
      continue;
    }
    survived++;
    const { line, column } = m.location.start;
    survivors.push(`${file}:${line}:${column} ${m.status} ${m.mutatorName} -> ${JSON.stringify(m.replacement ?? '')}`);
  }
  const score = killed + survived === 0 ? 100 : (100 * killed) / (killed + survived);
  rows.push([
    file,
    score.toFixed(2),
    String(killed),
    String(survived),
    String(equivalent),
    String(ignored),
    sourceToday(file) === result.source ? 'current' : 'stale',
  ]);
}

const head = ['file', 'score %', 'killed', 'survived', 'equivalent', 'not run', 'source'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
if (survivors.length > 0) console.log(`\nsurvived or not covered (not listed as equivalent):\n${survivors.join('\n')}`);

const stale = equivalents.filter((e) => !used.has(e) && [...files.keys()].some((f) => f.endsWith(e.file)));
if (stale.length > 0) {
  console.error(`\nequivalent.json entries that match no surviving mutant (update or remove them):`);
  for (const e of stale) console.error(`  ${e.file}:${e.line} ${e.mutator} -> ${JSON.stringify(e.replacement)}`);
  process.exit(1);
}
