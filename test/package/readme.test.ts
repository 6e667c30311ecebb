/**
 * Every ```ts block of README.md typechecks against the current sources, as a user's module that
 * imports `steadystream`, `steadystream/testing` and `steadystream/relay`. A block that is
 * deliberately partial is marked ```ts fragment and skipped. Functions a sample leaves to the app
 * are declared in `APP`.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** What README samples call but an app provides. Add here when a sample needs more. */
const APP = `
declare function getToken(signal: AbortSignal): Promise<{ token: string; expiresAt: number }>;
declare function render(value: unknown): void;
declare function showGrey(): void;
declare function showLive(): void;
/** The slice of React the recipes use (React is not a dependency of this repository). */
declare module 'react' {
  export function useState<S>(initial: S | (() => S)): [S, (value: S | ((prev: S) => S)) => void];
  export function useState<S = undefined>(): [S | undefined, (value: S | undefined | ((prev: S | undefined) => S | undefined)) => void];
  export function useEffect(effect: () => void | (() => void), deps?: readonly unknown[]): void;
}
`;

interface Block {
  readonly line: number;
  readonly info: string;
  readonly code: string;
}

function tsBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const fence = /^```(ts|typescript)\b([^\n]*)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) {
    const line = markdown.slice(0, m.index).split('\n').length;
    blocks.push({ line, info: `${m[1]}${m[2]}`.trim(), code: m[3] ?? '' });
  }
  return blocks;
}

/** Typechecks each source as a module of a consumer, in one program; diagnostics per name. */
function typecheck(sources: ReadonlyMap<string, string>): Map<string, string[]> {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
    baseUrl: ROOT,
    paths: {
      steadystream: ['src/index.ts'],
      'steadystream/testing': ['src/testing/index.ts'],
      'steadystream/relay': ['src/relay/index.ts'],
      'steadystream/render': ['src/entries/render.ts'],
      'steadystream/graphql-ws': ['src/entries/graphql-ws.ts'],
      'steadystream/kis': ['src/entries/kis.ts'],
    },
  };
  // Virtual files beside the tests, so that imports resolve from this repository.
  const dir = join(ROOT, 'test', 'package', '__readme__');
  const files = new Map([[join(dir, 'app.d.ts'), APP]]);
  for (const [name, code] of sources) files.set(join(dir, `${name}.ts`), `${code}\nexport {};\n`);
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) => {
    const text = files.get(resolve(file));
    return text === undefined ? getSourceFile(file, lang, ...rest) : ts.createSourceFile(file, text, lang);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => files.has(resolve(file)) || fileExists(file);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => files.get(resolve(file)) ?? readFile(file);
  const program = ts.createProgram([...files.keys()], options, host);
  const byName = new Map<string, string[]>([...sources.keys()].map((name) => [name, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const name = d.file ? d.file.fileName.slice(dir.length + 1).replace(/\.ts$/, '') : '';
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const text = `${where ? `${where.line + 1}:${where.character + 1} ` : ''}TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    (byName.get(name) ?? byName.set('(elsewhere)', []).get('(elsewhere)')!).push(text);
  }
  return byName;
}

const blocks = tsBlocks(README);
const checked = blocks.filter((b) => !/\bfragment\b/.test(b.info));
/** A sample that misuses the API: proves the check can fail. */
const CANARY = "import { StreamClient } from 'steadystream';\nnew StreamClient({ url: 1 });";
let results: Map<string, string[]> | undefined;
const diagnostics = (name: string): string[] | undefined => {
  results ??= typecheck(new Map([...checked.map((b) => [`block-${b.line}`, b.code] as const), ['canary', CANARY]]));
  return results.get(name);
};

describe('README.md code samples', () => {
  it('finds the quick start among the checked blocks', () => {
    expect(checked.some((b) => b.code.includes("from 'steadystream'") && b.code.includes('new StreamClient('))).toBe(true);
  });

  it('reports a sample that misuses the API (the check can fail)', () => {
    expect(diagnostics('canary')).toHaveLength(1);
    expect(diagnostics('(elsewhere)')).toBeUndefined();
  }, 120_000);

  it.each(checked.map((b) => [b.line, b] as const))('the ```ts block at line %i typechecks', (line) => {
    expect(diagnostics(`block-${line}`)).toEqual([]);
  });
});
