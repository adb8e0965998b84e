import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRunner } from '../../src/orchestrator/runner.js';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { endpointsFor } from '../../src/netcheck/catalog.js';
import { startDnsServer } from '../helpers/dns-server.js';

const TOKEN = 'runner-test-token-0123456789';

test('the runner reports network readiness at /api/v1/runner/network and gauges on /metrics', async () => {
  // Every required endpoint answers on a loopback listener, except Secrets Manager (NXDOMAIN).
  const listener = createServer((s) => s.destroy());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
  const port = (listener.address() as { port: number }).port;
  const records: Record<string, { A: string[] }> = {};
  for (const e of endpointsFor({ region: 'eu-west-1', features: [] })) if (e.id !== 'secretsmanager') records[e.hostname] = { A: ['127.0.0.1'] };
  const dns = await startDnsServer({ records });
  const dir = mkdtempSync(join(tmpdir(), 'airlock-runner-'));
  const config = parseConfig({ port: 0, netcheck: { enabled: true, region: 'eu-west-1', features: [], resolver: dns.server, port, timeout: 2 } });
  const runner = await startRunner({ config, dataDir: dir, logger: silentLogger(), adminToken: TOKEN });
  try {
    const get = async (path: string) => fetch(`http://127.0.0.1:${runner.port}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    let report: { status: string; endpoints?: { id: string; status: string; fix?: string }[] } = { status: 'pending' };
    for (let i = 0; i < 100 && report.status === 'pending'; i++) {
      report = (await (await get('/api/v1/runner/network')).json()) as typeof report;
      if (report.status === 'pending') await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(report.status, 'degraded');
    const sm = report.endpoints!.find((e) => e.id === 'secretsmanager')!;
    assert.equal(sm.status, 'failed');
    assert.ok(sm.fix && sm.fix.length > 10, 'a failed endpoint carries a fix hint');
    assert.ok(report.endpoints!.filter((e) => e.id !== 'secretsmanager').every((e) => e.status === 'ok'));

    const metrics = await (await fetch(`http://127.0.0.1:${runner.port}/metrics`)).text();
    assert.match(metrics, /^airlock_netcheck_ready 0$/m);
    assert.match(metrics, /^airlock_environments\{state="running"\} 0$/m);
    assert.match(metrics, /^airlock_reconcile_passes_total \d+$/m);
    assert.equal((await get('/api/v1/runner')).status, 200);
  } finally {
    await runner.close();
    await dns.close();
    listener.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a port already in use is refused with a message that says what to do', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  const port = (taken.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'airlock-runner-'));
  try {
    await assert.rejects(startRunner({ config: parseConfig({ port }), dataDir: dir, logger: silentLogger() }), /already in use.*--port or AIRLOCK_PORT/);
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
