import { describe, expect, it } from 'vitest';
import { partOf } from '../../../bench/size.js';
import { CRITERIA, testNames } from '../../../bench/validation.js';
import { readFileSync } from 'node:fs';

describe('bench report helpers', () => {
  it('groups bundle inputs by src/ folder and by package (scoped packages keep their scope)', () => {
    expect(partOf('src/connection/transport.ts')).toBe('src/connection');
    expect(partOf('src/index.ts')).toBe('src (top level)');
    expect(partOf('node_modules/lru-cache/dist/esm/index.js')).toBe('lru-cache');
    expect(partOf('node_modules/.pnpm/x/node_modules/@scope/pkg/index.js')).toBe('@scope/pkg');
  });

  it('reads it()/test() names from a test file, including template literals, and nothing else', () => {
    // A test named by a template literal, as its source text reads.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text, not a template
    const templated = '${N} cycles leave nothing';
    const src = [
      "describe('group', () => {",
      "  it('a plain name', () => {});",
      `  it(\`${templated}\`, async () => {});`,
      '  test("double \'quoted\'", () => {});',
      "  const x = fit('not a test');",
      '});',
    ].join('\n');
    expect(testNames(src)).toEqual(['a plain name', templated, "double 'quoted'"]);
  });

  it('every file the validation checklist cites exists and yields at least one test', () => {
    const files = [...new Set(CRITERIA.flatMap((c) => c.tests.map((t) => t.file)))];
    const empty = files.filter((f) => testNames(readFileSync(f, 'utf8')).length === 0);
    expect(empty).toEqual([]);
    for (const c of CRITERIA) {
      const n = c.tests.reduce((sum, t) => sum + testNames(readFileSync(t.file, 'utf8')).filter((x) => !t.match || t.match.test(x)).length, 0);
      expect(n, c.title).toBeGreaterThan(0);
    }
  });
});
