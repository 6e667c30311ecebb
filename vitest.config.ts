import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Lanes with their own config and script: the relay needs nats-server (npm run test:relay),
    // the browser lane Chromium (npm run test:browser).
    exclude: [...configDefaults.exclude, 'test/relay/**', 'test/browser/**'],
    environment: 'node',
    testTimeout: 15_000,
    hookTimeout: 15_000,
    pool: 'forks',
    // No retries: a flaky test is a bug to fix, not to hide.
    retry: 0,
  },
});
