import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

/**
 * The suite Stryker runs against each mutant: `npm test` without the lanes whose verdict depends
 * on wall-clock speed (fault injection through a TCP proxy, the packaging lane that builds), so
 * a loaded machine cannot fail the initial run. Unit and integration tests do the killing.
 * `MUTATE_TESTS=glob,glob` narrows it further (a file imported everywhere, like `observe/redact.ts`,
 * would otherwise run the whole suite per mutant): fewer tests kill fewer mutants, so a narrowed
 * score is a lower bound of the suite's.
 */
const only = process.env['MUTATE_TESTS']?.split(',').filter((g) => g !== '');
const test = base.test ?? {};
export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...test,
    ...(only && only.length > 0 ? { include: only } : {}),
    exclude: [
      ...(test.exclude ?? []),
      'test/reliability/**',
      'test/package/**',
      // Asserts refused-vs-timed-out classification, which flips when the machine is loaded.
      'test/integration/refused-vs-answered.test.ts',
    ],
  },
});
