import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/relay-process.ts', import.meta.url));

/** A relay process; `lines` are its JSON reports. */
export class RelayProcess {
  readonly lines: Record<string, unknown>[] = [];
  readonly #proc: ChildProcess;
  readonly exited: Promise<void>;

  private constructor(proc: ChildProcess) {
    this.#proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      try {
        this.lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        /* not a report */
      }
    });
  }

  static async start(args: object): Promise<RelayProcess> {
    const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const p = new RelayProcess(proc);
    const deadline = Date.now() + 20_000;
    while (!p.lines.some((l) => l['ready'])) {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error('relay process did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    return p;
  }

  get leading(): boolean {
    const roles = this.lines.filter((l) => l['role'] !== undefined);
    return roles.at(-1)?.['role'] === 'leader';
  }

  /** No clean close: the OS drops its sockets, the lease is left to age out. */
  async kill(): Promise<void> {
    if (this.#proc.exitCode === null) this.#proc.kill('SIGKILL');
    await this.exited;
  }
}
