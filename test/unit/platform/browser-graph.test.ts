import { build, type Metafile } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { browserPlatform } from '../../../build/platform.js';
import { isStreamClientError } from '../../../src/core/errors.js';
import { defaultWebSocket } from '../../../src/platform/websocket.browser.js';

/** Bundle an entry as the package's browser build does (the platform modules swapped), and list what it pulled in. */
async function browserInputs(entry: string): Promise<string[]> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [browserPlatform],
  });
  return Object.keys((r.metafile as Metafile).inputs);
}

describe('the browser graph', () => {
  it('bundles the root entry for a browser with no Node built-in and without the ws package', async () => {
    const inputs = await browserInputs('src/index.ts');
    expect(inputs.filter((i) => i.startsWith('node:') || /^(events|crypto|http|net|stream)$/.test(i))).toEqual([]);
    expect(inputs.filter((i) => i.includes('node_modules/ws/'))).toEqual([]);
    expect(inputs).toContain('src/platform/websocket.browser.ts');
  });
});

/** Bytes each input contributes to a minified browser bundle of `code` (what survives tree-shaking). */
async function survivors(code: string): Promise<string[]> {
  const r = await build({
    stdin: { contents: code, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [browserPlatform],
  });
  const out = Object.values((r.metafile as Metafile).outputs)[0]!;
  return Object.entries(out.inputs)
    .filter(([, v]) => v.bytesInOutput > 0)
    .map(([k]) => k);
}

describe('what a bundle carries', () => {
  it('StreamClient + jsonProtocol from the root entry carry no render code, no lru-cache and no other protocol', async () => {
    const inputs = await survivors(
      "import { StreamClient, jsonProtocol } from './src/index.ts'; console.log(new StreamClient({ url: 'ws://x', protocol: jsonProtocol() }));",
    );
    expect(inputs.filter((i) => /src\/render\/|lru-cache|src\/protocol\/(kis|graphql)/.test(i))).toEqual([]);
    expect(inputs).toContain('src/client/client.ts');
  });

  it('createViews from the render entry brings the views and lru-cache', async () => {
    const inputs = await survivors("import { createViews } from './src/entries/render.ts'; console.log(createViews);");
    expect(inputs.filter((i) => /src\/render\/view\.ts|lru-cache/.test(i)).length).toBe(2);
  });
});

describe('the browser default WebSocket', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('is the global WebSocket, read when a client is made', () => {
    class PageWebSocket {}
    vi.stubGlobal('WebSocket', PageWebSocket);
    expect(defaultWebSocket()).toBe(PageWebSocket);
  });

  it('is an INVALID_OPTIONS error naming the option where the runtime has none', () => {
    vi.stubGlobal('WebSocket', undefined);
    let err: unknown;
    try {
      defaultWebSocket();
    } catch (e) {
      err = e;
    }
    expect(isStreamClientError(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toBe('WebSocket is required here: this runtime has no global WebSocket');
  });
});
