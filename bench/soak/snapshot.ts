/**
 * Evidence for a failed slope check, from two heap snapshots (warm-up and end of phase):
 * the constructors that grew the most, and for the objects new since the first snapshot, the
 * retainer paths that hold most of them (who keeps them alive).
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { requireGc } from './measure.js';

interface RawSnapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** A parsed snapshot with just what the diff needs. */
export interface HeapSnapshotData {
  readonly raw: RawSnapshot;
  readonly maxId: number;
}

/**
 * Writes a snapshot to a temporary file (so that nothing of it stays in the heap being
 * measured) and returns the path; `readSnapshot` parses and deletes it after the phase.
 */
export function writeSnapshot(tag: string): string {
  requireGc()();
  return writeHeapSnapshot(join(tmpdir(), `steadystream-soak-${process.pid}-${tag}.heapsnapshot`));
}

export function readSnapshot(file: string): HeapSnapshotData {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
  rmSync(file, { force: true });
  const f = raw.snapshot.meta.node_fields;
  const width = f.length;
  const idAt = f.indexOf('id');
  const typeAt = f.indexOf('type');
  const types = raw.snapshot.meta.node_types[0];
  // Heap objects get increasing ids; embedder (native) and synthetic nodes get hashed ones.
  let maxId = 0;
  for (let i = 0; i < raw.nodes.length; i += width) {
    const type = types[raw.nodes[i + typeAt]!];
    if (type !== 'native' && type !== 'synthetic') maxId = Math.max(maxId, raw.nodes[i + idAt]!);
  }
  return { raw, maxId };
}

export interface CensusGrowth {
  readonly name: string;
  readonly count: number;
  readonly bytes: number;
}

export interface SnapshotDiff {
  /** Constructors (and V8-internal node kinds) by growth in retained self size. */
  readonly growth: CensusGrowth[];
  /** Retainer paths of objects new since the first snapshot, most common first. */
  readonly paths: { readonly path: string; readonly count: number }[];
}

function label(raw: RawSnapshot, node: number): string {
  const f = raw.snapshot.meta.node_fields;
  const type = raw.snapshot.meta.node_types[0][raw.nodes[node + f.indexOf('type')]!] ?? '?';
  const name = raw.strings[raw.nodes[node + f.indexOf('name')]!] ?? '?';
  if (type === 'object' || type === 'closure' || type === 'native') return `${name.slice(0, 40)} (${type})`;
  if (type === 'hidden' || type === 'code' || type === 'object shape') return `${name.slice(0, 40)} (${type})`;
  return `(${type})`;
}

function census(raw: RawSnapshot): Map<string, { count: number; bytes: number }> {
  const f = raw.snapshot.meta.node_fields;
  const width = f.length;
  const types = raw.snapshot.meta.node_types[0];
  const typeAt = f.indexOf('type');
  const sizeAt = f.indexOf('self_size');
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < raw.nodes.length; i += width) {
    const type = types[raw.nodes[i + typeAt]!];
    if (type === 'synthetic') continue;
    const name = label(raw, i);
    const e = out.get(name);
    if (e === undefined) out.set(name, { count: 1, bytes: raw.nodes[i + sizeAt]! });
    else {
      e.count += 1;
      e.bytes += raw.nodes[i + sizeAt]!;
    }
  }
  return out;
}

/** Growth by constructor, and the retainer paths (up to `depth` hops) of the new objects. */
export function diffSnapshots(before: HeapSnapshotData, after: HeapSnapshotData, top = 12, depth = 7): SnapshotDiff {
  const a = census(before.raw);
  const b = census(after.raw);
  const growth: CensusGrowth[] = [];
  for (const [name, x] of b) {
    const y = a.get(name) ?? { count: 0, bytes: 0 };
    if (x.bytes > y.bytes) growth.push({ name, count: x.count - y.count, bytes: x.bytes - y.bytes });
  }
  growth.sort((p, q) => q.bytes - p.bytes);

  const raw = after.raw;
  const nf = raw.snapshot.meta.node_fields;
  const ef = raw.snapshot.meta.edge_fields;
  const width = nf.length;
  const ewidth = ef.length;
  const edgeTypes = raw.snapshot.meta.edge_types[0];
  const idAt = nf.indexOf('id');
  const ecAt = nf.indexOf('edge_count');
  const typeAt = nf.indexOf('type');
  const nodeTypes = raw.snapshot.meta.node_types[0];
  const eType = ef.indexOf('type');
  const eName = ef.indexOf('name_or_index');
  const eTo = ef.indexOf('to_node');
  // First strong retainer of every node: [retainer node, edge label].
  const retainer = new Map<number, [number, string]>();
  let e = 0;
  for (let n = 0; n < raw.nodes.length; n += width) {
    const count = raw.nodes[n + ecAt]!;
    for (let k = 0; k < count; k++, e += ewidth) {
      const et = edgeTypes[raw.edges[e + eType]!];
      if (et === 'weak' || et === 'shortcut') continue;
      const to = raw.edges[e + eTo]!;
      if (retainer.has(to)) continue;
      const nameOrIndex = raw.edges[e + eName]!;
      const edge = et === 'element' || et === 'hidden' ? `[${nameOrIndex}]` : `.${raw.strings[nameOrIndex] ?? '?'}`;
      retainer.set(to, [n, edge]);
    }
  }
  const paths = new Map<string, number>();
  for (let n = 0; n < raw.nodes.length; n += width) {
    if (raw.nodes[n + idAt]! <= before.maxId) continue;
    const type = nodeTypes[raw.nodes[n + typeAt]!];
    if (type !== 'object' && type !== 'closure') continue;
    const parts = [label(raw, n)];
    let at = n;
    for (let d = 0; d < depth; d++) {
      const r = retainer.get(at);
      if (r === undefined) break;
      // Element indexes vary per object; the shape of the path is what groups them.
      parts.push(`${r[1].startsWith('[') ? '[i]' : r[1]} of ${label(raw, r[0])}`);
      at = r[0];
    }
    const key = parts.join(' <- ');
    paths.set(key, (paths.get(key) ?? 0) + 1);
  }
  return {
    growth: growth.slice(0, top),
    paths: [...paths]
      .sort((p, q) => q[1] - p[1])
      .slice(0, 5)
      .map(([path, count]) => ({ path, count })),
  };
}
