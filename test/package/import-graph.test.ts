import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// File-level import cycles are Biome's (`noImportCycles`, run by `npm test`); this checks the
// parts: each folder of `src/` may import the parts below it only (ARCHITECTURE.md, "Import rules").

/** part -> the parts it imports -> one example `file -> import` per edge, for the failure message. */
type PartGraph = Map<string, Map<string, string>>;

const SRC = resolve('src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The part a path of `src/` belongs to (its first folder); `undefined` for the entry files at the top. */
function partOf(file: string): string | undefined {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0] : undefined;
}

/** Every relative import, re-export and dynamic import, type-only ones included, between two parts. */
function partGraph(): PartGraph {
  const graph: PartGraph = new Map();
  for (const file of sources(SRC)) {
    const from = partOf(file);
    if (from === undefined) continue;
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), fileName);
      const to = partOf(target);
      if (to === undefined || to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      graph.set(from, edges);
      if (!edges.has(to)) edges.set(to, `${relative(SRC, file)} -> ${fileName}`);
    }
  }
  return graph;
}

/** The strongly connected groups of more than one part (Tarjan), each sorted, in sorted order. */
function partCycles(graph: ReadonlyMap<string, ReadonlyMap<string, string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) out.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

const graphOf = (edges: Record<string, string[]>): PartGraph =>
  new Map(Object.entries(edges).map(([from, tos]) => [from, new Map(tos.map((to) => [to, `${from}/x.ts -> ../${to}/y.js`]))]));

describe('import cycles between the parts of src/', () => {
  it('partCycles finds every group of parts that import one another, and nothing in a layered graph', () => {
    const cyclic = graphOf({
      observe: ['connection', 'core'],
      connection: ['protocol', 'core'],
      protocol: ['auth'],
      auth: ['observe'],
      client: ['connection'],
      render: ['client'],
      core: [],
    });
    expect(partCycles(cyclic)).toEqual([['auth', 'connection', 'observe', 'protocol']]);
    expect(partCycles(graphOf({ a: ['b'], b: ['a'], c: ['d'], d: ['c'] }))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(partCycles(graphOf({ client: ['connection', 'core'], connection: ['core'], core: [] }))).toEqual([]);
  });

  it('src/ has none: no part imports, even for a type, a part that imports it back', () => {
    const graph = partGraph();
    // Guard against a parser that finds nothing (which would pass vacuously).
    expect(graph.get('client')?.has('connection')).toBe(true);
    const found = partCycles(graph).map((group) =>
      group.flatMap((from) => group.filter((to) => graph.get(from)?.has(to)).map((to) => graph.get(from)!.get(to)!)),
    );
    expect(found).toEqual([]);
  });
});
