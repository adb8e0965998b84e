/**
 * The local runner's own figures: create→running for the demo environment, API
 * latency under 50 concurrent clients with 1,000 environments stored, and CLI cold
 * start. Each is set against a baseline measured in the same run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRunner, type Runner } from '../src/orchestrator/runner.js';
import { parseConfig } from '../src/core/config.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { issueToken } from '../src/auth/tokens.js';
import { demoServerCommand } from '../src/workspaces/demo/command.js';
import { templateSchema } from '../src/core/template.js';
import { percentile, round, writeResults, type BenchResult } from './result.js';

const ADMIN = 'bench-admin-token-0123456789';
const BIN = join(process.cwd(), 'bin', 'airlock.js');
const LOAD_CLIENT = fileURLToPath(new URL('./load-client.js', import.meta.url));

async function withRunner<T>(fn: (runner: Runner, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
  const config = parseConfig({ port: 0, reconcileInterval: 60 });
  const runner = await startRunner({ config, dataDir: dir, logger: silentLogger(), adminToken: ADMIN });
  try {
    return await fn(runner, dir);
  } finally {
    await runner.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function api<T>(runner: Runner, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${runner.port}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Spawn the demo workspace directly and time until its port answers: the floor for create→running. */
async function bareDemoStart(): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'airlock-bench-home-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const [cmd, ...args] = demoServerCommand();
  const t0 = performance.now();
  const child = spawn(cmd!, args, { env: { ...process.env, PORT: String(port), HOME: home }, stdio: 'ignore' });
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); done(true); });
      s.on('error', () => done(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
  return ms;
}

async function createToRunning(runs = 20): Promise<BenchResult[]> {
  return withRunner(async (runner) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const name = `bench-${i}`;
      const t0 = performance.now();
      const ready = new Promise<void>((done) => {
        const off = runner.orchestrator.changes.subscribe((c) => {
          if (c.name === name && (c.env?.state === 'running' || c.env?.state === 'failed')) {
            off();
            done();
          }
        });
      });
      await api(runner, 'POST', '/environments', { name, template: 'demo' });
      await ready;
      times.push(performance.now() - t0);
      await api(runner, 'DELETE', `/environments/${name}`);
      await runner.orchestrator.settle();
    }
    const bare: number[] = [];
    for (let i = 0; i < 10; i++) bare.push(await bareDemoStart());
    const median = percentile(times, 50);
    const bareMedian = percentile(bare, 50);
    return [
      { name: 'create→running, median (20 runs)', value: round(median, 1), unit: 'ms', baseline: { name: 'bare process spawn→listening', value: round(bareMedian, 1) }, ratio: round(median / bareMedian), goal: '< 500 ms', pass: median < 500 },
      { name: 'create→running, p95', value: round(percentile(times, 95), 1), unit: 'ms', goal: '< 500 ms', pass: percentile(times, 95) < 500 },
    ];
  });
}

/** Runs a child process to completion without blocking this event loop (the runner under test lives in it). */
function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function load(plan: object): Promise<{ requests: number; errors: number; rps: number; p50: number; p99: number }> {
  const r = await runChild(process.execPath, [LOAD_CLIENT, JSON.stringify(plan)]);
  if (r.code !== 0) throw new Error(`load client failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function apiUnderLoad(): Promise<BenchResult[]> {
  return withRunner(async (runner) => {
    // 1,000 environments owned by 50 users (20 each), stored directly: this measures the API, not process start-up.
    const spec = templateSchema.parse({ name: 'demo', command: ['true'], ports: [{ port: 8080 }] });
    const tokens: string[] = [];
    for (let u = 0; u < 50; u++) {
      const user = `user-${u}`;
      await runner.store.createUser({ name: user, role: 'member', createdAt: new Date().toISOString() });
      tokens.push((await issueToken(runner.store, user)).secret);
      for (let e = 0; e < 20; e++) {
        await runner.store.createEnvironment({ id: `env_${u}_${e}`, name: `u${u}-env-${e}`, owner: user, template: 'demo', spec, state: 'stopped', generation: 1 });
      }
    }
    const base = `http://127.0.0.1:${runner.port}`;
    const plan = { base, tokens, concurrency: 50, durationMs: 5000 };
    const health = await load({ ...plan, paths: ['/api/v1/health'] });
    // Client i is user-i: it lists its environments and reads them one by one.
    const mixed = await load({ ...plan, paths: ['/api/v1/environments', '/api/v1/environments/u{i}-env-3', '/api/v1/environments/u{i}-env-7', '/api/v1/environments/u{i}-env-11'] });
    if (mixed.errors > 0) throw new Error(`${mixed.errors} requests failed`);
    return [
      { name: 'API list+read, 50 clients, 1,000 envs: throughput', value: Math.round(mixed.rps), unit: 'req/s', baseline: { name: 'GET /health (no store, no auth)', value: Math.round(health.rps) }, ratio: round(mixed.rps / health.rps) },
      { name: 'API list+read, 50 clients, 1,000 envs: p99', value: round(mixed.p99, 2), unit: 'ms', baseline: { name: 'GET /health p99', value: round(health.p99, 2) }, ratio: round(mixed.p99 / health.p99), goal: '< 10 ms', pass: mixed.p99 < 10 },
    ];
  });
}

async function medianWall(cmd: string[], env: NodeJS.ProcessEnv, runs = 15): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await runChild(cmd[0]!, cmd.slice(1), env);
    if (r.code !== 0) throw new Error(`${cmd.join(' ')} exited ${r.code}: ${r.stderr}`);
    times.push(performance.now() - t0);
  }
  return percentile(times, 50);
}

async function cliColdStart(): Promise<BenchResult[]> {
  return withRunner(async (runner) => {
    const env = { ...process.env, AIRLOCK_URL: `http://127.0.0.1:${runner.port}`, AIRLOCK_TOKEN: ADMIN };
    const node = await medianWall([process.execPath, '-e', '0'], env);
    const version = await medianWall([process.execPath, BIN, '--version'], env);
    const list = await medianWall([process.execPath, BIN, 'env', 'list'], env);
    return [
      { name: 'CLI `airlock --version`', value: round(version, 1), unit: 'ms', baseline: { name: 'node -e 0', value: round(node, 1) }, ratio: round(version / node), goal: '< 3× node', pass: version / node < 3 },
      { name: 'CLI `airlock env list`', value: round(list, 1), unit: 'ms', baseline: { name: 'node -e 0', value: round(node, 1) }, ratio: round(list / node), goal: '< 3× node', pass: list / node < 3 },
    ];
  });
}

/** Runs every local-runner figure. */
export async function run(): Promise<BenchResult[]> {
  return [...(await createToRunning()), ...(await apiUnderLoad()), ...(await cliColdStart())];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  await writeResults('local-runner', results);
  console.table(results.map((r) => ({ figure: r.name, value: `${r.value} ${r.unit}`, ratio: r.ratio ?? '', pass: r.pass ?? '' })));
}
