import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', relay: 'src/relay/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: false,
  treeshake: true,
  // Optional peers of steadystream/relay: never bundled.
  external: ['@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/kv'],
});
