/**
 * runNetcheck in this process, on loopback only: a real DNS server on 127.0.0.1 and a
 * real TCP listener on 127.0.0.1/::1 (loopback answers are classified `local`).
 * The namespace tests cover private and public addresses.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { createServer, type Server, type AddressInfo } from 'node:net';
import { endpointsFor } from '../../src/netcheck/catalog.js';
import { runNetcheck } from '../../src/netcheck/check.js';
import { netcheckReportSchema, type NetcheckReport } from '../../src/netcheck/report.js';
import { ValidationError } from '../../src/core/errors.js';
import { startDnsServer, type DnsRecord, type FakeDnsServer } from '../helpers/dns-server.js';

let dns: FakeDnsServer;
let listener: Server;
let port: number;
let accepted = 0;

before(async () => {
  dns = await startDnsServer();
  listener = createServer((s) => {
    accepted += 1;
    s.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
});

after(async () => {
  await dns.close();
  await new Promise((resolve) => listener.close(resolve));
});

/** Answers every default endpoint of `region` on loopback, with some overridden. */
function zone(region: string, overrides: Record<string, DnsRecord> = {}): void {
  for (const e of endpointsFor({ region })) dns.set(e.hostname, overrides[e.id] ?? { A: ['127.0.0.1'] });
}

/** Connections the listener accepted since `before`, once they stop arriving (accepts lag the client's connect). */
async function acceptedSince(before: number, expected: number): Promise<number> {
  for (let i = 0; i < 100 && accepted - before < expected; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 30));
  return accepted - before;
}

const byId = (r: NetcheckReport, id: string) => r.endpoints.find((e) => e.id === id)!;
const check = (region: string, extra: Partial<Parameters<typeof runNetcheck>[0]> = {}) =>
  runNetcheck({ region, resolver: dns.server, port, ownAddresses: ['10.0.1.10'], timeoutMs: 2000, ...extra });

test('loopback answers are reachable as `local`, and the report matches its schema', async () => {
  zone('eu-west-1');
  const before = accepted;
  const report = await check('eu-west-1');
  netcheckReportSchema.parse(report);
  assert.equal(report.status, 'ready');
  assert.equal(report.endpoints.length, 10);
  assert.ok(report.endpoints.every((e) => e.status === 'ok' && e.access === 'local'));
  assert.equal(await acceptedSince(before, 10), 10);
  assert.deepEqual(report.resolvers, [dns.server]);
  assert.deepEqual(report.task, { addresses: ['10.0.1.10'], hasPublicIp: false, source: 'given' });
});

test('all endpoints are checked concurrently: ten 300 ms DNS answers take about 300 ms, not 3 s', async () => {
  zone('eu-west-2', Object.fromEntries(endpointsFor({ region: 'eu-west-2' }).map((e) => [e.id, { A: ['127.0.0.1'], delayMs: 300 }])));
  const report = await check('eu-west-2');
  assert.equal(report.status, 'ready');
  assert.ok(report.durationMs < 1500, `took ${report.durationMs} ms`);
  for (const e of report.endpoints) assert.ok((e.dnsMs ?? 0) >= 290, `${e.id} dns ${e.dnsMs}`);
});

test('NXDOMAIN, no records, DNS refused and SERVFAIL each get their own reason', async () => {
  zone('eu-west-3', {
    secretsmanager: { rcode: 'NXDOMAIN' },
    logs: {},
    'ecr.api': { rcode: 'REFUSED' },
    'ecr.dkr': { rcode: 'SERVFAIL' },
  });
  const report = await check('eu-west-3');
  assert.equal(report.status, 'degraded');
  assert.equal(byId(report, 'secretsmanager').reason, 'nxdomain');
  assert.equal(byId(report, 'logs').reason, 'no_answer');
  assert.equal(byId(report, 'ecr.api').reason, 'dns_refused');
  assert.ok(['dns_error', 'dns_timeout'].includes(byId(report, 'ecr.dkr').reason!), byId(report, 'ecr.dkr').reason);
  assert.equal(report.summary.failedRequired, 4);
  assert.equal(report.summary.reachable, 6);
});

test('an AAAA-only answer is used, and a dropped AAAA question does not hold up a good A answer', async () => {
  zone('eu-north-1', { logs: { AAAA: ['::1'] }, secretsmanager: { A: ['127.0.0.1'], drop: 'AAAA' } });
  const report = await check('eu-north-1', { timeoutMs: 3000 });
  const logs = byId(report, 'logs');
  assert.deepEqual(logs.addresses.map((a) => [a.address, a.family]), [['::1', 6]]);
  // ::1 has no listener on this port: refused, reported per address.
  assert.equal(logs.reason, 'refused');
  const sm = byId(report, 'secretsmanager');
  assert.equal(sm.status, 'ok');
  assert.ok((sm.dnsMs ?? Infinity) < 1000, `waited ${sm.dnsMs} ms for the missing AAAA answer`);
  assert.ok(report.durationMs < 1500);
});

test('a DNS firewall sinkhole answer (0.0.0.0) is never connected to', async () => {
  zone('eu-south-1', { s3: { A: ['0.0.0.0'] } });
  const before = accepted;
  const report = await check('eu-south-1');
  const s3 = byId(report, 's3');
  assert.equal(s3.reason, 'dns_sinkhole');
  assert.match(s3.fix ?? '', /DNS Firewall/);
  assert.equal(await acceptedSince(before, 9), 9);
});

test('a name whose DNS never answers fails at the deadline, and only that one', async () => {
  zone('eu-south-2', { sts: { drop: true } });
  const report = await check('eu-south-2', { timeoutMs: 600 });
  assert.equal(byId(report, 'sts').reason, 'dns_timeout');
  assert.ok(report.durationMs >= 590 && report.durationMs < 1000, `took ${report.durationMs} ms`);
  assert.equal(report.summary.reachable, 9);
});

test('a Resolver instance is accepted and its servers are used', async () => {
  zone('eu-central-2');
  const r = new Resolver();
  r.setServers([dns.server]);
  const report = await runNetcheck({ region: 'eu-central-2', resolver: r, port, ownAddresses: [], timeoutMs: 2000 });
  assert.equal(report.status, 'ready');
});

test('optional endpoints do not make the report degraded', async () => {
  zone('ca-central-1');
  const report = await check('ca-central-1', { includeOptional: true });
  assert.equal(report.status, 'ready');
  const ssm = byId(report, 'ssm');
  assert.equal(ssm.required, false);
  assert.equal(ssm.reason, 'nxdomain');
  assert.equal(report.summary.failedOptional, 10);
});

test('an outer AbortSignal ends the check early', async () => {
  zone('sa-east-1', { logs: { drop: true } });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const report = await check('sa-east-1', { timeoutMs: 10_000, signal: ac.signal });
  assert.ok(report.durationMs < 1000);
  assert.equal(byId(report, 'logs').reason, 'dns_timeout');
});

test('a bad Region, timeout or resolver is refused before any network use', async () => {
  await assert.rejects(runNetcheck({ region: 'moon-1' }), (e: unknown) => e instanceof ValidationError && /not an AWS Region/.test(e.message));
  await assert.rejects(runNetcheck({ region: 'eu-west-1', timeoutMs: 0 }), ValidationError);
  await assert.rejects(runNetcheck({ region: 'eu-west-1', resolver: 'not a server' }), /resolver .* is not valid/);
});
