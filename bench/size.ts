/**
 * (h) Browser bundle size (issue 14): esbuild `--bundle --platform=browser --minify` of what a
 * user imports, min and gzip size, and what each part costs (the metafile's inputs grouped by
 * src/ folder and by node_modules package). Peers measured the same way.
 *
 * Entry points are read from tsup.config.ts (`index` is `steadystream`, any other name `n` is
 * `steadystream/n`), so `steadystream/render`, `/graphql-ws`, `/kis`, `/testing` are measured
 * as soon as they exist there. Each is bundled from src/ through an alias of its package
 * specifier. When an entry does not bundle for the browser (today: `node:events`, `ws`), the
 * imports that fail are marked external, not counted, and listed in the report.
 *
 *   node --import tsx bench/size.ts     (this section alone; `npm run bench -- --only size` too)
 */
import { build, type Metafile } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { Figure } from './compare.js';
import { kb, table } from './util.js';
import { browserPlatform } from '../build/platform.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface SizeRow {
  id: string;
  label: string;
  /** What the bundle imports. */
  imports: string;
  minBytes: number;
  gzipBytes: number;
  /** Minified bytes per part: `src/<folder>` or the node_modules package. */
  parts: [string, number][];
  /** Imports that do not bundle for the browser, marked external (not counted). */
  externals: string[];
  error?: string;
}

interface Target {
  id: string;
  label: string;
  /** The entry module's code. */
  code: string;
  /** Package specifier -> file, for our entries. */
  alias?: Record<string, string>;
}

/** Our entries from tsup.config.ts: `index` -> `steadystream`, `n` -> `steadystream/n`. */
async function ourEntries(): Promise<[string, string][]> {
  const mod = (await import(`${root}tsup.config.ts`)) as { default: { entry?: Record<string, string> } | { entry?: Record<string, string> }[] };
  const cfgs = Array.isArray(mod.default) ? mod.default : [mod.default];
  const out = new Map<string, string>(); // one row per entry, however many builds (esm, cjs, browser) list it
  for (const c of cfgs)
    for (const [name, file] of Object.entries(c.entry ?? {})) out.set(name === 'index' ? 'steadystream' : `steadystream/${name}`, `${root}${file}`);
  return [...out].filter(([, f]) => existsSync(f));
}

/** `src/<folder>` for our files, the package name for node_modules, else the path. */
export function partOf(input: string): string {
  const nm = input.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = input.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const m = /(?:^|\/)src\/([^/]+)\//.exec(input);
  if (m) return `src/${m[1]}`;
  if (/(?:^|\/)src\/[^/]+$/.test(input)) return 'src (top level)';
  return input;
}

async function bundle(t: Target, externals: string[]): Promise<{ code: Uint8Array; meta: Metafile }> {
  const r = await build({
    stdin: { contents: t.code, resolveDir: root, loader: 'ts', sourcefile: `${t.id}-entry.ts` },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    target: 'es2022',
    external: externals,
    ...(t.alias ? { alias: t.alias } : {}),
    // Our src/ as the browser build has it: the platform modules swapped (no `ws`, no proxy code).
    ...(t.alias ? { plugins: [browserPlatform] } : {}),
  });
  return { code: r.outputFiles[0]!.contents, meta: r.metafile };
}

/** Bundle; on unresolvable imports, mark them external and try again (at most 3 times). */
async function measure(t: Target): Promise<SizeRow> {
  const externals: string[] = [];
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const { code, meta } = await bundle(t, externals);
      const parts = new Map<string, number>();
      for (const out of Object.values(meta.outputs)) {
        for (const [input, v] of Object.entries(out.inputs)) {
          if (input.includes('-entry.ts')) continue;
          parts.set(partOf(input), (parts.get(partOf(input)) ?? 0) + v.bytesInOutput);
        }
      }
      return {
        id: t.id,
        label: t.label,
        imports: t.code,
        minBytes: code.length,
        gzipBytes: gzipSync(code).length,
        parts: [...parts].sort((a, b) => b[1] - a[1]),
        externals,
      };
    } catch (err) {
      const errors = (err as { errors?: { text: string }[] }).errors ?? [];
      const unresolved = errors.map((e) => /Could not resolve "([^"]+)"/.exec(e.text)?.[1]).filter((x): x is string => !!x && !externals.includes(x));
      if (unresolved.length === 0)
        return {
          id: t.id,
          label: t.label,
          imports: t.code,
          minBytes: NaN,
          gzipBytes: NaN,
          parts: [],
          externals,
          error: errors[0]?.text ?? (err as Error).message,
        };
      externals.push(...new Set(unresolved));
    }
  }
  return {
    id: t.id,
    label: t.label,
    imports: t.code,
    minBytes: NaN,
    gzipBytes: NaN,
    parts: [],
    externals,
    error: 'still unresolved after 3 rounds of externals',
  };
}

const PEERS: Target[] = [
  { id: 'graphql-ws', label: 'graphql-ws client', code: "import { createClient } from 'graphql-ws'; (globalThis as any).k = createClient;" },
  { id: 'partysocket', label: 'partysocket', code: "import PartySocket from 'partysocket'; (globalThis as any).k = PartySocket;" },
  { id: 'reconnecting-websocket', label: 'reconnecting-websocket', code: "import RWS from 'reconnecting-websocket'; (globalThis as any).k = RWS;" },
  { id: 'socket.io-client', label: 'socket.io-client', code: "import { io } from 'socket.io-client'; (globalThis as any).k = io;" },
  { id: 'centrifuge', label: 'centrifuge (centrifuge-js)', code: "import { Centrifuge } from 'centrifuge'; (globalThis as any).k = Centrifuge;" },
];

export async function runSize(): Promise<SizeRow[]> {
  const entries = await ourEntries();
  const alias = Object.fromEntries(entries);
  const ours: Target[] = [
    {
      id: 'steadystream',
      label: 'steadystream: StreamClient + jsonProtocol',
      code: "import { StreamClient, jsonProtocol } from 'steadystream'; (globalThis as any).k = [StreamClient, jsonProtocol];",
      alias,
    },
    ...entries.map(([spec]): Target => ({ id: `entry:${spec}`, label: `${spec} (everything it exports)`, code: `export * from '${spec}';`, alias })),
  ];
  const rows: SizeRow[] = [];
  for (const t of [...ours, ...PEERS]) rows.push(await measure(t));
  return rows;
}

export function sizeFigures(rows: readonly SizeRow[]): Figure[] {
  /** One bundle size in KB: measured once by a deterministic build, so its range is the value. */
  const figure = (id: string, label: string, bytes: number): Figure => {
    const kb = bytes / 1024;
    return { id, label, unit: 'KB', kind: 'absolute', better: 'lower', value: kb, min: kb, max: kb, samples: 1, deterministic: true };
  };
  return rows.flatMap((r) => [
    figure(`size.gzip-kb.${r.id}`, `browser bundle, gzip, ${r.label}`, r.gzipBytes),
    figure(`size.min-kb.${r.id}`, `browser bundle, minified, ${r.label}`, r.minBytes),
  ]);
}

export function sizeSection(rows: readonly SizeRow[]): string {
  const main = rows.filter((r) => r.id === 'steadystream' || r.id.startsWith('entry:'));
  const partRows = main.flatMap((r) => r.parts.map(([p, b]) => [r.id, p, kb(b), `${((b / r.minBytes) * 100).toFixed(0)}%`]));
  return [
    '## (h) Browser bundle size',
    '',
    "esbuild `--bundle --platform=browser --format=esm --minify --target=es2022` of an entry module importing what the row says (tree-shaken), gzip by Node's zlib at its default level. " +
      'Our entries are read from tsup.config.ts and bundled from src/ through an alias of their package specifier; the "steadystream" row imports `StreamClient` and `jsonProtocol` only. ' +
      'Imports that do not resolve for the browser are marked external (not counted) and listed: today `node:events` (src/connection/transport.ts) — a real browser build fails on it (issue 14), so those rows measure what the bundle would weigh once it is gone. `ws` (the default WebSocket) resolves through its `browser` field to `ws/browser.js`, a 0.2 KB stub that throws when used (issue 14), and is counted.',
    '',
    table(
      ['bundle', 'imports', 'minified', 'gzip', 'external (does not bundle for the browser)', 'error'],
      rows.map((r) => [
        r.label,
        `\`${r.imports.replace(/; \(globalThis.*$/, '')}\``,
        kb(r.minBytes),
        kb(r.gzipBytes),
        r.externals.map((e) => `\`${e}\``).join(', '),
        r.error ?? '',
      ]),
    ),
    '',
    '### What each part costs (minified bytes in the bundle, by src/ folder and by package)',
    '',
    table(['bundle', 'part', 'minified', 'share'], partRows),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await runSize();
  console.log(sizeSection(rows));
}
