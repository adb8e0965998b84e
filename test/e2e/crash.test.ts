import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunnerProcess, ADMIN_TOKEN } from '../helpers/runner-process.js';
import { startDynalite, uniqueTableName } from '../helpers/dynalite.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 50);

/** A workload that listens at once, so many can start and stop quickly. */
const WORKLOAD = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');`;

type Env = { id: string; name: string; state: string; instance?: { ports?: Record<string, number> } };

/** Processes whose command line mentions `marker` (the table of processes, not the runner's idea of it). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

test(`SIGKILL the runner at random points of create/stop/start/delete ${ROUNDS} times: nothing lost, nothing left running unseen`, { timeout: 15 * 60_000 }, async () => {
  const dynamo = await startDynalite();
  const runner = new RunnerProcess({
    extraEnv: {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: dynamo.region,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  const script = join(runner.dataDir, 'crash-workload.cjs');
  writeFileSync(script, WORKLOAD);
  const config = join(runner.dataDir, 'airlock.yaml');
  writeFileSync(config, [
    'reconcileInterval: 1s',
    'orphanSweepInterval: 1s',
    `store: { type: dynamodb, table: ${uniqueTableName('crash')}, endpoint: "${dynamo.endpoint}", region: ${dynamo.region}, createTable: true }`,
    'compute: { type: local, stopGrace: 1s }',
    'templates:',
    `  - { name: quick, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(script)}], ports: [{ port: 8080, protocol: tcp }], startTimeout: 20s }`,
    '',
  ].join('\n'));
  runner.env.AIRLOCK_CONFIG = config;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${runner.port}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as unknown };
  };

  /** Names whose create the API acknowledged, minus those a delete was sent for (its outcome may be unknown). */
  const acknowledged = new Set<string>();
  let created = 0;
  let createdOk = 0;
  let rng = 12345;
  const random = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

  try {
    for (let round = 0; round < ROUNDS; round++) {
      await runner.start().catch((err: Error) => {
        throw new Error(`round ${round}: ${err.message}`);
      });
      const killAt = 30 + random() * 400;
      const ops: Promise<void>[] = [];
      const started = Date.now();
      while (Date.now() - started < killAt) {
        const names = [...acknowledged];
        const pick = names[Math.floor(random() * names.length)];
        const r = random();
        const op = (async () => {
          try {
            if (r < 0.45 || !pick) {
              const name = `e${created++}`;
              const res = await api('POST', '/environments', { name, template: 'quick' });
              if (res.status === 201) {
                acknowledged.add(name);
                createdOk++;
              }
            } else if (r < 0.65) {
              await api('POST', `/environments/${pick}/stop`);
            } else if (r < 0.9) {
              await api('POST', `/environments/${pick}/start`);
            } else {
              acknowledged.delete(pick);
              await api('DELETE', `/environments/${pick}`);
            }
          } catch {
            // the runner died under this request: its outcome is unknown, and that is the point
          }
        })();
        ops.push(op);
        await new Promise((res) => setTimeout(res, 10 + random() * 40));
      }
      await runner.stop('SIGKILL');
      await Promise.allSettled(ops);
    }

    // One last start: the reconciler must converge from whatever the kills left behind.
    await runner.start();
    const deadline = Date.now() + 90_000;
    let envs: Env[] = [];
    while (Date.now() < deadline) {
      envs = ((await api('GET', '/environments')).body as { items: Env[] }).items;
      if (envs.every((e) => ['running', 'stopped', 'failed'].includes(e.state))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const byName = new Map(envs.map((e) => [e.name, e]));
    assert.ok(envs.every((e) => ['running', 'stopped', 'failed'].includes(e.state)), `not converged: ${envs.filter((e) => !['running', 'stopped', 'failed'].includes(e.state)).map((e) => `${e.name}=${e.state}`).join(', ')}`);
    for (const name of acknowledged) assert.ok(byName.has(name), `environment ${name} was acknowledged but is lost`);
    assert.ok(acknowledged.size >= 3, `the test did some work (${created} creates sent, ${createdOk} acknowledged, ${acknowledged.size} not deleted since)`);

    // Give the reconciler one more pass to stop orphans, then compare the process table with the store.
    await new Promise((r) => setTimeout(r, 2500));
    envs = ((await api('GET', '/environments')).body as { items: Env[] }).items;
    const running = envs.filter((e) => e.state === 'running');
    const live = processesWith(script);
    assert.equal(live.length, running.length, `live workload processes (${live.length}) must match running environments (${running.length})`);
    for (const e of running) {
      const res = await fetch(`http://127.0.0.1:${e.instance!.ports!['8080']}/`);
      assert.equal(await res.text(), 'ok', `${e.name} is really running`);
    }
  } finally {
    // Leave nothing behind: delete every environment, then stop the runner.
    if (runner.child?.exitCode === null) {
      const { items } = (await api('GET', '/environments')).body as { items: Env[] };
      await Promise.all(items.map((e) => api('DELETE', `/environments/${e.name}`)));
      const until = Date.now() + 30_000;
      while (Date.now() < until && processesWith(script).length > 0) await new Promise((r) => setTimeout(r, 200));
    }
    await runner.stop();
    for (const pid of processesWith(script)) process.kill(pid, 'SIGKILL');
    await dynamo.close();
    runner.cleanup();
  }
  assert.equal(processesWith(script).length, 0, 'no workload process left after the test');
});
