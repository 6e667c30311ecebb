// Browser bundle sizes of the PACKED package, per entry point (esbuild, minified, gzip -9), and
// what each part of StreamClient + jsonProtocol costs (from src, same build). `npm run size`.
// (bench/size.ts is the bench's section: from src/, beside the peers, into baselines.)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { browserPlatform } from '../build/platform.js';
import { LANE_DIR, prepareLane } from '../test/browser/lane.js';

const CASES: [string, string][] = [
  [
    'StreamClient + jsonProtocol (steadystream)',
    "import { StreamClient, jsonProtocol } from 'steadystream'; console.log(new StreamClient({ url: 'ws://x', protocol: jsonProtocol() }));",
  ],
  [
    '+ createViews (steadystream/render)',
    "import { StreamClient } from 'steadystream'; import { createViews } from 'steadystream/render'; console.log(createViews(new StreamClient({ url: 'ws://x' })));",
  ],
  [
    '+ graphqlWsProtocol (steadystream/graphql-ws)',
    "import { StreamClient } from 'steadystream'; import { graphqlWsProtocol } from 'steadystream/graphql-ws'; console.log(new StreamClient({ url: 'ws://x', protocol: graphqlWsProtocol() }));",
  ],
  [
    '+ kisProtocol, kisApprovalKey (steadystream/kis)',
    "import { StreamClient } from 'steadystream'; import { kisProtocol, kisApprovalKey } from 'steadystream/kis'; console.log(new StreamClient({ url: 'ws://x', protocol: kisProtocol() }), kisApprovalKey);",
  ],
  ['everything of the root entry (import *)', "import * as s from 'steadystream'; console.log(s);"],
];

async function bundle(contents: string, resolveDir: string, plugins = [] as (typeof browserPlatform)[]) {
  const r = await build({
    stdin: { contents, resolveDir, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    tsconfigRaw: {}, // not the repo's `paths` (steadystream -> src/): the packed package is measured
    plugins,
  });
  const code = r.outputFiles[0]!.contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length, meta: r.metafile as Metafile };
}

const kb = (n: number): string => (n / 1024).toFixed(1);

if (!existsSync(join(LANE_DIR, 'node_modules', 'steadystream', 'package.json'))) await prepareLane();
console.log('| import | min KB | gzip KB |\n|---|---:|---:|');
for (const [name, code] of CASES) {
  const b = await bundle(code, LANE_DIR);
  console.log(`| ${name} | ${kb(b.min)} | ${kb(b.gzip)} |`);
}

// Per part: minified bytes each src folder (or package) contributes to StreamClient + jsonProtocol.
const src = await bundle(
  "import { StreamClient, jsonProtocol } from './src/index.ts'; console.log(new StreamClient({ url: 'ws://x', protocol: jsonProtocol() }));",
  process.cwd(),
  [browserPlatform],
);
const parts = new Map<string, number>();
for (const [file, v] of Object.entries(Object.values(src.meta.outputs)[0]!.inputs)) {
  const part = file.includes('node_modules/') ? file.split('node_modules/')[1]!.split('/')[0]! : file.split('/').slice(0, 2).join('/');
  parts.set(part, (parts.get(part) ?? 0) + v.bytesInOutput);
}
console.log('\n| part (StreamClient + jsonProtocol) | min KB |\n|---|---:|');
for (const [part, bytes] of [...parts].sort((a, b) => b[1] - a[1])) console.log(`| ${part} | ${kb(bytes)} |`);
