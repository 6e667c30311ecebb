#!/usr/bin/env node
/**
 * Packaging checks on the package as published, all offline: `npm pack` from a clean tree (the
 * prepack build must put `dist/` in it), publint --strict and arethetypeswrong on the tarball, then
 * a consumer that installs the tarball into a fresh folder and compiles the README's quick start
 * under moduleResolution node16, nodenext, bundler and with DOM types only (no @types/node), and
 * `steadystream/testing` without @types/ws (and under node10, which needs `typesVersions`).
 *
 * Run: `npm run check:package` (CI runs it after `npm test`). Keep the folder with KEEP=1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const work = mkdtempSync(join(tmpdir(), 'steadystream-pkg-'));
let failures = 0;

function run(what, cmd, args, cwd = ROOT) {
  process.stdout.write(`\n== ${what}\n`);
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (r.status !== 0) {
    failures++;
    process.stdout.write(`!! FAILED: ${what} (exit ${r.status ?? r.signal})\n`);
  }
  return r.status === 0;
}

function fail(message) {
  failures++;
  process.stdout.write(`!! FAILED: ${message}\n`);
}

/** The first ```ts block after a heading: what a new user copies. */
function readmeBlock(heading) {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  const block = at < 0 ? null : /```ts[^\n]*\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`README.md has no \`\`\`ts block under "${heading}"`);
  return block[1];
}

// 1. Pack from a tree without dist/: prepack must build.
rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
run('npm pack (prepack builds dist/)', 'npm', ['pack', '--pack-destination', work, '--silent']);
const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
if (!tarball) {
  fail('npm pack produced no tarball');
  process.exit(1);
}
const tgz = join(work, tarball);
const listing = spawnSync('tar', ['tzf', tgz], { encoding: 'utf8' }).stdout.split('\n');
for (const needed of [
  'package/dist/index.js',
  'package/dist/index.cjs',
  'package/dist/index.d.ts',
  'package/dist/testing.d.ts',
  'package/LICENSE',
  'package/README.md',
]) {
  if (!listing.includes(needed)) fail(`the tarball lacks ${needed}`);
}
const maps = listing.filter((f) => f.endsWith('.map'));
if (maps.length > 0) fail(`the tarball ships source maps: ${maps.join(', ')}`);

// 2. Linters on the tarball (neither needs the network).
run('publint --strict', join(BIN, 'publint'), ['run', '--strict', tgz]);
run('arethetypeswrong', join(BIN, 'attw'), ['--no-definitely-typed', '--format', 'ascii', tgz]);

// 3. A consumer: the tarball installed offline (dependencies from the npm cache that `npm ci` filled).
const consumer = join(work, 'consumer');
mkdirSync(consumer);
writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
if (!run('consumer: npm install --offline <tarball>', 'npm', ['install', '--offline', '--omit=dev', '--no-package-lock', tgz], consumer)) {
  process.exit(1);
}
// Only @types/node is added (for the Node configurations); typescript runs from this repo.
mkdirSync(join(consumer, 'node_modules', '@types'), { recursive: true });
symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(consumer, 'node_modules', '@types', 'node'), 'dir');
if (existsSync(join(consumer, 'node_modules', '@types', 'ws'))) fail('@types/ws was installed into the consumer');

// The README's quick start, verbatim, with the app's own functions declared.
writeFileSync(join(consumer, 'quickstart.ts'), readmeBlock('## Quick start'));
writeFileSync(
  join(consumer, 'app.d.ts'),
  [
    'declare function getToken(signal: AbortSignal): Promise<{ token: string; expiresAt: number }>;',
    'declare function render(value: unknown): void;',
    'declare function showGrey(): void;',
    'declare function showLive(): void;',
  ].join('\n'),
);
// The test kit, as a user's test file would use it.
writeFileSync(
  join(consumer, 'testing.ts'),
  [
    "import { createMemoryNetwork, createTestServer, waitFor } from 'steadystream/testing';",
    "import { StreamClient, isStreamClientError } from 'steadystream';",
    'export async function check(): Promise<void> {',
    '  const network = createMemoryNetwork();',
    '  const server = await createTestServer();',
    '  const client = new StreamClient({ url: server.url, WebSocket: network.WebSocket });',
    "  try { await client.start(); } catch (err) { if (isStreamClientError(err, 'MAX_ATTEMPTS')) { const code: 'MAX_ATTEMPTS' = err.code; void code; } }",
    '  await client.close();',
    '  await server.close();',
    '  void waitFor;',
    '}',
  ].join('\n'),
);

// A browser app passes the browser's own WebSocket, without a cast.
writeFileSync(
  join(consumer, 'browser.ts'),
  "import { StreamClient } from 'steadystream';\nexport const client = new StreamClient({ url: 'wss://feed.example/ws', WebSocket });\n",
);

const strict = { strict: true, skipLibCheck: false, noEmit: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true };
const configs = {
  node16: { module: 'node16', moduleResolution: 'node16', target: 'ES2022', lib: ['ES2022'], types: ['node'], files: ['quickstart.ts', 'testing.ts'] },
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext', target: 'ES2022', lib: ['ES2022'], types: ['node'], files: ['quickstart.ts', 'testing.ts'] },
  bundler: { module: 'esnext', moduleResolution: 'bundler', target: 'ES2022', lib: ['ES2022'], types: ['node'], files: ['quickstart.ts', 'testing.ts'] },
  // A browser app: DOM types, no @types/node.
  dom: { module: 'esnext', moduleResolution: 'bundler', target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], files: ['quickstart.ts', 'browser.ts'] },
  // Legacy resolution (no `exports`): the subpath resolves through `typesVersions`.
  node10: { module: 'commonjs', moduleResolution: 'node10', target: 'ES2022', lib: ['ES2022'], types: ['node'], files: ['testing.ts'] },
};
for (const [name, { files, ...options }] of Object.entries(configs)) {
  const config = `tsconfig.${name}.json`;
  writeFileSync(join(consumer, config), JSON.stringify({ compilerOptions: { ...strict, ...options }, files: [...files, 'app.d.ts'] }, null, 2));
  run(`consumer: tsc (${name})`, join(BIN, 'tsc'), ['-p', config], consumer);
}

if (process.env.KEEP) process.stdout.write(`\nkept ${work}\n`);
else rmSync(work, { recursive: true, force: true });
process.stdout.write(failures === 0 ? '\npackage checks: all passed\n' : `\npackage checks: ${failures} failed\n`);
process.exit(failures === 0 ? 0 : 1);
