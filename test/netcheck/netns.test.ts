/**
 * The whole check against a fake VPC built from real network namespaces: a "task"
 * namespace runs `airlock netcheck` and a "vpc" namespace holds the DNS resolver and
 * the endpoints (TCP listeners on private and documentation-range "public" addresses),
 * linked by a veth pair. Nothing is sent outside these two namespaces: the task
 * namespace has no default route and no link to the host.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { endpointsFor } from '../../src/netcheck/catalog.js';
import { netcheckReportSchema, type NetcheckReport } from '../../src/netcheck/report.js';
import type { DnsRecord } from '../helpers/dns-server.js';
import { Netns, linkVeth, netnsUnavailableReason, nodeArgsFor } from '../helpers/netns.js';
import type { FakeVpcConfig } from './fake-vpc.js';

const unavailable = await netnsUnavailableReason();
if (unavailable) process.stderr.write(`skipping network namespace tests: ${unavailable}\n`);

const RESOLVER = '10.0.1.2:53';
const PROXY = { address: '10.0.1.2', port: 3128 };
const BLACKHOLED = '10.0.200.9';
const NO_LISTENER = '10.0.128.99';
const NO_ROUTE_PUBLIC = '203.0.113.30';
const V6_PRIVATE = 'fd12:3456:789a:80::12';

/** Where each default-feature endpoint lives in the fake VPC when all is well. */
const PRIVATE_ANSWERS: Record<string, DnsRecord> = {
  secretsmanager: { A: ['10.0.128.11'] },
  logs: { A: ['10.0.128.12'], AAAA: [V6_PRIVATE] },
  'ecr.api': { A: ['100.64.0.5'] }, // RFC 6598 shared space counts as private
  'ecr.dkr': { A: ['10.0.128.14'] },
  s3: { A: ['198.51.100.20'] }, // gateway endpoints answer publicly by design
  ecs: { A: ['10.0.128.16'] },
  dynamodb: { A: ['198.51.100.21'] },
  elasticfilesystem: { A: ['10.0.128.18'] },
  sts: { A: ['10.0.128.19'] },
  monitoring: { A: ['10.0.128.20'] },
};

/** DNS records for a Region: every endpoint as above, with some overridden. */
function zone(region: string, overrides: Record<string, DnsRecord> = {}, base = PRIVATE_ANSWERS): Record<string, DnsRecord> {
  const out: Record<string, DnsRecord> = {};
  for (const e of endpointsFor({ region })) out[e.hostname] = overrides[e.id] ?? base[e.id]!;
  return out;
}

/** Through "NAT": every interface endpoint answers with a routed public address. */
const PUBLIC_ANSWERS: Record<string, DnsRecord> = Object.fromEntries(
  Object.entries(PRIVATE_ANSWERS).map(([id, r]) => [id, id === 's3' || id === 'dynamodb' ? r : { A: ['198.51.100.22'] }]),
);

const RECORDS: Record<string, DnsRecord> = {
  ...zone('eu-west-1'),
  ...zone('eu-west-2', { secretsmanager: { A: [NO_ROUTE_PUBLIC] } }),
  ...zone('eu-west-3', { logs: { A: [BLACKHOLED] } }),
  ...zone('eu-north-1', { 'ecr.api': { rcode: 'NXDOMAIN' } }),
  ...zone('eu-central-1', { 'ecr.dkr': { A: [NO_LISTENER] } }),
  ...zone('ap-south-1', { sts: { drop: true } }),
  ...zone('us-west-2', {}, PUBLIC_ANSWERS),
  ...zone('cn-north-1', { 'ecr.api': { rcode: 'NXDOMAIN' } }),
};

const LISTEN_ADDRESSES = [
  ...new Set(Object.values(PRIVATE_ANSWERS).flatMap((r) => [...(r.A ?? []), ...(r.AAAA ?? [])])),
  '198.51.100.22',
];

describe('netcheck in network namespaces', { skip: unavailable }, () => {
  let task: Netns;
  let vpc: Netns;
  let fakeVpc: ChildProcess;
  let agent: ChildProcess;
  let jobs = 0;
  const waiting = new Map<number, (r: { code: number; stdout: string }) => void>();
  const connections = new Map<string, number>();

  before(async () => {
    task = await Netns.create('nc-task');
    vpc = await Netns.create('nc-vpc');
    await linkVeth(task, 'task0', vpc, 'vpc0');
    await task.ip('addr', 'add', '10.0.1.10/24', 'dev', 'task0');
    await task.ip('-6', 'addr', 'add', 'fd12:3456:789a:1::10/64', 'dev', 'task0', 'nodad');
    await vpc.ip('addr', 'add', '10.0.1.2/24', 'dev', 'vpc0');
    await vpc.ip('-6', 'addr', 'add', 'fd12:3456:789a:1::2/64', 'dev', 'vpc0', 'nodad');
    for (const a of [...LISTEN_ADDRESSES, NO_LISTENER]) await vpc.ip(...(a.includes(':') ? ['-6'] : []), 'addr', 'add', a.includes(':') ? `${a}/128` : `${a}/32`, 'dev', 'lo');
    // The VPC's local route, the RFC 6598 range and the IPv6 block go to the vpc namespace;
    // 198.51.100.0/24 stands for the internet through a NAT (or the S3/DynamoDB prefix lists).
    // 203.0.113.0/24 has no route at all, like the internet from an isolated subnet.
    await task.ip('route', 'add', '10.0.0.0/8', 'via', '10.0.1.2');
    await task.ip('route', 'add', '100.64.0.0/10', 'via', '10.0.1.2');
    await task.ip('route', 'add', '198.51.100.0/24', 'via', '10.0.1.2');
    await task.ip('-6', 'route', 'add', 'fd12:3456:789a::/48', 'via', 'fd12:3456:789a:1::2');
    // Packets to the blackholed endpoint reach the vpc namespace and vanish: no RST, no ICMP.
    await vpc.ip('route', 'add', 'blackhole', `${BLACKHOLED}/32`);

    const config: FakeVpcConfig = {
      dns: { address: '10.0.1.2', port: 53, records: RECORDS },
      listeners: [...LISTEN_ADDRESSES.map((address) => ({ address, port: 443 })), PROXY],
    };
    fakeVpc = vpc.spawn(process.execPath, [...nodeArgsFor(import.meta.url, './fake-vpc.js'), JSON.stringify(config)]);
    let stderr = '';
    fakeVpc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: fakeVpc.stdout! });
      lines.on('line', (line) => {
        const ev = JSON.parse(line) as { event: string; address?: string; port?: number };
        if (ev.event === 'ready') resolve();
        if (ev.event === 'connection') connections.set(`${ev.address}:${ev.port}`, (connections.get(`${ev.address}:${ev.port}`) ?? 0) + 1);
      });
      fakeVpc.once('exit', (code) => reject(new Error(`fake VPC exited (${code}): ${stderr}`)));
    });

    agent = task.spawn(process.execPath, nodeArgsFor(import.meta.url, './task-agent.js'));
    let agentErr = '';
    agent.stderr!.on('data', (d: Buffer) => (agentErr += d.toString()));
    agent.once('exit', (code) => {
      for (const resolve of waiting.values()) resolve({ code: -1, stdout: `task agent exited (${code}): ${agentErr}` });
    });
    createInterface({ input: agent.stdout! }).on('line', (line) => {
      const r = JSON.parse(line) as { id: number; code: number; stdout: string };
      waiting.get(r.id)?.(r);
      waiting.delete(r.id);
    });
  });

  after(async () => {
    await task?.destroy();
    await vpc?.destroy();
  });

  /** Runs `airlock netcheck --json` in the task namespace (through the agent); returns its exit code and report. */
  async function netcheck(args: string[], env: Record<string, string> = {}): Promise<{ code: number; report: NetcheckReport }> {
    const id = ++jobs;
    const answer = new Promise<{ code: number; stdout: string }>((resolve) => waiting.set(id, resolve));
    agent.stdin!.write(`${JSON.stringify({ id, args: ['--resolver', RESOLVER, '--json', ...args], env })}\n`);
    const { code, stdout } = await answer;
    assert.ok(stdout.trim().startsWith('{'), `netcheck printed no JSON (exit ${code}): ${stdout}`);
    return { code, report: netcheckReportSchema.parse(JSON.parse(stdout)) };
  }

  /** Runs the real `airlock` CLI as its own process in the task namespace. */
  async function cliProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = task.spawn(process.execPath, [...nodeArgsFor(import.meta.url, './cli-child.js'), 'netcheck', '--resolver', RESOLVER, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
    return { code, stdout, stderr };
  }

  /** The connection counts once no new connection has been reported for 60 ms (earlier checks' reports lag). */
  async function settledConnections(): Promise<Map<string, number>> {
    let last = '';
    for (let i = 0; i < 50; i++) {
      const now = JSON.stringify([...connections]);
      if (now === last) break;
      last = now;
      await new Promise((r) => setTimeout(r, 60));
    }
    return new Map(connections);
  }

  /** New connections per address since `before`, once the fake VPC's reports have caught up. */
  async function connectionsSince(before: Map<string, number>, expectAtLeast: number): Promise<(key: string) => number> {
    const delta = (k: string) => (connections.get(k) ?? 0) - (before.get(k) ?? 0);
    const total = () => [...connections.keys()].reduce((n, k) => n + delta(k), 0);
    for (let i = 0; i < 100 && total() < expectAtLeast; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    return delta;
  }

  const byId = (r: NetcheckReport, id: string) => {
    const e = r.endpoints.find((x) => x.id === id);
    assert.ok(e, `no result for ${id}`);
    return e;
  };

  test('every endpoint through VPC endpoints: ready, exit 0', async () => {
    const before = await settledConnections();
    const { code, report } = await netcheck(['--region', 'eu-west-1']);
    assert.equal(report.status, 'ready');
    assert.equal(code, 0);
    assert.equal(report.endpoints.length, 10);
    assert.deepEqual(report.task.addresses.sort(), ['10.0.1.10', 'fd12:3456:789a:1::10']);
    assert.equal(report.task.hasPublicIp, false);
    for (const e of report.endpoints) {
      assert.equal(e.status, 'ok', `${e.id}: ${e.detail}`);
      assert.equal(e.access, e.kind === 'gateway' ? 'gateway_endpoint_or_nat' : 'vpc_endpoint', e.id);
      assert.ok(e.dnsMs !== null && e.connectMs !== null);
    }
    assert.match(byId(report, 's3').note ?? '', /route table/);
    assert.match(byId(report, 's3').note ?? '', /com\.amazonaws\.eu-west-1\.s3/);
    // logs has an IPv4 and a unique-local IPv6 answer: both were connected to.
    assert.deepEqual(byId(report, 'logs').addresses.map((a) => [a.address, a.scope, a.outcome]), [
      ['10.0.128.12', 'private', 'connected'],
      [V6_PRIVATE, 'private', 'connected'],
    ]);
    assert.equal(byId(report, 'ecr.api').addresses[0]!.scope, 'private');
    // The listeners really saw the connections.
    const used = LISTEN_ADDRESSES.filter((x) => x !== '198.51.100.22');
    const delta = await connectionsSince(before, used.length);
    for (const a of used) assert.equal(delta(`${a}:443`), 1, `one connection to ${a}`);
  });

  test('an interface endpoint without private DNS (public answer, no route): degraded with the private DNS hint', async () => {
    const { code, report } = await netcheck(['--region', 'eu-west-2']);
    assert.equal(report.status, 'degraded');
    assert.equal(code, 1);
    const sm = byId(report, 'secretsmanager');
    assert.equal(sm.status, 'failed');
    assert.equal(sm.access, 'unreachable');
    assert.equal(sm.reason, 'no_route');
    assert.deepEqual(sm.addresses.map((a) => [a.address, a.scope]), [[NO_ROUTE_PUBLIC, 'public']]);
    assert.match(sm.fix ?? '', /^Enable private DNS on the interface endpoint com\.amazonaws\.eu-west-2\.secretsmanager/);
    assert.equal(report.summary.failedRequired, 1);
    assert.equal(report.endpoints.filter((e) => e.status === 'ok').length, 9);
  });

  test('a blackholed endpoint: degraded within the timeout, the others unaffected', async () => {
    const timeoutMs = 1200;
    const { report } = await netcheck(['--region', 'eu-west-3', '--timeout', String(timeoutMs)]);
    assert.equal(report.status, 'degraded');
    const logs = byId(report, 'logs');
    assert.equal(logs.reason, 'timeout');
    assert.match(logs.fix ?? '', /Allow inbound 443 on the security group of the endpoint com\.amazonaws\.eu-west-3\.logs from the task's security group/);
    assert.ok(report.durationMs >= timeoutMs - 5, `waited for the deadline (${report.durationMs} ms)`);
    assert.ok(report.durationMs < timeoutMs + 300, `bounded by the timeout (${report.durationMs} ms)`);
    for (const e of report.endpoints.filter((x) => x.id !== 'logs')) {
      assert.equal(e.status, 'ok', e.id);
      // Their own timings show they did not wait for the blackholed one.
      assert.ok((e.dnsMs ?? 0) + (e.connectMs ?? 0) < timeoutMs / 2, `${e.id} took ${e.dnsMs} + ${e.connectMs} ms`);
    }
  });

  test('NXDOMAIN: degraded with the create-the-endpoint hint', async () => {
    const { report } = await netcheck(['--region', 'eu-north-1']);
    const api = byId(report, 'ecr.api');
    assert.equal(report.status, 'degraded');
    assert.equal(api.reason, 'nxdomain');
    assert.equal(api.dnsMs !== null, true);
    assert.match(api.fix ?? '', /^Create the interface endpoint com\.amazonaws\.eu-north-1\.ecr\.api with private DNS/);
  });

  test('an address that refuses 443: reason refused', async () => {
    const { report } = await netcheck(['--region', 'eu-central-1']);
    const dkr = byId(report, 'ecr.dkr');
    assert.equal(dkr.reason, 'refused');
    assert.match(dkr.fix ?? '', /10\.0\.128\.99 is not the endpoint/);
  });

  test('DNS never answers: dns_timeout with the VPC DNS hint', async () => {
    const { report } = await netcheck(['--region', 'ap-south-1', '--timeout', '900']);
    const sts = byId(report, 'sts');
    assert.equal(sts.reason, 'dns_timeout');
    assert.equal(sts.dnsMs, null);
    assert.match(sts.fix ?? '', /enableDnsSupport/);
    assert.ok(report.durationMs < 900 + 300);
  });

  test('public answers in nat mode: nat_gateway (no public IP), ready', async () => {
    const { code, report } = await netcheck(['--region', 'us-west-2', '--mode', 'nat']);
    assert.equal(report.status, 'ready');
    assert.equal(code, 0);
    assert.equal(byId(report, 'secretsmanager').access, 'nat_gateway');
    assert.equal(byId(report, 'dynamodb').access, 'gateway_endpoint_or_nat');
    assert.equal(byId(report, 'logs').note, undefined);
  });

  test('the same public answers in isolated mode: reachable, with a note that the endpoint is bypassed', async () => {
    const { report } = await netcheck(['--region', 'us-west-2']);
    assert.equal(report.status, 'ready');
    assert.match(byId(report, 'logs').note ?? '', /mode isolated expects the interface endpoint com\.amazonaws\.us-west-2\.logs/);
  });

  test('aws-cn: amazonaws.com.cn host names and cn.com.amazonaws endpoint services', async () => {
    const { report } = await netcheck(['--region', 'cn-north-1']);
    assert.equal(report.partition, 'aws-cn');
    for (const e of report.endpoints) assert.match(e.hostname, /\.cn-north-1\.amazonaws\.com\.cn$/);
    const api = byId(report, 'ecr.api');
    assert.equal(api.reason, 'nxdomain');
    assert.match(api.fix ?? '', /^Create the interface endpoint cn\.com\.amazonaws\.cn-north-1\.ecr\.api /);
    assert.equal(report.endpoints.filter((e) => e.status === 'ok').length, 9);
  });

  test('HTTPS_PROXY and HTTP_PROXY set: still direct connections, the proxy sees nothing', async () => {
    const proxyUrl = `http://${PROXY.address}:${PROXY.port}`;
    const before = await settledConnections();
    const { report } = await netcheck(['--region', 'eu-west-1'], {
      HTTPS_PROXY: proxyUrl,
      HTTP_PROXY: proxyUrl,
      https_proxy: proxyUrl,
      http_proxy: proxyUrl,
      NO_PROXY: '',
      no_proxy: '',
    });
    assert.equal(report.status, 'ready');
    const delta = await connectionsSince(before, 11);
    assert.equal(delta(`${PROXY.address}:${PROXY.port}`), 0);
    assert.equal(delta('10.0.128.11:443'), 1);
    assert.equal(delta(`${V6_PRIVATE}:443`), 1);
  });

  test('the CLI process prints a table naming the failing endpoint, its fix and the verdict, and exits 1', async () => {
    const { code, stdout, stderr } = await cliProcess(['--region', 'eu-west-2']);
    assert.equal(code, 1, stderr);
    assert.match(stdout, /^ENDPOINT\s+HOST\s+ACCESS\s+LATENCY\s+STATUS$/m);
    assert.match(stdout, /^secretsmanager\s+secretsmanager\.eu-west-2\.amazonaws\.com\s+unreachable\s+dns \d+ ms\s+FAIL: no route to the address$/m);
    assert.match(stdout, /^logs\s+logs\.eu-west-2\.amazonaws\.com\s+vpc_endpoint\s+\d+ ms\s+ok$/m);
    assert.match(stdout, /Fixes:\n {2}secretsmanager: Enable private DNS/);
    assert.match(stdout, /DEGRADED: 9\/10 endpoints reachable, 1 required failing/);
  });
});
