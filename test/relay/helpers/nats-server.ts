import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_INSTALL_HINT =
  'nats-server (2.9+, JetStream) is needed for npm run test:relay: install it with `apt-get install -y nats-server` ' +
  '(Debian/Ubuntu; .ci/run does this) or from https://github.com/nats-io/nats-server/releases, or point NATS_SERVER at the binary';

/** The nats-server binary, or `undefined` when none is installed. */
export function findNatsServer(): string | undefined {
  const env = process.env['NATS_SERVER'];
  if (env) return existsSync(env) ? env : undefined;
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  return existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : undefined;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/**
 * A real nats-server with JetStream on 127.0.0.1, a free port and a temporary store; `restart()`
 * keeps port and store (a server restart as operators do it).
 */
export class NatsServer {
  readonly port: number;
  readonly #dir: string;
  readonly #bin: string;
  #proc: ChildProcess | undefined;

  private constructor(bin: string, port: number, dir: string) {
    this.#bin = bin;
    this.port = port;
    this.#dir = dir;
  }

  static async start(): Promise<NatsServer> {
    const bin = findNatsServer();
    if (!bin) throw new Error(NATS_INSTALL_HINT);
    const s = new NatsServer(bin, await freePort(), mkdtempSync(join(tmpdir(), 'steadystream-nats-')));
    await s.#spawn();
    return s;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async #spawn(): Promise<void> {
    const proc = spawn(this.#bin, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.#dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#proc = proc;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`nats-server not ready within 10 s:\n${log}`)), 10_000);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        proc.stderr?.removeAllListeners('data');
        reject(err);
      };
      proc.once('exit', (code) => fail(new Error(`nats-server exited (${code}):\n${log}`)));
      proc.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (!log.includes('Server is ready')) return;
        clearTimeout(timer);
        proc.removeAllListeners('exit');
        proc.stderr?.removeAllListeners('data');
        proc.stderr?.resume();
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    const proc = this.#proc;
    this.#proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
