import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser lane has its own config and script (npm run test:browser).
    exclude: ['test/browser/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 15_000,
    hookTimeout: 15_000,
    pool: 'forks',
    // No retries: a flaky test is a bug to fix, not to hide.
    retry: 0,
  },
});
