/**
 * The proxy benchmark: the same tiny upstream (HTTP + WebSocket echo) reached
 * directly (the ceiling), through nginx from Debian (1 worker, keep-alive upstream:
 * the peer) and through Airlock's proxy (1 process). The load tool (wrk, or a small
 * `ws` client for WebSockets) runs on one core, nginx or the proxy on the other.
 *
 * Run alone: `node dist/bench/proxy.js` (writes bench/results/proxy.{json,md}).
 * Set PROXY_CPU_PROF=<dir> to write a --cpu-prof profile of the proxy process.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { round, writeResults, type BenchResult } from './result.js';

export type { BenchResult };

/** Seconds per wrk run. */
const WRK_SECONDS = Number(process.env.PROXY_BENCH_SECONDS ?? 5);
/** Interleaved rounds per figure (median taken). */
const ROUNDS = Number(process.env.PROXY_BENCH_ROUNDS ?? 3);
const LOAD_CORE = '0';
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const SERVER_CORE = '1';

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const here = (name: string) => fileURLToPath(new URL(`./${name}${ext}`, import.meta.url));
const nodeArgs = ext === '.ts' ? ['--import', 'tsx'] : [];

/** Installs wrk and nginx-light from Debian if they are missing. */
function ensureTools(): void {
  const missing = ['wrk', 'nginx', 'taskset'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length === 0) return;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args: string[]) => execFileSync(sudo[0] ?? args[0]!, sudo.length ? args : args.slice(1), { stdio: 'inherit' });
  run(['apt-get', 'update', '-q']);
  run(['apt-get', 'install', '-y', '-q', 'wrk', 'nginx-light', 'util-linux']);
}

interface Spawned {
  child: ChildProcess;
  info: Record<string, unknown>;
}

/** Starts a node script (pinned to `core` when given) and waits for its first JSON line. */
function startNode(script: string, args: string[], core?: string, extraNodeArgs: string[] = []): Promise<Spawned> {
  const cmd = core ? 'taskset' : process.execPath;
  const argv = [...(core ? ['-c', core, process.execPath] : []), ...extraNodeArgs, ...nodeArgs, script, ...args];
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        resolve({ child, info: JSON.parse(line) as Record<string, unknown> });
      } catch (err) {
        reject(err);
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** nginx as a reverse proxy: 1 worker, keep-alive to the upstream, WebSocket upgrades passed. */
async function startNginx(upstreamPort: number): Promise<{ port: number; pids(): number[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-nginx-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_max_temp_file_size 0;
      proxy_read_timeout 3600s;
    }
  }
}
${process.getuid?.() === 0 ? 'user root;' : ''}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('taskset', ['-c', SERVER_CORE, 'nginx', '-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  return {
    port,
    // taskset execs nginx, so the child is the master; its workers are its children.
    pids: () => [child.pid!, ...childPids(child.pid!)],
    stop: async () => {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listened on ${port}`);
}

interface WrkFigures {
  rps: number;
  p99ms: number;
  bytesPerSec: number;
  /** Server CPU (user + system) per request, µs: robust to other load on a shared machine. */
  cpuUsPerReq: number;
}

/** Runs wrk pinned to the load core. */
function wrk(url: string, headers: Record<string, string>, connections: number, pids: number[]): WrkFigures {
  const cpu0 = cpuSeconds(pids);
  const args = ['-c', LOAD_CORE, 'wrk', '-t1', `-c${connections}`, `-d${WRK_SECONDS}s`, '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const out = execFileSync('taskset', args, { encoding: 'utf8' });
  const cpu = cpuSeconds(pids) - cpu0;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = p99 ? Number(p99[1]) * (p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1) : NaN;
  const tr = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(out);
  const mult = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as const;
  const bytesPerSec = tr ? Number(tr[1]) * mult[tr[2] as keyof typeof mult] : NaN;
  if (/Non-2xx/.test(out) || /Socket errors/.test(out)) process.stderr.write(`wrk reported errors for ${url}:\n${out}\n`);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  return { rps, p99ms, bytesPerSec, cpuUsPerReq: pids.length ? (cpu / requests) * 1e6 : NaN };
}

async function wsEcho(url: string, headers: Record<string, string>): Promise<number> {
  const { child, info } = await startNode(here('proxy-ws-client'), [JSON.stringify({ mode: 'echo', url, headers, connections: 100, durationMs: WRK_SECONDS * 1000 })], LOAD_CORE);
  await new Promise((r) => child.once('exit', r));
  return Number(info.rate);
}

/** Opens 1,000 idle WebSockets through the target and returns the server process's RSS (bytes) before and with them. */
async function idleRss(url: string, headers: Record<string, string>, pid: number): Promise<{ before: number; after: number }> {
  const before = rssOf(pid);
  const { child, info } = await startNode(here('proxy-ws-client'), [JSON.stringify({ mode: 'idle', url, headers, connections: 1000 })], LOAD_CORE);
  if (info.open !== 1000) throw new Error(`only ${String(info.open)} idle WebSockets opened`);
  await new Promise((r) => setTimeout(r, 1000));
  const after = rssOf(pid);
  child.stdin!.end();
  await new Promise((r) => child.once('exit', r));
  return { before, after };
}

function childPids(pid: number): number[] {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** CPU seconds (user + system, all threads) the processes have used so far. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return ticks / CLK_TCK;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

interface Target {
  name: string;
  base: string;
  headers: Record<string, string>;
  /** The server processes whose CPU time is measured. */
  pids: () => number[];
  /** Skip the WebSocket figure (the minimal baseline does not tunnel upgrades). */
  httpOnly?: boolean;
}

/** Runs the whole comparison and returns the figures (also written to bench/results/proxy.*). */
export async function run(): Promise<BenchResult[]> {
  ensureTools();
  const upstream = await startNode(here('proxy-upstream'), []);
  const upPort = Number(upstream.info.port);
  const nginx = await startNginx(upPort);
  const prof = process.env.PROXY_CPU_PROF;
  const proxy = await startNode(here('proxy-server'), [String(upPort)], SERVER_CORE, prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []);
  const minimal = await startNode(here('proxy-minimal'), [String(upPort)], SERVER_CORE);
  const host = String(proxy.info.host);
  const targets: Target[] = [
    { name: 'direct', base: `127.0.0.1:${upPort}`, headers: {}, pids: () => [] },
    { name: 'nginx', base: `127.0.0.1:${nginx.port}`, headers: { Host: host }, pids: nginx.pids },
    { name: 'airlock', base: `127.0.0.1:${Number(proxy.info.port)}`, headers: { Host: host, Cookie: String(proxy.info.cookie) }, pids: () => [Number(proxy.info.pid)] },
    { name: 'node-minimal', base: `127.0.0.1:${Number(minimal.info.port)}`, headers: { Host: host }, pids: () => [Number(minimal.info.pid)], httpOnly: true },
  ];
  const small = new Map<string, WrkFigures[]>();
  const big = new Map<string, WrkFigures[]>();
  const ws = new Map<string, number[]>();
  const add = <T>(m: Map<string, T[]>, k: string, v: T) => m.set(k, [...(m.get(k) ?? []), v]);
  let rss: { before: number; after: number };
  try {
    // Rounds interleave the three targets, so a burst of load from elsewhere on the
    // machine hurts all of them alike; each figure is the median over the rounds.
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        // A short warm-up so JIT and connection pools are in their steady state.
        wrkWarm(`http://${t.base}/`, t.headers);
        add(small, t.name, wrk(`http://${t.base}/`, t.headers, 50, t.pids()));
        add(big, t.name, wrk(`http://${t.base}/1m`, t.headers, 10, t.pids()));
        if (!t.httpOnly) add(ws, t.name, await wsEcho(`ws://${t.base}/`, t.headers));
      }
    }
    // Idle-socket memory in a fresh proxy process: the figure is what 1,000 open
    // IDE sessions cost, not what a heap grown by the load runs above still holds.
    const fresh = await startNode(here('proxy-server'), [String(upPort)], SERVER_CORE);
    try {
      await new Promise((r) => setTimeout(r, 500));
      rss = await idleRss(`ws://127.0.0.1:${Number(fresh.info.port)}/`, { Host: host, Cookie: String(fresh.info.cookie) }, Number(fresh.info.pid));
    } finally {
      await stop(fresh.child);
    }
    const a = (m: Map<string, WrkFigures[]>, k: keyof WrkFigures, who: string) => median(m.get(who)!.map((f) => f[k]));
    const w = (who: string) => median(ws.get(who)!);
    const results: BenchResult[] = [
      ratio('small GET req/s', a(small, 'rps', 'airlock'), 'req/s', 'nginx', a(small, 'rps', 'nginx'), '>= 0.8x nginx', (r) => r >= 0.8),
      ratio('small GET p99', a(small, 'p99ms', 'airlock'), 'ms', 'nginx', a(small, 'p99ms', 'nginx'), '<= 1.5x nginx', (r) => r <= 1.5),
      ratio('1 MiB download throughput', a(big, 'bytesPerSec', 'airlock') / 1024 ** 2, 'MiB/s', 'nginx', a(big, 'bytesPerSec', 'nginx') / 1024 ** 2, '>= 0.9x nginx', (r) => r >= 0.9),
      ratio('WebSocket echo, 100 connections', w('airlock'), 'msg/s', 'direct', w('direct'), '>= 0.9x direct', (r) => r >= 0.9),
      ratio('WebSocket echo vs nginx', w('airlock'), 'msg/s', 'nginx', w('nginx')),
      {
        name: 'proxy RSS with 1,000 idle WebSockets',
        value: round(rss.after / 1024 ** 2, 1),
        unit: 'MiB',
        baseline: { name: 'proxy RSS before', value: round(rss.before / 1024 ** 2, 1) },
        goal: '< 100 MB',
        pass: rss.after < 100 * 1000 * 1000,
      },
      ratio('proxy CPU per small GET', a(small, 'cpuUsPerReq', 'airlock'), 'µs', 'nginx', a(small, 'cpuUsPerReq', 'nginx')),
      ratio('proxy CPU per 1 MiB download', a(big, 'cpuUsPerReq', 'airlock'), 'µs', 'nginx', a(big, 'cpuUsPerReq', 'nginx')),
      ratio('proxy CPU per small GET vs minimal node:http proxy', a(small, 'cpuUsPerReq', 'airlock'), 'µs', 'node-minimal', a(small, 'cpuUsPerReq', 'node-minimal')),
      ratio('proxy CPU per 1 MiB vs minimal node:http proxy', a(big, 'cpuUsPerReq', 'airlock'), 'µs', 'node-minimal', a(big, 'cpuUsPerReq', 'node-minimal')),
      ratio('small GET req/s vs minimal node:http proxy', a(small, 'rps', 'airlock'), 'req/s', 'node-minimal', a(small, 'rps', 'node-minimal')),
      { name: 'small GET req/s, direct (ceiling)', value: round(a(small, 'rps', 'direct')), unit: 'req/s' },
      { name: 'small GET p99, direct', value: round(a(small, 'p99ms', 'direct'), 2), unit: 'ms' },
      ratio('small GET req/s vs direct', a(small, 'rps', 'airlock'), 'req/s', 'direct', a(small, 'rps', 'direct')),
      ratio('1 MiB download vs direct', a(big, 'bytesPerSec', 'airlock') / 1024 ** 2, 'MiB/s', 'direct', a(big, 'bytesPerSec', 'direct') / 1024 ** 2),
    ];
    return results;
  } finally {
    await stop(proxy.child);
    await stop(minimal.child);
    await nginx.stop();
    await stop(upstream.child);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function wrkWarm(url: string, headers: Record<string, string>): void {
  const args = ['-c', LOAD_CORE, 'wrk', '-t1', '-c50', '-d1s'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  execFileSync('taskset', [...args, url], { stdio: 'ignore' });
}

function ratio(name: string, value: number, unit: string, baseName: string, baseValue: number, goal?: string, meets?: (r: number) => boolean): BenchResult {
  const r = value / baseValue;
  return {
    name,
    value: round(value, 2),
    unit,
    baseline: { name: baseName, value: round(baseValue, 2) },
    ratio: round(r, 2),
    ...(goal ? { goal } : {}),
    ...(meets ? { pass: meets(r) } : {}),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run()
    .then(async (results) => {
      await writeResults('proxy', results, [
        `wrk -t1 pinned to core ${LOAD_CORE}; nginx (1 worker) and the Airlock proxy (1 process) pinned to core ${SERVER_CORE}; upstream unpinned; ${WRK_SECONDS} s per run, ${ROUNDS} interleaved rounds, median.`,
        'Small GET: 50 connections; 1 MiB download: 10 connections; WebSocket: 100 connections, 64-byte messages, one in flight per connection.',
        'CPU per request is the server process\'s user + system time (all threads, from /proc) over the wrk run divided by requests: it holds when other load on the machine steals the server\'s core.',
        '"node-minimal" is a 15-line node:http proxy with no auth or header rules (bench/proxy-minimal.ts): the platform\'s own cost, to separate it from Airlock\'s.',
        'RSS with 1,000 idle WebSockets is measured in a fresh proxy process (VmRSS).',
        'Airlock requests carry a session cookie for an owner-only port (every request is authenticated); nginx does no authentication.',
      ]);
      for (const r of results) console.log(`${r.name}: ${r.value} ${r.unit}${r.ratio !== undefined ? ` (${r.ratio}x ${r.baseline!.name})` : ''}${r.pass === undefined ? '' : r.pass ? ' ok' : ' below goal'}`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}

