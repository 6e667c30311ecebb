import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', relay: 'src/relay/index.ts' },
  format: ['esm', 'cjs'],
  // The declarations use Disposable and Symbol.(async)dispose: a browser app (lib DOM, no @types/node) must get them too.
  dts: { banner: '/// <reference lib="esnext.disposable" />' },
  clean: true,
  // No source maps: the output is unminified and readable; maps were two thirds of the package.
  sourcemap: false,
  target: 'node20',
  splitting: false,
  treeshake: true,
  // Optional peers of steadystream/relay: never bundled.
  external: ['@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/kv'],
});
