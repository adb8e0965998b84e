/**
 * Network check benchmark. A DNS server adds 100 ms to every answer and 18 endpoints
 * listen on private addresses. Measured in the same run:
 * - the concurrent check, against the slowest single endpoint checked alone
 *   (goal: ≤ 1.2×) and against a serial implementation;
 * - the same check with one endpoint blackholed (SYNs vanish), against its timeout
 *   (goal: ≤ timeout + 50 ms).
 *
 * It runs inside a network namespace it creates (so private addresses and a real
 * blackhole exist without touching this machine's network); without namespaces it
 * measures on loopback and leaves out the blackhole figure.
 *
 * `node dist/bench/netcheck.js` writes bench/results/netcheck.json and .md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createServer, type Server } from 'node:net';
import { endpointsFor, type ResolvedEndpoint } from '../src/netcheck/catalog.js';
import { makeResolver, probeEndpoint, runNetcheck } from '../src/netcheck/check.js';
import type { DnsRecord } from '../test/helpers/dns-server.js';
import type { FakeVpcConfig } from '../test/netcheck/fake-vpc.js';
import { Netns, linkVeth, netnsUnavailableReason, nodeArgsFor } from '../test/helpers/netns.js';

import type { BenchResult } from './result.js';
export type { BenchResult };

const DNS_DELAY_MS = 100;
const ENDPOINTS = 18;
const REPEATS = 9;
const BLACKHOLE_TIMEOUT_MS = 1000;
const BLACKHOLED = '10.0.200.9';

/** Runs the benchmark and returns its figures. */
export async function run(): Promise<BenchResult[]> {
  const unavailable = await netnsUnavailableReason();
  if (unavailable) {
    process.stderr.write(`netcheck bench: ${unavailable}; measuring on loopback without the blackhole case\n`);
    return measureOnLoopback();
  }
  return measureInNamespace();
}

/** What the measuring process needs to know (passed to it as JSON). */
interface Setup {
  dnsServer: string;
  port: number;
  /** Region whose second endpoint answers with the blackholed address, if any. */
  blackholeRegion?: string;
}

const REGION = 'eu-west-1';
const BLACKHOLE_REGION = 'eu-west-2';

function benchEndpoints(region: string): ResolvedEndpoint[] {
  return endpointsFor({ region, includeOptional: true })
    .slice(0, ENDPOINTS)
    .map((e) => ({ ...e, required: true }));
}

/** DNS records: every endpoint on its own address; in the blackhole Region, the second one blackholed. */
function zone(addressOf: (i: number) => string, withBlackhole: boolean): Record<string, DnsRecord> {
  const records: Record<string, DnsRecord> = {};
  benchEndpoints(REGION).forEach((e, i) => (records[e.hostname] = { A: [addressOf(i)] }));
  if (withBlackhole) benchEndpoints(BLACKHOLE_REGION).forEach((e, i) => (records[e.hostname] = { A: [i === 1 ? BLACKHOLED : addressOf(i)] }));
  return records;
}

/**
 * The DNS server and the endpoints run in their own process (the fake VPC of the
 * tests), as they would in AWS: sharing the checker's event loop would add its own delay.
 */
async function startFakeVpc(spawnNode: (args: string[]) => ChildProcess, config: FakeVpcConfig): Promise<{ dnsServer: string; child: ChildProcess }> {
  const child = spawnNode([...nodeArgsFor(import.meta.url, '../test/netcheck/fake-vpc.js'), JSON.stringify(config)]);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const dnsServer = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ev = JSON.parse(line) as { event: string; dns?: string };
      if (ev.event === 'ready') resolve(ev.dns!);
    });
    child.once('exit', (code) => reject(new Error(`fake VPC exited (${code}): ${err}`)));
  });
  return { dnsServer, child };
}

/** Creates the namespaces and runs `measure` in a child process inside them. */
async function measureInNamespace(): Promise<BenchResult[]> {
  const host = await Netns.create('ncbench');
  const sink = await Netns.create('ncsink');
  try {
    // Endpoints live on the bench namespace's loopback; the blackholed address is routed
    // over a veth to a namespace that discards it, so the SYN gets no answer at all.
    for (let i = 0; i < ENDPOINTS; i++) await host.ip('addr', 'add', `${privateAddress(i)}/32`, 'dev', 'lo');
    await linkVeth(host, 'bench0', sink, 'sink0');
    await host.ip('addr', 'add', '10.0.2.1/24', 'dev', 'bench0');
    await sink.ip('addr', 'add', '10.0.2.2/24', 'dev', 'sink0');
    await host.ip('route', 'add', `${BLACKHOLED}/32`, 'via', '10.0.2.2');
    await sink.ip('route', 'add', 'blackhole', `${BLACKHOLED}/32`);
    const { dnsServer } = await startFakeVpc((args) => host.spawn(process.execPath, args), {
      dns: { address: '127.0.0.1', port: 0, records: zone(privateAddress, true), delayMs: DNS_DELAY_MS },
      listeners: Array.from({ length: ENDPOINTS }, (_, i) => ({ address: privateAddress(i), port: 443 })),
    });
    const setup: Setup = { dnsServer, port: 443, blackholeRegion: BLACKHOLE_REGION };
    const child = host.spawn(process.execPath, [...nodeArgsFor(import.meta.url, './netcheck.js'), '--measure', JSON.stringify(setup)]);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
    if (code !== 0) throw new Error(`netcheck bench inside the namespace failed (${code}): ${err}`);
    return JSON.parse(out) as BenchResult[];
  } finally {
    await host.destroy();
    await sink.destroy();
  }
}

/** Without namespaces: every endpoint on 127.0.0.1 and a free port, no blackhole. */
async function measureOnLoopback(): Promise<BenchResult[]> {
  const port = await freePort();
  const { dnsServer, child } = await startFakeVpc((args) => spawn(process.execPath, args, { stdio: 'pipe' }), {
    dns: { address: '127.0.0.1', port: 0, records: zone(() => '127.0.0.1', false), delayMs: DNS_DELAY_MS },
    listeners: [{ address: '127.0.0.1', port }],
  });
  try {
    return await measure({ dnsServer, port });
  } finally {
    child.kill();
  }
}

function privateAddress(i: number): string {
  return `10.0.128.${10 + i}`;
}

/** The measurements themselves, in whatever network this process is in. */
async function measure(setup: Setup): Promise<BenchResult[]> {
  const endpoints = benchEndpoints(REGION);
  const base = { region: REGION, resolver: setup.dnsServer, port: setup.port, ownAddresses: ['10.0.1.10'], timeoutMs: 3000 };

  // Warm-up: the first c-ares channel and first connections cost more than the rest.
  await runNetcheck({ ...base, endpoints });

  const concurrent = median(await repeat(async () => (await runNetcheck({ ...base, endpoints })).durationMs));
  const slowestSingle = median(
    await repeat(async () => {
      let slowest = 0;
      for (const e of endpoints) slowest = Math.max(slowest, (await runNetcheck({ ...base, endpoints: [e] })).durationMs);
      return slowest;
    }, 3),
  );
  const serial = median(await repeat(() => serialCheck(endpoints, setup.dnsServer, setup.port), 3));

  const results: BenchResult[] = [
    {
      name: `check of ${ENDPOINTS} endpoints, ${DNS_DELAY_MS} ms DNS, vs the slowest single endpoint`,
      value: round(concurrent),
      unit: 'ms',
      baseline: { name: 'slowest single endpoint checked alone', value: round(slowestSingle) },
      ratio: round(concurrent / slowestSingle, 2),
      goal: '≤ 1.2× the slowest single endpoint',
      pass: concurrent <= 1.2 * slowestSingle,
    },
    {
      name: `check of ${ENDPOINTS} endpoints, ${DNS_DELAY_MS} ms DNS, vs a serial implementation`,
      value: round(concurrent),
      unit: 'ms',
      baseline: { name: 'serial: one endpoint after the other', value: round(serial) },
      ratio: round(concurrent / serial, 3),
    },
  ];

  if (setup.blackholeRegion) {
    let onlyBlackholeFailed = true;
    const withBlackhole = median(
      await repeat(async () => {
        const r = await runNetcheck({ ...base, region: setup.blackholeRegion!, endpoints: benchEndpoints(setup.blackholeRegion!), timeoutMs: BLACKHOLE_TIMEOUT_MS });
        // The figure only counts if exactly the blackholed endpoint failed, by timeout.
        const failed = r.endpoints.filter((e) => e.status === 'failed');
        if (failed.length !== 1 || failed[0]!.reason !== 'timeout') onlyBlackholeFailed = false;
        return r.durationMs;
      }),
    );
    results.push({
      name: `check of ${ENDPOINTS} endpoints with one blackholed, timeout ${BLACKHOLE_TIMEOUT_MS} ms`,
      value: round(withBlackhole),
      unit: 'ms',
      baseline: { name: 'timeout', value: BLACKHOLE_TIMEOUT_MS },
      ratio: round(withBlackhole / BLACKHOLE_TIMEOUT_MS, 3),
      goal: '≤ timeout + 50 ms, only the blackholed endpoint failing',
      pass: onlyBlackholeFailed && withBlackhole <= BLACKHOLE_TIMEOUT_MS + 50,
    });
  }
  return results;
}

/** The obvious implementation: each endpoint resolved and connected in turn. */
async function serialCheck(endpoints: ResolvedEndpoint[], resolverAddress: string, port: number): Promise<number> {
  const started = performance.now();
  const resolver = makeResolver(resolverAddress, 3000);
  for (const e of endpoints) await probeEndpoint(e, resolver, port, AbortSignal.timeout(3000));
  resolver.cancel();
  return performance.now() - started;
}

async function repeat(fn: () => Promise<number>, times = REPEATS): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(await fn());
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function listen(address: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer((sock) => sock.destroy());
    s.once('error', reject);
    s.listen(port, address, () => resolve(s));
  });
}

async function freePort(): Promise<number> {
  const s = await listen('127.0.0.1', 0);
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Markdown table of the figures. */
export function toMarkdown(results: BenchResult[]): string {
  const rows = results.map((r) =>
    `| ${r.name} | ${r.value} ${r.unit} | ${r.baseline ? `${r.baseline.name}: ${r.baseline.value} ${r.unit}` : ''} | ${r.ratio ?? ''} | ${r.goal ?? ''} | ${r.pass === undefined ? '' : r.pass ? 'pass' : 'FAIL'} |`,
  );
  return ['# netcheck benchmark', '', '| figure | value | baseline | ratio | goal | result |', '|---|---|---|---|---|---|', ...rows, ''].join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
const measureAt = process.argv.indexOf('--measure');
if (isMain && measureAt > 0) {
  const results = await measure(JSON.parse(process.argv[measureAt + 1]!) as Setup);
  process.stdout.write(JSON.stringify(results));
} else if (isMain) {
  const results = await run();
  const dir = join(process.cwd(), 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'netcheck.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(dir, 'netcheck.md'), toMarkdown(results));
  process.stdout.write(toMarkdown(results));
  if (results.some((r) => r.pass === false)) process.exitCode = 1;
}
