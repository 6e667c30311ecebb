import { defineConfig, type Options } from 'tsup';
import { browserPlatform } from './build/platform.js';

/** Entries every target has; Node adds the test kit. */
const shared = {
  index: 'src/index.ts',
  render: 'src/entries/render.ts',
  'graphql-ws': 'src/entries/graphql-ws.ts',
  kis: 'src/entries/kis.ts',
};
const node = { ...shared, testing: 'src/testing/index.ts', relay: 'src/relay/index.ts' };
// No source maps: the output is unminified and readable; maps were two thirds of the package.
// The declarations use Disposable and Symbol.(async)dispose: a browser app (lib DOM, no @types/node) gets them too.
// The relay's NATS clients are optional peers: never bundled.
const common: Options = {
  sourcemap: false,
  treeshake: true,
  external: ['@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/kv'],
};
const dts = { banner: '/// <reference lib="esnext.disposable" />' };

export default defineConfig([
  // ESM shares chunks between entries (one StreamClientError class for all of them).
  { ...common, entry: node, format: ['esm'], dts, target: 'node20', splitting: true },
  // CJS has no chunks: entries may hold copies, which the errors' brand guards and the views slot's Symbol.for tolerate.
  { ...common, entry: node, format: ['cjs'], dts, target: 'node20', splitting: false },
  {
    // The `browser` export condition: the platform modules swapped, so `ws` is never bundled.
    ...common,
    entry: shared,
    outDir: 'dist/browser',
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    splitting: true,
    esbuildPlugins: [browserPlatform],
  },
]);
