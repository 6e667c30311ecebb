/**
 * Command-line options of the soak lane. Every option is bounded, so a typo cannot start a
 * run that never ends; `--quick` is a preset that finishes in well under a minute.
 */
import { parseArgs } from 'node:util';

export interface SoakOptions {
  /** start/stop cycles of one long-lived client. @default 10_000 */
  cycles: number;
  /** fresh clients taken through new -> start -> subscribe -> view -> close. @default cycles / 10 */
  lifecycles: number;
  /** reconnect cycles under fault injection (drop, refuse, reset). @default 1_000 */
  reconnects: number;
  /** messages published through subscriptions and views. @default 10_000_000 */
  messages: number;
  /** subscriptions of the message-phase client (one topic each). @default 100 */
  subscriptions: number;
  /** views of the message-phase client, with precision rules. @default 20 */
  views: number;
  /** heap checkpoints per phase (after a warm-up checkpoint). @default 10 */
  checkpoints: number;
  /** overall bound; a phase that runs out of time stops early and is reported as cut. @default 1_200 */
  maxSeconds: number;
  /** where the markdown summary goes. @default bench/SOAK.md */
  out: string;
  /** record a heap-snapshot constructor diff of a phase that fails its slope check. @default false */
  snapshots: boolean;
  /**
   * Self-test of the detector: retain this many bytes per unit of work (cycle, client,
   * reconnect, message) on purpose; the run must then FAIL. @default 0
   */
  injectLeak: number;
  /** which phases to run. @default all */
  only: readonly PhaseName[];
  quick: boolean;
}

export const PHASES = ['cycles', 'lifecycles', 'reconnects', 'messages', 'collectable'] as const;
export type PhaseName = (typeof PHASES)[number];

/** The numbers. */
export const DEFAULT_OPTIONS = {
  cycles: 10_000,
  reconnects: 1_000,
  messages: 10_000_000,
  subscriptions: 100,
  views: 20,
  checkpoints: 10,
  maxSeconds: 1_200,
} as const;

/** `--quick`: every phase, small enough to finish in < 60 s on a loaded 2-core box. */
export const QUICK_PRESET = {
  cycles: 3_000,
  lifecycles: 800,
  reconnects: 600,
  messages: 1_000_000,
  maxSeconds: 55,
} as const;

/** Upper bounds: the lane is bounded even when asked for more. */
const LIMITS = {
  cycles: 1_000_000,
  lifecycles: 100_000,
  reconnects: 100_000,
  messages: 1_000_000_000,
  subscriptions: 10_000,
  views: 1_000,
  checkpoints: 100,
  maxSeconds: 24 * 3600,
  injectLeak: 1_000_000,
} as const;

function int(name: keyof typeof LIMITS, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < min || value > LIMITS[name]) {
    throw new RangeError(`--${name} must be an integer in [${min}, ${LIMITS[name]}] (got ${raw})`);
  }
  return value;
}

export const USAGE = `usage: npm run soak -- [--quick] [--cycles N] [--lifecycles N] [--reconnects N] [--messages N]
                        [--subscriptions N] [--views N] [--checkpoints N] [--max-seconds S]
                        [--only cycles,lifecycles,reconnects,messages,collectable] [--snapshots] [--out FILE]
                        [--inject-leak BYTES_PER_UNIT]   (self-test: the run must then fail)`;

export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean', default: false },
      cycles: { type: 'string' },
      lifecycles: { type: 'string' },
      reconnects: { type: 'string' },
      messages: { type: 'string' },
      subscriptions: { type: 'string' },
      views: { type: 'string' },
      checkpoints: { type: 'string' },
      'max-seconds': { type: 'string' },
      only: { type: 'string' },
      snapshots: { type: 'boolean', default: false },
      'inject-leak': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const base = quick ? { ...DEFAULT_OPTIONS, ...QUICK_PRESET } : DEFAULT_OPTIONS;
  const cycles = int('cycles', values.cycles, base.cycles, 0);
  const lifecyclesDefault = quick ? QUICK_PRESET.lifecycles : Math.ceil(cycles / 10);
  const only = values.only === undefined ? PHASES : values.only.split(',').map((p) => p.trim());
  for (const p of only) {
    if (!(PHASES as readonly string[]).includes(p)) throw new RangeError(`--only: unknown phase '${p}' (one of ${PHASES.join(', ')})`);
  }
  return {
    cycles,
    lifecycles: int('lifecycles', values.lifecycles, lifecyclesDefault, 0),
    reconnects: int('reconnects', values.reconnects, base.reconnects, 0),
    messages: int('messages', values.messages, base.messages, 0),
    subscriptions: int('subscriptions', values.subscriptions, base.subscriptions, 1),
    views: int('views', values.views, base.views, 0),
    checkpoints: int('checkpoints', values.checkpoints, base.checkpoints, 3),
    maxSeconds: int('maxSeconds', values['max-seconds'], base.maxSeconds, 1),
    out: values.out ?? 'bench/SOAK.md',
    snapshots: values.snapshots ?? false,
    injectLeak: int('injectLeak', values['inject-leak'], 0, 0),
    only: only as PhaseName[],
    quick,
  };
}
