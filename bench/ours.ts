/**
 * Which steadystream the bench measures. By default the current `src/` built the way it ships
 * (tsup/esbuild, the project's own build settings: no `keepNames`), into
 * `.cache/steadystream-bench/` (git-ignored; rebuilt every run). `--source` loads
 * `src/` through tsx instead — tsx compiles with esbuild's `keepNames`, which wraps every
 * function in `__name(fn, "…")`: each closure created at run time then carries its own `name`
 * property (a ~256-byte property array), which inflates per-instance memory and is not what a
 * user of the package gets.
 */
import { rm } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import type * as Index from '../src/index.js';
import type { Protocol } from '../src/index.js';

export type GqlFactory = (o: { operation: (topic: string) => { query: string; variables: Record<string, unknown> } }) => Protocol;

export interface Ours {
  StreamClient: typeof Index.StreamClient;
  jsonProtocol: typeof Index.jsonProtocol;
  graphqlWsProtocol: GqlFactory | undefined;
  /** Where it came from, for the report. */
  source: string;
  /** Why graphqlWsProtocol is missing, when it is. */
  gqlNote?: string;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = fileURLToPath(new URL('../.cache/steadystream-bench/', import.meta.url));
const gqlEntry = fileURLToPath(new URL('../src/protocol/graphql-ws.ts', import.meta.url));

let loaded: Promise<Ours> | undefined;

/** Load (once) the library under test. */
export function loadOurs(mode: 'build' | 'source'): Promise<Ours> {
  loaded ??= mode === 'build' ? fromBuild() : fromSource();
  return loaded;
}

async function fromSource(): Promise<Ours> {
  const index = (await import('../src/index.js')) as typeof Index;
  const g = await importGql('../src/protocol/graphql-ws.js');
  return { StreamClient: index.StreamClient, jsonProtocol: index.jsonProtocol, ...g, source: 'src/ through tsx (esbuild keepNames)' };
}

async function fromBuild(): Promise<Ours> {
  const { build } = await import('tsup');
  const entry: Record<string, string> = { index: `${root}src/index.ts` };
  const hasGql = existsSync(gqlEntry);
  if (hasGql) entry['graphql-ws'] = gqlEntry;
  await rm(outDir, { recursive: true, force: true });
  await build({
    entry,
    outDir,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: false,
    sourcemap: false,
    splitting: true, // graphql-ws.js shares the chunks (errors, types) with index.js
    treeshake: false,
    clean: false,
    silent: true,
    config: false,
    external: ['ws', 'eventemitter3', 'lru-cache', 'pino'],
  });
  const index = (await import(pathToFileURL(`${outDir}index.js`).href)) as typeof Index;
  const g = hasGql
    ? await importGql(pathToFileURL(`${outDir}graphql-ws.js`).href)
    : { graphqlWsProtocol: undefined, gqlNote: 'src/protocol/graphql-ws.ts does not exist' };
  return { StreamClient: index.StreamClient, jsonProtocol: index.jsonProtocol, ...g, source: 'src/ built with tsup (esbuild, no keepNames), as shipped' };
}

async function importGql(specifier: string): Promise<{ graphqlWsProtocol: GqlFactory | undefined; gqlNote?: string }> {
  try {
    const mod = (await import(specifier)) as { graphqlWsProtocol?: GqlFactory };
    if (typeof mod.graphqlWsProtocol === 'function') return { graphqlWsProtocol: mod.graphqlWsProtocol };
    return { graphqlWsProtocol: undefined, gqlNote: 'no graphqlWsProtocol export' };
  } catch (err) {
    return { graphqlWsProtocol: undefined, gqlNote: `not importable: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Remove the build (end of the run). */
export async function cleanOurs(): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
}
