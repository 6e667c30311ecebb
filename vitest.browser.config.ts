import { defineConfig } from 'vitest/config';

// The browser lane: builds and packs the package, then drives Chromium (see test/browser/lane.ts).
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 600_000,
    pool: 'forks',
    retry: 0,
  },
});
