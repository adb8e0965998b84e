import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProviderError } from '../../../src/core/errors.js';
import { LocalProvider } from '../../../src/compute/local/provider.js';
import { demoServerCommand } from '../../../src/workspaces/demo/command.js';
import { alive, nodeScript, request, template, workspace } from './helpers.js';

const demo = template({ name: 'demo', command: demoServerCommand(), ports: [{ port: 8080, healthPath: '/healthz' }] });

/** A server on $PORT that also starts a grandchild process in its group and writes its pid. */
const withGrandchild = template({
  command: nodeScript(`
    const { spawn } = require('child_process');
    const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    require('fs').writeFileSync('grandchild.pid', String(g.pid));
    require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
  `),
  ports: [{ port: 3000 }],
});

test('demo environment: start, ready, serve its home, stop, start again with the same home, destroy', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const provider = ws.provider();

  const instance = await provider.start(request('env_demo1', demo));
  assert.equal(instance.provider, 'local');
  assert.equal(instance.address, '127.0.0.1');
  const port = instance.ports?.['8080'];
  assert.ok(Number.isInteger(port) && port! > 0, 'a local port is allocated for declared port 8080');
  assert.equal(instance.meta?.generation, '1');
  assert.equal(instance.meta?.pid, instance.id, 'the command leads its own process group');

  const ready = await provider.waitReady(instance, demo, { timeoutMs: 10_000 });
  assert.equal(ready.ready, true, ready.reason);
  assert.equal((await provider.observe([instance])).get(instance.id)?.status, 'running');

  const home = provider.homeOf('env_demo1');
  await writeFile(join(home, 'notes.txt'), 'kept across restarts\n');
  const page = await (await fetch(`http://127.0.0.1:${port}/browse/`)).text();
  assert.match(page, /notes\.txt/);

  const pgid = Number(instance.id);
  await provider.stop(instance, 'user asked');
  assert.equal(alive(pgid), false, 'the workload is gone after stop');
  assert.equal(existsSync(join(ws.dataDir, 'instances', 'env_demo1.json')), false, 'the instance record is removed');
  const afterStop = (await provider.observe([instance])).get(instance.id);
  assert.equal(afterStop?.status, 'exited');
  assert.match(afterStop?.reason ?? '', /stopped: user asked/);
  await provider.stop(instance, 'again'); // idempotent

  const second = await provider.start(request('env_demo1', demo, 2));
  assert.notEqual(second.id, instance.id);
  assert.equal((await provider.waitReady(second, demo, { timeoutMs: 10_000 })).ready, true);
  const file = await (await fetch(`http://127.0.0.1:${second.ports?.['8080']}/browse/notes.txt`)).text();
  assert.match(file, /kept across restarts/);
  assert.equal(await readFile(join(home, 'notes.txt'), 'utf8'), 'kept across restarts\n');

  await provider.stop(second, 'done');
  await provider.destroy({ id: 'env_demo1', name: 'env-demo1' });
  assert.equal(existsSync(home), false, 'destroy removes the home folder');
  assert.equal(existsSync(provider.logPathOf('env_demo1')), false, 'destroy removes the log');
});

test('stop ends the whole process group, including processes the command started', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const provider = ws.provider();
  const instance = await provider.start(request('env_tree', withGrandchild));
  assert.equal((await provider.waitReady(instance, withGrandchild, { timeoutMs: 10_000 })).ready, true);
  const grandchild = Number(await readFile(join(provider.homeOf('env_tree'), 'grandchild.pid'), 'utf8'));
  assert.ok(alive(grandchild), 'the grandchild runs');

  await provider.stop(instance, 'test');
  assert.equal(alive(Number(instance.id)), false);
  assert.equal(alive(grandchild), false, 'the grandchild was stopped with its group');
});

test('the workload gets HOME, PORT, AIRLOCK_* variables, the template env and {port}/{home} substituted', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const provider = ws.provider();
  const spec = template({
    command: nodeScript(`
      const e = process.env;
      require('fs').writeFileSync('seen.json', JSON.stringify({ cwd: process.cwd(), argv: process.argv.slice(1), HOME: e.HOME, PORT: e.PORT,
        p3000: e.AIRLOCK_PORT_3000, p9000: e.AIRLOCK_PORT_9000, name: e.AIRLOCK_ENV_NAME, id: e.AIRLOCK_ENV_ID, GREETING: e.GREETING, path: !!e.PATH, secret: e.SECRET_OF_THE_RUNNER }));
      for (const p of [e.AIRLOCK_PORT_3000, e.AIRLOCK_PORT_9000]) require('net').createServer().listen(Number(p), '127.0.0.1');
    `).concat(['port={port}', '{home}/data']),
    ports: [{ port: 3000, protocol: 'tcp' }, { port: 9000, protocol: 'tcp' }],
    env: { GREETING: 'hello' },
  });
  process.env.SECRET_OF_THE_RUNNER = 'x';
  t.after(() => delete process.env.SECRET_OF_THE_RUNNER);
  const instance = await provider.start(request('env_vars', spec));
  const ready = await provider.waitReady(instance, spec, { timeoutMs: 10_000 });
  assert.equal(ready.ready, true, ready.reason);
  const home = provider.homeOf('env_vars');
  const seen = JSON.parse(await readFile(join(home, 'seen.json'), 'utf8')) as Record<string, unknown>;
  const ports = instance.ports!;
  assert.deepEqual(seen, {
    cwd: home,
    argv: [`port=${ports['3000']}`, `${home}/data`],
    HOME: home,
    PORT: String(ports['3000']),
    p3000: String(ports['3000']),
    p9000: String(ports['9000']),
    name: 'env-vars',
    id: 'env_vars',
    GREETING: 'hello',
    path: true,
  });
  await provider.stop(instance, 'test');
});

test('a command that exits at once fails readiness with its exit code and the end of its output', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const provider = ws.provider();
  const spec = template({
    command: nodeScript('for (let i = 1; i <= 30; i++) console.log("line " + i); console.error("boom: no config file"); process.exit(3)'),
    ports: [{ port: 8080 }],
  });
  const instance = await provider.start(request('env_crash', spec));
  const started = Date.now();
  const result = await provider.waitReady(instance, spec, { timeoutMs: 20_000 });
  assert.equal(result.ready, false);
  assert.ok(Date.now() - started < 10_000, 'it fails as soon as the process exits, not at the timeout');
  assert.match(result.reason ?? '', /exited with code 3/);
  assert.match(result.reason ?? '', /boom: no config file/);
  assert.match(result.reason ?? '', /line 30/);
  assert.doesNotMatch(result.reason ?? '', /line 5\b/, 'only the last lines are quoted');
  const seen = (await provider.observe([instance])).get(instance.id);
  assert.equal(seen?.status, 'exited');
  assert.equal(seen?.exitCode, 3);
});

test('a command that never listens fails readiness after the timeout, naming the port', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const provider = ws.provider();
  const spec = template({ command: nodeScript('console.log("warming up"); setInterval(() => {}, 1000)'), ports: [{ port: 8080 }] });
  const instance = await provider.start(request('env_silent', spec));
  const result = await provider.waitReady(instance, spec, { timeoutMs: 400 });
  assert.equal(result.ready, false);
  assert.match(result.reason ?? '', /did not listen on port 8080 .*within 0\.4 s/);
  assert.match(result.reason ?? '', /warming up/);
  await provider.stop(instance, 'start timed out');
  assert.equal(alive(Number(instance.id)), false);
});

test('a command that does not exist, or a template without one, is refused clearly', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const provider = ws.provider();
  await assert.rejects(
    provider.start(request('env_nocmd', template({ command: ['/nonexistent/airlock-test-binary'], ports: [{ port: 8080 }] }))),
    (err: unknown) => err instanceof ProviderError && /ENOENT/.test(err.message) && /airlock-test-binary/.test(err.message),
  );
  await assert.rejects(
    provider.start(request('env_image', template({ image: 'example/ide:1' }))),
    (err: unknown) => err instanceof ProviderError && /needs `command` for the local provider/.test(err.message),
  );
});

test('start is idempotent per generation, and a new generation replaces the old process', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const provider = ws.provider();
  const [a, b] = await Promise.all([provider.start(request('env_idem', withGrandchild)), provider.start(request('env_idem', withGrandchild))]);
  assert.equal(a.id, b.id, 'concurrent retries join one launch');
  const c = await provider.start(request('env_idem', withGrandchild));
  assert.equal(c.id, a.id, 'a retry of the same generation returns the running instance');
  assert.equal(await ws.provider().start(request('env_idem', withGrandchild)).then((i) => i.id), a.id, 'another runner sees it too');
  assert.equal((await provider.list()).length, 1);

  const next = await provider.start(request('env_idem', withGrandchild, 2));
  assert.notEqual(next.id, a.id);
  assert.equal(alive(Number(a.id)), false, 'the earlier generation was stopped first');
  const listed = await provider.list();
  assert.deepEqual(listed.map((i) => [i.id, i.envId, i.generation]), [[next.id, 'env_idem', 2]]);
  await provider.stop(next, 'test');
});

test('after a runner restart, a new provider observes, lists and stops what the old one started', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const before = ws.provider();
  const instance = await before.start(request('env_adopt', demo));
  assert.equal((await before.waitReady(instance, demo, { timeoutMs: 10_000 })).ready, true);
  await before.close();

  const after = ws.provider();
  assert.equal((await after.observe([instance])).get(instance.id)?.status, 'running');
  const listed = await after.list();
  assert.equal(listed.length, 1);
  assert.equal(listed[0]?.id, instance.id);
  assert.equal(listed[0]?.envId, 'env_adopt');
  assert.equal(listed[0]?.generation, 1);
  assert.deepEqual(listed[0]?.ports, instance.ports);
  assert.equal((await after.waitReady(listed[0]!, demo, { timeoutMs: 5000 })).ready, true, 'readiness works on an adopted instance');
  const otherRunner = new LocalProvider({ dataDir: ws.dataDir, runnerId: 'someone-else' });
  assert.deepEqual(await otherRunner.list(), [], 'list() returns only this runner\'s instances');
  const bare = { provider: 'local', id: instance.id, meta: { pid: instance.id } };
  assert.equal((await otherRunner.observe([bare])).get(instance.id)?.status, 'gone', 'a bare pid without its start time is not trusted');
  await otherRunner.stop(bare, 'must not be signalled');
  assert.ok(alive(Number(instance.id)));

  await after.stop(listed[0]!, 'adopted then stopped');
  assert.equal(alive(Number(instance.id)), false);
  assert.equal((await after.observe([instance])).get(instance.id)?.status, 'gone');
  assert.deepEqual(await after.list(), []);
});

test('a process that died while no runner watched is reported as exited, not running', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const first = ws.provider();
  const instance = await first.start(request('env_died', withGrandchild));
  assert.equal((await first.waitReady(instance, withGrandchild, { timeoutMs: 10_000 })).ready, true);
  await first.close();
  process.kill(-Number(instance.id), 'SIGKILL'); // the "crash" happens while the runner is down
  for (let i = 0; i < 100 && alive(Number(instance.id)); i++) await new Promise((r) => setTimeout(r, 20));

  const second = ws.provider();
  const seen = (await second.observe([instance])).get(instance.id);
  assert.equal(seen?.status, 'exited');
  assert.match(seen?.reason ?? '', /exited while the runner was not watching/);
  assert.deepEqual(await second.list(), []);
  const unknown = (await second.observe([{ provider: 'local', id: '999999999' }])).get('999999999');
  assert.equal(unknown?.status, 'gone');
});

test('a reused pid is not mistaken for the instance (process start time differs)', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const provider = ws.provider();
  const instance = await provider.start(request('env_reuse', withGrandchild));
  assert.equal((await provider.waitReady(instance, withGrandchild, { timeoutMs: 10_000 })).ready, true);
  // Pretend the record was written for an older process that had the same pid.
  const recordPath = join(ws.dataDir, 'instances', 'env_reuse.json');
  const original = await readFile(recordPath, 'utf8');
  const record = JSON.parse(original) as { procStart: string };
  record.procStart = String(Number(record.procStart) - 1);
  await writeFile(recordPath, JSON.stringify(record));

  const restarted = ws.provider();
  const forged = { ...instance, meta: { ...instance.meta, procStart: record.procStart } };
  assert.equal((await restarted.observe([forged])).get(instance.id)?.status, 'exited');
  // The stale record is not trusted; the live workload is still found by the marker in its
  // environment, with its true start time, so the reconciler could stop it as an orphan.
  const listed = await restarted.list();
  assert.ok(listed.every((i) => i.meta?.unrecorded === 'true' && i.meta.procStart !== record.procStart), JSON.stringify(listed));
  await restarted.stop(forged, 'must not touch another process');
  assert.ok(alive(Number(instance.id)), 'a process with a different start time is left alone');
  await writeFile(recordPath, original);
  await provider.stop(instance, 'test');
  assert.equal(alive(Number(instance.id)), false);
});

test('stop sends SIGKILL after the grace period to a process that ignores SIGTERM', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const provider = ws.provider(0.3);
  const spec = template({
    command: nodeScript(`process.on('SIGTERM', () => console.log('ignoring SIGTERM')); require('http').createServer((q, s) => s.end()).listen(Number(process.env.PORT), '127.0.0.1')`),
    ports: [{ port: 8080 }],
  });
  const instance = await provider.start(request('env_stubborn', spec));
  assert.equal((await provider.waitReady(instance, spec, { timeoutMs: 10_000 })).ready, true);
  const started = Date.now();
  await provider.stop(instance, 'test');
  const took = Date.now() - started;
  assert.equal(alive(Number(instance.id)), false);
  assert.ok(took >= 300, `waited the grace period first (${took} ms)`);
  const lines: string[] = [];
  for await (const line of provider.logs({ id: 'env_stubborn', name: 'env-stubborn' })) lines.push(line);
  assert.ok(lines.includes('ignoring SIGTERM'), 'SIGTERM was sent first');
});

test('logs: the last lines, then new lines as they come with follow, until aborted', async (t) => {
  const ws = await workspace();
  t.after(ws.cleanup);
  const provider = ws.provider();
  const spec = template({
    command: nodeScript(`for (let i = 1; i <= 50; i++) console.log('boot ' + i); let n = 0; setInterval(() => console.log('tick ' + ++n), 30)`),
  });
  const env = { id: 'env_logs', name: 'env-logs' };
  const instance = await provider.start(request(env.id, spec));
  // Wait for the boot lines to be written.
  for (let i = 0; i < 200; i++) {
    if ((await readFile(provider.logPathOf(env.id), 'utf8').catch(() => '')).includes('tick 1\n')) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const tail: string[] = [];
  for await (const line of provider.logs(env, { tail: 3 })) tail.push(line);
  assert.equal(tail.length, 3);
  assert.ok(tail.every((l) => l.startsWith('tick ') || l.startsWith('boot ')), tail.join('|'));

  const all: string[] = [];
  for await (const line of provider.logs(env, { tail: 1000 })) all.push(line);
  assert.match(all[0] ?? '', /^\[airlock\] .* starting env-logs \(generation 1\)/);
  assert.equal(all[1], 'boot 1');

  const controller = new AbortController();
  const followed: string[] = [];
  const startedAt = Date.now();
  for await (const line of provider.logs(env, { tail: 0, follow: true, signal: controller.signal })) {
    followed.push(line);
    if (followed.length === 4) controller.abort();
  }
  assert.equal(followed.length, 4, 'nothing is yielded after the abort');
  assert.ok(followed.every((l) => /^tick \d+$/.test(l)), followed.join('|'));
  const numbers = followed.map((l) => Number(l.slice(5)));
  assert.deepEqual(numbers, numbers.map((_, i) => numbers[0]! + i), 'consecutive lines, none lost or repeated');
  assert.ok(Date.now() - startedAt < 5000);
  await provider.stop(instance, 'test');
});
