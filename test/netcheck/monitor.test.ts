import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetcheckMonitor } from '../../src/netcheck/monitor.js';
import type { NetcheckOptions } from '../../src/netcheck/check.js';
import type { EndpointResult, NetcheckReport } from '../../src/netcheck/report.js';
import { Registry } from '../../src/telemetry/metrics.js';

function endpoint(id: string, ok: boolean): EndpointResult {
  return {
    id,
    title: id,
    hostname: `${id}.eu-west-1.amazonaws.com`,
    vpcEndpointServiceName: `com.amazonaws.eu-west-1.${id}`,
    kind: 'interface',
    need: 'core',
    required: true,
    status: ok ? 'ok' : 'failed',
    access: ok ? 'vpc_endpoint' : 'unreachable',
    ...(ok ? {} : { reason: 'timeout' as const, fix: 'Allow inbound 443' }),
    addresses: [],
    dnsMs: 2,
    connectMs: ok ? 3 : null,
    detail: '',
  };
}

function report(failing: string[] = []): NetcheckReport {
  const endpoints = ['secretsmanager', 'logs'].map((id) => endpoint(id, !failing.includes(id)));
  const failedRequired = endpoints.filter((e) => e.status === 'failed').length;
  return {
    status: failedRequired ? 'degraded' : 'ready',
    region: 'eu-west-1',
    partition: 'aws',
    mode: 'isolated',
    startedAt: new Date().toISOString(),
    durationMs: 12,
    timeoutMs: 3000,
    port: 443,
    resolvers: [],
    task: { addresses: [], hasPublicIp: false, source: 'given' },
    summary: { endpoints: 2, required: 2, reachable: 2 - failedRequired, failedRequired, failedOptional: 0 },
    endpoints,
  };
}

/** A fake check that returns the given reports in order (then repeats the last). */
function scripted(...reports: NetcheckReport[]) {
  const calls: NetcheckOptions[] = [];
  const run = async (opts: NetcheckOptions) => {
    calls.push(opts);
    return reports[Math.min(calls.length - 1, reports.length - 1)]!;
  };
  return { run, calls };
}

function recordingLogger() {
  const lines: { level: 'info' | 'warn'; obj: object; msg: string }[] = [];
  return {
    lines,
    info: (obj: object, msg: string) => lines.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj, msg }),
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('start() runs a check at once, then every interval, and stop() ends it', async () => {
  const { run, calls } = scripted(report());
  const m = new NetcheckMonitor({ check: { region: 'eu-west-1' }, intervalMs: 30, run });
  const first = await m.start();
  assert.equal(first.status, 'ready');
  assert.equal(m.latest(), first);
  await wait(100);
  m.stop();
  const n = calls.length;
  assert.ok(n >= 3, `ran ${n} times`);
  await wait(80);
  assert.equal(calls.length, n, 'no check after stop()');
  assert.deepEqual(calls[0], { region: 'eu-west-1' });
});

test('the timer does not keep the process alive', async () => {
  const { run } = scripted(report());
  const m = new NetcheckMonitor({ check: { region: 'eu-west-1' }, intervalMs: 60_000, run });
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  await m.start();
  assert.equal(timers(), before);
  m.stop();
});

test('history is bounded and oldest first', async () => {
  const reports = [report(), report(['logs']), report(), report(['secretsmanager'])];
  const { run } = scripted(...reports);
  const m = new NetcheckMonitor({ check: { region: 'eu-west-1' }, historySize: 3, run });
  for (let i = 0; i < 4; i++) await m.checkNow();
  assert.deepEqual(m.history(), reports.slice(1));
  assert.equal(m.latest(), reports[3]);
});

test('logs only when the status or the set of failures changes', async () => {
  const { run } = scripted(report(), report(), report(['logs']), report(['logs']), report(['logs', 'secretsmanager']), report());
  const logger = recordingLogger();
  const m = new NetcheckMonitor({ check: { region: 'eu-west-1' }, run, logger });
  for (let i = 0; i < 6; i++) await m.checkNow();
  assert.deepEqual(logger.lines.map((l) => [l.level, l.msg]), [
    ['info', 'network ready: all 2 required AWS endpoints reachable'],
    ['warn', 'network degraded: logs (timeout)'],
    ['warn', 'network degraded: secretsmanager (timeout), logs (timeout)'],
    ['info', 'network ready again: all 2 required AWS endpoints reachable'],
  ]);
  const degraded = logger.lines[1]!.obj as { netcheck: { status: string; previous: string; failed: { id: string; fix: string }[] } };
  assert.equal(degraded.netcheck.previous, 'ready');
  assert.deepEqual(degraded.netcheck.failed.map((f) => [f.id, f.fix]), [['logs', 'Allow inbound 443']]);
});

test('publishes ready, per-endpoint reachability, latency and one-hot access gauges', async () => {
  const { run } = scripted(report(['logs']), report());
  const metrics = new Registry();
  const m = new NetcheckMonitor({ check: { region: 'eu-west-1' }, run, metrics });
  await m.checkNow();
  let text = metrics.render();
  assert.match(text, /^airlock_netcheck_ready 0$/m);
  assert.match(text, /^airlock_netcheck_endpoint_reachable\{endpoint="logs",host="logs\.eu-west-1\.amazonaws\.com",required="true"\} 0$/m);
  assert.match(text, /^airlock_netcheck_endpoint_reachable\{endpoint="secretsmanager",.*\} 1$/m);
  assert.match(text, /^airlock_netcheck_endpoint_latency_seconds\{endpoint="secretsmanager"\} 0\.005$/m);
  assert.doesNotMatch(text, /latency_seconds\{endpoint="logs"\}/);
  assert.match(text, /^airlock_netcheck_endpoint_access\{endpoint="logs",access="unreachable"\} 1$/m);
  assert.match(text, /^airlock_netcheck_endpoint_access\{endpoint="logs",access="vpc_endpoint"\} 0$/m);
  assert.match(text, /^airlock_netcheck_runs_total\{status="degraded"\} 1$/m);
  await m.checkNow();
  text = metrics.render();
  assert.match(text, /^airlock_netcheck_ready 1$/m);
  assert.match(text, /^airlock_netcheck_endpoint_access\{endpoint="logs",access="vpc_endpoint"\} 1$/m);
  assert.match(text, /^airlock_netcheck_runs_total\{status="ready"\} 1$/m);
});

test('a check that throws is logged and the schedule goes on', async () => {
  let n = 0;
  const logger = recordingLogger();
  const m = new NetcheckMonitor({
    check: { region: 'eu-west-1' },
    intervalMs: 20,
    logger,
    run: async () => {
      n += 1;
      if (n === 2) throw new Error('boom');
      return report();
    },
  });
  await m.start();
  await wait(120);
  m.stop();
  assert.ok(n >= 3, `ran ${n} times`);
  assert.ok(logger.lines.some((l) => l.level === 'warn' && l.msg === 'network check failed to run'));
});

test('bad intervals are refused', () => {
  assert.throws(() => new NetcheckMonitor({ check: { region: 'eu-west-1' }, intervalMs: 0 }), /intervalMs must be positive/);
  assert.throws(() => new NetcheckMonitor({ check: { region: 'eu-west-1' }, historySize: 0 }), /historySize/);
});
