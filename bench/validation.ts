/**
 * bench/VALIDATION.md, generated (issue 22): each exit criterion of the specification with the
 * tests that prove it (names read from test/ at generation time, so the list stays current) and
 * the bench figures against their budgets.
 *
 *   node --import tsx bench/validation.ts [--baseline NAME] [--run-tests]
 *
 * `--baseline NAME` takes the figures from bench/baselines/NAME.json (default: the newest
 * baseline); `--run-tests` runs the listed test files with vitest and records each test's
 * result (otherwise the file says the tests were not run by the generator). `npm run bench`
 * regenerates it from its own figures.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBudget, showFigure, type Budget, type Figure } from './compare.js';
import { loadBaseline, loadBudgets } from './baseline.js';
import { table } from './util.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Criterion {
  title: string;
  /** Test files (relative to the repo) and which of their test names belong here (all when omitted). */
  tests: { file: string; match?: RegExp }[];
  /** Figure ids (prefixes end with `.`) shown beside the tests. */
  figures: string[];
}

/** The specification's exit criteria. */
export const CRITERIA: Criterion[] = [
  {
    title: 'Lifecycle without regression: start, stop, close and many cycles leave nothing behind, and cost no more than before',
    tests: [
      { file: 'test/reliability/lifecycle.test.ts' },
      { file: 'test/unit/client/client.test.ts', match: /lifecycle|start|stop|close|timer/i },
      { file: 'test/unit/connection/connection.test.ts', match: /idle -> connecting|stop\(\)|close\(\)|two live sockets/i },
      { file: 'test/integration/connection.test.ts', match: /close\(\)/i },
    ],
    figures: ['dispatch.cpu-ratio.steadystream', 'idle.kb.steadystream', 'idle.kb.steadystream-sub', 'inproc.ratio.steadystream'],
  },
  {
    title: 'Reconnect bounded and stable: every retry on schedule and within bounds, no storm, subscriptions back exactly once',
    tests: [
      { file: 'test/unit/core/backoff.test.ts' },
      { file: 'test/unit/reconnect/scheduler.test.ts' },
      { file: 'test/unit/connection/connection.test.ts', match: /reconnect|storm|maxAttempts|retry hint|half-open/i },
      { file: 'test/reliability/faults.test.ts' },
      { file: 'test/integration/connection.test.ts', match: /reconnect|drops|maxAttempts|half-open/i },
      { file: 'test/integration/subscriptions.test.ts', match: /resume|replayed/i },
    ],
    figures: ['recovery.restart-ms.', 'recovery.outage-ms.', 'storm.'],
  },
  {
    title: 'Fallback/recovery transitions correct: stale exactly on time, fallback serves, the stream takes over again',
    tests: [
      { file: 'test/unit/subscriptions/stale.test.ts' },
      { file: 'test/unit/subscriptions/fallback.test.ts' },
      { file: 'test/integration/stale.test.ts' },
      { file: 'test/unit/render/view.test.ts', match: /stale/i },
    ],
    figures: ['recovery.restart-ms.steadystream', 'recovery.outage-ms.steadystream'],
  },
  {
    title: 'Rendering overhead lower for repeated equivalent states: equal states are not rendered again, bursts coalesce, equal keys hit the cache',
    tests: [
      { file: 'test/unit/render/view.test.ts', match: /skips|equal|cache hit|coalesces|share|single-flight|property/i },
      { file: 'test/unit/render/coalescer.test.ts' },
      { file: 'test/unit/render/cache.test.ts', match: /hits|single flight|budget|evicts/i },
      { file: 'test/unit/render/key.test.ts' },
      { file: 'test/unit/render/precision.test.ts' },
    ],
    figures: ['render.'],
  },
];

/** `it('…')` / `test('…')` names of a test file, as written (template literals kept verbatim). */
export function testNames(source: string): string[] {
  const out: string[] = [];
  const re = /^\s*(?:it|test)(?:\.each\([^)]*\))?\(\s*(['"`])((?:\\.|(?!\1).)*)\1/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push(m[2]!);
  return out;
}

type Results = Map<string, string>;

/** Run the files with vitest's JSON reporter: test title -> status (passed, failed, skipped). */
function runTests(files: string[]): Results {
  const out = join(root, 'node_modules/.cache/validation-vitest.json');
  const r = spawnSync('npx', ['vitest', 'run', ...files, '--reporter=json', `--outputFile=${out}`], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  const results: Results = new Map();
  try {
    const json = JSON.parse(readFileSync(out, 'utf8')) as { testResults: { name: string; assertionResults: { title: string; status: string }[] }[] };
    for (const f of json.testResults) for (const a of f.assertionResults) results.set(`${f.name.slice(root.length)}|${a.title}`, a.status);
  } catch {
    throw new Error(`vitest gave no JSON report (exit ${r.status}): ${r.stderr.slice(-500)}`);
  } finally {
    rmSync(out, { force: true });
  }
  return results;
}

function newestBaseline(): string | undefined {
  const dir = join(root, 'bench/baselines');
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    files.sort((a, b) => statSync(join(dir, b)).mtimeMs - statSync(join(dir, a)).mtimeMs);
    return files[0]?.slice(0, -5);
  } catch {
    return undefined;
  }
}

/** The markdown of VALIDATION.md for these figures (and test results, when run). */
export function validationMarkdown(figures: readonly Figure[], budgets: Record<string, Budget>, source: string, results?: Results): string {
  const byId = new Map(figures.map((f) => [f.id, f]));
  const pick = (ids: string[]) => figures.filter((f) => ids.some((id) => (id.endsWith('.') ? f.id.startsWith(id) : f.id === id)));
  const parts: string[] = [
    '# Validation checklist',
    '',
    'Generated by `node --import tsx bench/validation.ts` (and by every `npm run bench`); do not edit by hand. ' +
      'Each exit criterion of the specification, the tests that prove it (names read from the test files at generation time) and the bench figures against their budgets (bench/budgets.json). ' +
      'Bench figures are measured, not asserted: a figure over budget is a known gap, not a failing test.',
    '',
    `Figures: ${source}. Tests: ${results ? 'run by the generator (vitest), status per test below' : 'listed, not run by the generator (`npm test` runs them all; `--run-tests` records their status here)'}.`,
  ];
  let n = 0;
  for (const c of CRITERIA) {
    n++;
    const rows: string[][] = [];
    for (const t of c.tests) {
      let names: string[];
      try {
        names = testNames(readFileSync(join(root, t.file), 'utf8'));
      } catch {
        rows.push([`\`${t.file}\``, '(file missing)', results ? 'missing' : '']);
        continue;
      }
      for (const name of names.filter((x) => !t.match || t.match.test(x)))
        rows.push([`\`${t.file}\``, name.replace(/\|/g, '\\|'), results ? (results.get(`${t.file}|${name}`) ?? 'not matched in the report') : '']);
    }
    const figs = pick(c.figures);
    const figRows = figs.map((f) => [
      f.label,
      showFigure(f),
      budgets[f.id]?.goal ?? '',
      budgets[f.id] ? checkBudget(byId.get(f.id), budgets[f.id]) : 'no budget',
    ]);
    const passed = results ? rows.filter((r) => r[2] === 'passed').length : undefined;
    const over = figRows.filter((r) => r[3] === 'over').length;
    parts.push(
      '',
      `## ${n}. ${c.title}`,
      '',
      `Tests: ${rows.length}${passed !== undefined ? `, passed ${passed}` : ''}. Budgeted figures: ${figRows.filter((r) => r[3] === 'within' || r[3] === 'over').length}, over budget ${over}.`,
      '',
      table(
        ['file', 'test', ...(results ? ['status'] : [])],
        rows.map((r) => (results ? r : r.slice(0, 2))),
      ),
      '',
      figRows.length ? table(['figure', 'value (min–max)', 'budget', 'status'], figRows) : '_No figure of this criterion in these figures._',
    );
  }
  return `${parts.join('\n')}\n`;
}

export function writeValidation(figures: readonly Figure[], source: string, results?: Results): string {
  const path = join(root, 'bench/VALIDATION.md');
  writeFileSync(path, validationMarkdown(figures, loadBudgets(), source, results));
  return path;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--baseline');
  const name = i >= 0 ? argv[i + 1] : newestBaseline();
  if (!name) throw new Error('no baseline to take figures from: run npm run bench -- --save-baseline NAME first');
  const b = loadBaseline(name);
  const results = argv.includes('--run-tests') ? runTests([...new Set(CRITERIA.flatMap((c) => c.tests.map((t) => t.file)))]) : undefined;
  const path = writeValidation(b.figures, `baseline "${b.name}" (commit ${b.commit.slice(0, 12)}, ${b.machine.start.date})`, results);
  console.log(`wrote ${path}`);
}
