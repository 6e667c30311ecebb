import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The relay lane needs nats-server: `npm run test:relay` (vitest.relay.config.ts).
    exclude: [...configDefaults.exclude, 'test/relay/**'],
    environment: 'node',
    testTimeout: 15_000,
    hookTimeout: 15_000,
    pool: 'forks',
    // No retries: a flaky test is a bug to fix, not to hide.
    retry: 0,
  },
});
