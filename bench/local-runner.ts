/**
 * The local runner's own figures: create→running for the demo environment, API
 * latency under 50 concurrent clients with 1,000 environments stored, and CLI cold
 * start. Each is set against a baseline measured in the same run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRunner, type Runner } from '../src/orchestrator/runner.js';
import { parseConfig } from '../src/core/config.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { issueToken } from '../src/auth/tokens.js';
import { demoServerCommand } from '../src/workspaces/demo/command.js';
import { templateSchema } from '../src/core/template.js';
import { percentile, round, writeResults, type BenchResult } from './result.js';
import { tuneHeapForServer } from '../src/cli/server-heap.js';

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

/** `taskset` when the machine has it and two cores or more: the load generator and the runner then never share a core. */
const PIN = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

interface LoadPlan {
  base: string;
  paths: string[];
  tokens: string[];
  concurrency: number;
  durationMs: number;
}

interface LoadFigures {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

const HAVE_WRK = spawnSync('wrk', ['--version']).error === undefined;

/** Drives the API with wrk (C, its own core) when it is installed, else with the Node load client. */
async function load(plan: LoadPlan): Promise<LoadFigures> {
  return HAVE_WRK ? wrkLoad(plan) : nodeLoad(plan);
}

/** wrk with a Lua script: request n goes to user n mod 50, who reads their own list or environments. */
async function wrkLoad(plan: LoadPlan): Promise<LoadFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-wrk-'));
  const script = join(dir, 'plan.lua');
  const lua = (xs: string[]) => `{ ${xs.map((x) => JSON.stringify(x)).join(', ')} }`;
  writeFileSync(script, `
local tokens = ${lua(plan.tokens)}
local paths = ${lua(plan.paths)}
local n = 0
request = function()
  n = n + 1
  local i = n % #tokens
  local path = string.gsub(paths[(math.floor(n / #tokens) % #paths) + 1], "{i}", tostring(i))
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[i + 1] })
end
`);
  const args = ['-t1', `-c${plan.concurrency}`, `-d${Math.round(plan.durationMs / 1000)}s`, '--latency', '-s', script, plan.base];
  const r = PIN ? await runChild('taskset', ['-c', '0', 'wrk', ...args]) : await runChild('wrk', args);
  rmSync(dir, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)`, 'm').exec(r.stdout);
    if (!m) throw new Error(`no ${label} in wrk output:\n${r.stdout}`);
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? 0);
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
  return { requests, errors, rps, p50: ms('50%'), p99: ms('99%') };
}

async function nodeLoad(plan: LoadPlan): Promise<LoadFigures> {
  const r = PIN
    ? await runChild('taskset', ['-c', '0', process.execPath, LOAD_CLIENT, JSON.stringify(plan)])
    : await runChild(process.execPath, [LOAD_CLIENT, JSON.stringify(plan)]);
  if (r.code !== 0) throw new Error(`load client failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function apiUnderLoad(): Promise<BenchResult[]> {
  // As `airlock up` does (this process hosts the runner under test).
  tuneHeapForServer();
  // The runner lives in this process: give it core 1, and the load generator core 0.
  if (PIN && process.env.BENCH_PIN_RUNNER !== '0') spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
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
    const healthPaths = ['/api/v1/health'];
    // Client i is user-i: it lists its environments and reads them one by one.
    const mixedPaths = ['/api/v1/environments', '/api/v1/environments/u{i}-env-3', '/api/v1/environments/u{i}-env-7', '/api/v1/environments/u{i}-env-11'];
    // A short run first, so lazily compiled code and cold statements are not in the figures.
    await load({ ...plan, paths: [...healthPaths, ...mixedPaths], durationMs: 2000 });
    const health = await load({ ...plan, paths: healthPaths });
    const mixed = await load({ ...plan, paths: mixedPaths });
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
