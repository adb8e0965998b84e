import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root (tests run from it: `npm test`). */
export const ROOT = resolve(process.cwd());
export const BIN = join(ROOT, 'bin', 'airlock.js');

/** A chosen admin token so tests need not parse the banner. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

/** `airlock up` as a child process, in its own data dir, on a free port. */
export class RunnerProcess {
  child: ChildProcess | undefined;
  output = '';
  port = 0;
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(opts: { dataDir?: string; configPath?: string; extraEnv?: NodeJS.ProcessEnv } = {}) {
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'airlock-e2e-'));
    this.env = {
      ...process.env,
      AIRLOCK_ADMIN_TOKEN: ADMIN_TOKEN,
      AIRLOCK_CLI_CONFIG: join(this.dataDir, 'cli.json'),
      AIRLOCK_DATA_DIR: this.dataDir,
      AIRLOCK_LOG_LEVEL: process.env.AIRLOCK_LOG_LEVEL ?? 'warn',
      ...(opts.configPath ? { AIRLOCK_CONFIG: opts.configPath } : {}),
      ...opts.extraEnv,
    };
    delete this.env.AIRLOCK_TOKEN;
    delete this.env.AIRLOCK_URL;
  }

  get url(): string {
    return `http://localhost:${this.port}`;
  }

  /** Starts the runner and waits until its health check answers. */
  async start(port?: number): Promise<void> {
    this.port = port ?? (this.port || (await freePort()));
    this.output = '';
    this.child = spawn(process.execPath, [BIN, 'up', '--port', String(this.port)], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    const deadline = Date.now() + 30_000;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`airlock up exited with ${this.child.exitCode}:\n${this.output}`);
      try {
        const r = await fetch(`http://127.0.0.1:${this.port}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
        if (r.ok) return;
        last = `HTTP ${r.status}: ${await r.text()}`;
      } catch (err) {
        last = String((err as { cause?: unknown }).cause ?? err);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`airlock up did not answer within 30 s (last: ${last}):\n${this.output}`);
  }

  /** Ctrl-C, and wait for a clean exit. Returns the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  /** Runs the CLI against this runner. */
  cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      env: { ...this.env, AIRLOCK_URL: this.url, AIRLOCK_TOKEN: ADMIN_TOKEN, ...extraEnv },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  cleanup(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Whether a process id is alive. A zombie counts as dead: a workload that outlived the
 * runner that spawned it is reparented to PID 1, which may never reap it.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
