import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.js';

/**
 * The suite Stryker runs against each mutant: `npm test` without the lanes whose verdict depends
 * on wall-clock speed (fault injection through a TCP proxy, the packaging lane that builds), so
 * a loaded machine cannot fail the initial run. Unit and integration tests do the killing.
 */
export default mergeConfig(
  base,
  defineConfig({
    root: fileURLToPath(new URL('../..', import.meta.url)),
    test: {
      exclude: [
        'test/reliability/**',
        'test/package/**',
        // Asserts refused-vs-timed-out classification, which flips when the machine is loaded.
        'test/integration/refused-vs-answered.test.ts',
      ],
    },
  }),
);
