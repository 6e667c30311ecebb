/** Shared helpers of the bench: the server process, statistics, formatting, machine facts. */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface BenchArgs {
  quick: boolean;
  rounds: number;
  messages: number;
  topics: number;
  connections: number;
  simClients: number;
  /** Sections to run: dispatch, inproc, idle, sim, render, reconnect-real, size (all when empty). */
  only: Set<string>;
  /** Client kinds of the dispatch sections to run, by id (all when empty). */
  kinds: Set<string>;
  out: string;
  /** `--save-baseline NAME`: store this run's figures in bench/baselines/NAME.json. */
  saveBaseline: string | undefined;
  /** `--baseline NAME`: compare this run with bench/baselines/NAME.json. */
  baseline: string | undefined;
  /** Restart cycles of the real-socket recovery section (`--cycles N`). */
  cycles: number;
}

/** `--quick`, `--rounds N`, `--messages N`, `--connections N`, `--only a,b`, `--kinds a,b`, `--out FILE`, `--save-baseline NAME`, `--baseline NAME`, `--cycles N`. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    const eq = argv.find((a) => a.startsWith(`--${name}=`));
    return eq?.slice(name.length + 3);
  };
  const int = (name: string, fallback: number): number => {
    const v = get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new TypeError(`--${name} must be a positive integer (got ${v})`);
    return n;
  };
  const quick = argv.includes('--quick');
  const only = get('only');
  return {
    quick,
    rounds: int('rounds', quick ? 3 : 5),
    messages: int('messages', quick ? 50_000 : 200_000),
    topics: int('topics', 100),
    connections: int('connections', quick ? 200 : 500),
    simClients: int('sim-clients', 1_000),
    only: new Set(
      only
        ? only
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
    ),
    kinds: new Set(
      (get('kinds') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    out: get('out') ?? (quick ? 'bench/RESULTS.quick.md' : 'bench/RESULTS.md'),
    saveBaseline: get('save-baseline'),
    baseline: get('baseline'),
    cycles: int('cycles', quick ? 5 : 20),
  };
}

export function wants(args: BenchArgs, section: string): boolean {
  return args.only.size === 0 || args.only.has(section);
}

/** The forked server process; `close()` ends it (it also exits when this process does). */
export interface BenchServer {
  readonly port: number;
  /** The server process's socket.io server (idle section). */
  readonly ioPort: number;
  readonly url: (path: string) => string;
  /** Average payload bytes of the last frames built, by kind. */
  readonly payloadBytes: { json?: number | undefined; gql?: number | undefined };
  prebuild(topics: number, n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startServer(): Promise<BenchServer> {
  const script = fileURLToPath(new URL('./server.ts', import.meta.url));
  const child: ChildProcess = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const payloadBytes: { json?: number | undefined; gql?: number | undefined } = {};
  let onPrebuilt: (() => void) | undefined;
  let ioPort = 0;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench server did not start within 20 s')), 20_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server exited early (${code})`)));
    child.on('message', (m: { type?: string; port?: number; ioPort?: number; avgPayload?: number }) => {
      if (m.type === 'listening' && typeof m.port === 'number') {
        ioPort = m.ioPort ?? 0;
        clearTimeout(timer);
        resolve(m.port);
      } else if (m.type === 'gql-built') payloadBytes.gql = m.avgPayload;
      else if (m.type === 'prebuilt') {
        payloadBytes.json = m.avgPayload;
        onPrebuilt?.();
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    port,
    ioPort,
    url: (path) => `ws://127.0.0.1:${port}${path}`,
    payloadBytes,
    prebuild: (topics, n) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('prebuild timed out')), 60_000);
        onPrebuilt = () => {
          clearTimeout(timer);
          onPrebuilt = undefined;
          resolve();
        };
        child.send({ type: 'prebuild', topics, n });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ type: 'exit' });
      }),
  };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const min = (xs: readonly number[]): number => (xs.length ? Math.min(...xs) : NaN);
export const max = (xs: readonly number[]): number => (xs.length ? Math.max(...xs) : NaN);

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

export function kb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KB` : 'n/a';
}

export function mb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'n/a';
}

/** A markdown table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export interface MachineInfo {
  date: string;
  nproc: number;
  cpu: string;
  memGb: number;
  node: string;
  load: [number, number, number];
}

export function machine(): MachineInfo {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    nproc: c.length,
    cpu: c[0]?.model ?? 'unknown',
    memGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    load: loadavg().map((x) => Math.round(x * 100) / 100) as [number, number, number],
  };
}

/** Full GC, twice (weak callbacks and finalizers of the first pass are collected by the second). */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with node --expose-gc (npm run bench does)');
  g();
  g();
}

/**
 * GC until heapUsed + external stops shrinking (external memory of freed ArrayBuffers is
 * released by a background sweeper after the GC, so one pass can over-count).
 */
export async function settledHeap(): Promise<number> {
  let last = Infinity;
  let best = Infinity;
  for (let i = 0; i < 12; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 40));
    const now = heapAndExternal();
    best = Math.min(best, now);
    if (Math.abs(now - last) < 16 * 1024 && i >= 2) return best;
    last = now;
  }
  return best;
}

export function heapAndExternal(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Resolve after `ms` (unref'd: never keeps the process alive by itself). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Reject after `ms` with `what` timed out; the timer is cleared when `p` settles. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
