import { defineConfig } from 'vitest/config';

/** `npm run test:relay`: the relay against a real nats-server (started by the tests); not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/relay/**/*.test.ts'],
    globalSetup: ['test/relay/helpers/setup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    fileParallelism: false,
    retry: 0,
  },
});
