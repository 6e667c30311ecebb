import { defineConfig } from 'tsup';
import { browserPlatform } from './build/platform.js';

/** Entries every target has; Node adds the test kit. */
const shared = { index: 'src/index.ts' };

export default defineConfig([
  {
    entry: { ...shared, testing: 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
  },
  {
    // The `browser` export condition: the platform modules swapped, so `ws` is never bundled.
    entry: shared,
    outDir: 'dist/browser',
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    dts: false,
    sourcemap: true,
    splitting: true,
    treeshake: true,
    esbuildPlugins: [browserPlatform],
  },
]);
