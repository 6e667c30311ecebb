import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/** Where the lane installs the packed package and bundles its page (gitignored). */
export const LANE_DIR = resolve('.browser-lane');
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Fails loudly, never skips: a lane that silently did not run proves nothing. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`browser lane: no Chromium at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  return CHROMIUM;
}

const run = (cmd: string, args: string[], cwd = process.cwd()): string => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Build, `npm pack`, install the tarball's contents as `.browser-lane/node_modules/steadystream`
 * (what a user gets from npm), and bundle the page from it for the browser.
 */
export async function prepareLane(): Promise<{ bundle: string; tarball: string }> {
  rmSync(LANE_DIR, { recursive: true, force: true });
  mkdirSync(join(LANE_DIR, 'node_modules', 'steadystream'), { recursive: true });
  run('npm', ['run', 'build']); // then pack without prepack's second build (its output would precede pack's JSON)
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', LANE_DIR])) as { filename: string }[];
  const tarball = join(LANE_DIR, packed[0]!.filename);
  run('tar', ['-xzf', tarball, '-C', join(LANE_DIR, 'node_modules', 'steadystream'), '--strip-components=1']);
  // Its own package.json, so `steadystream` resolves to the installed copy, not the repo itself.
  writeFileSync(join(LANE_DIR, 'package.json'), JSON.stringify({ name: 'browser-lane', private: true, type: 'module' }));
  for (const f of ['page.ts', 'timers.ts', 'types-browser', 'types-node']) cpSync(resolve('test/browser', f), join(LANE_DIR, f), { recursive: true });
  const out = await build({
    entryPoints: [join(LANE_DIR, 'page.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // Not the repo's tsconfig: its `paths` map `steadystream` to src/, and the lane tests the tarball.
    tsconfigRaw: {},
  });
  const inputs = Object.keys(out.metafile.inputs);
  const stray = inputs.filter((i) => (!i.startsWith('.browser-lane/') && !i.includes('node_modules/') ? true : i.includes('node_modules/ws/')));
  if (stray.length > 0) throw new Error(`browser lane: the page bundle must come from the packed package only, without ws; it holds ${stray.join(', ')}`);
  return { bundle: out.outputFiles[0]!.text, tarball };
}

/** Type-check a fixture directory of the lane against the installed package; returns tsc's output. */
export function typecheck(fixture: 'types-browser' | 'types-node'): string {
  const tsc = resolve('node_modules', 'typescript', 'bin', 'tsc');
  try {
    return run(process.execPath, [tsc, '-p', join(LANE_DIR, fixture)]);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}` || String(e);
  }
}

export function packedFile(path: string): string {
  return readFileSync(join(LANE_DIR, 'node_modules', 'steadystream', path), 'utf8');
}
