import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** Bundle an entry the way a browser app's bundler would, and list what it pulled in. */
async function browserInputs(entry: string): Promise<string[]> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys((r.metafile as Metafile).inputs);
}

describe('the browser graph', () => {
  it('bundles the root entry for a browser with no Node built-in', async () => {
    const inputs = await browserInputs('src/index.ts');
    expect(inputs.filter((i) => i.startsWith('node:') || /^(events|crypto|http|net|stream)$/.test(i))).toEqual([]);
  });
});
