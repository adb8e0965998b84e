import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunnerProcess, alive } from '../helpers/runner-process.js';

type EnvJson = { id: string; name: string; state: string; reason?: string; instance?: { address?: string; ports?: Record<string, number> } };

/** The whole local runner, as a user meets it: `airlock up` and the CLI, both as real processes. */
describe('airlock up, end to end', () => {
  const runner = new RunnerProcess();
  before(() => runner.start());
  after(async () => {
    await runner.stop();
    runner.cleanup();
  });

  const show = (name: string): EnvJson => {
    const r = runner.cli(['env', 'show', name, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as EnvJson;
  };
  const pageOf = async (env: EnvJson, path = '/') => {
    const port = env.instance!.ports!['8080']!;
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  };

  let envId = '';
  let firstPid = 0;

  test('env create shows progress and ends running; the page is served on its port', async () => {
    const r = runner.cli(['env', 'create', 'demo', '--template', 'demo']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ready/);
    assert.match(r.stdout, /demo: running/);
    const env = show('demo');
    assert.equal(env.state, 'running');
    envId = env.id;
    const page = await pageOf(env);
    assert.equal(page.status, 200);
    firstPid = Number(readPid(env));
    assert.ok(alive(firstPid), 'the environment process runs');
  });

  test('env list: a table for people and --json for scripts', () => {
    const table = runner.cli(['env', 'list']);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /NAME\s+TEMPLATE\s+STATE/);
    assert.match(table.stdout, /demo\s+demo\s+running/);
    const json = JSON.parse(runner.cli(['env', 'list', '--json']).stdout) as EnvJson[];
    assert.deepEqual(json.map((e) => [e.name, e.state]), [['demo', 'running']]);
  });

  test('bad input is refused with a clear message and changes nothing', () => {
    const unknown = runner.cli(['env', 'create', 'x', '--template', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /template "nope" does not exist\. Available: demo/);
    const dup = runner.cli(['env', 'create', 'demo', '--template', 'demo']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    const bad = runner.cli(['env', 'create', 'Not_OK', '--template', 'demo']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /name/);
    const noAuth = runner.cli(['env', 'list'], { AIRLOCK_TOKEN: 'wrong-token-wrong-token' });
    assert.equal(noAuth.code, 1);
    assert.match(noAuth.stderr, /token/);
    assert.equal((JSON.parse(runner.cli(['env', 'list', '--json']).stdout) as EnvJson[]).length, 1);
  });

  test('stop and start keep the home folder', async () => {
    writeFileSync(join(runner.dataDir, 'homes', envId, 'kept.txt'), 'still here');
    const stop = runner.cli(['env', 'stop', 'demo']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(show('demo').state, 'stopped');
    assert.equal(alive(firstPid), false, 'the process is gone after stop');
    const again = runner.cli(['env', 'stop', 'demo']);
    assert.equal(again.code, 0, 'stopping a stopped environment is a no-op');
    const start = runner.cli(['env', 'start', 'demo']);
    assert.equal(start.code, 0, start.stdout + start.stderr);
    const env = show('demo');
    assert.equal(env.state, 'running');
    const page = await pageOf(env);
    assert.match(page.body, /kept\.txt/);
  });

  test('env logs prints the environment output', () => {
    const r = runner.cli(['env', 'logs', 'demo', '--tail', '50']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim().length > 0, 'some output');
  });

  test('a runner restart finds the environment running, untouched', async () => {
    const before = show('demo');
    const code = await runner.stop();
    assert.equal(code, 0, `clean exit on Ctrl-C:\n${runner.output}`);
    const pid = Number(readPid(before));
    assert.ok(alive(pid), 'environments keep running while the runner is down');
    await runner.start();
    const after = show('demo');
    assert.equal(after.state, 'running');
    assert.equal(after.id, before.id);
    assert.equal((await pageOf(after)).status, 200);
  });

  test('env delete removes it with its home folder and leaves no process behind', async () => {
    const env = show('demo');
    const pid = Number(readPid(env));
    const r = runner.cli(['env', 'delete', 'demo']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(runner.cli(['env', 'show', 'demo']).code, 1);
    assert.equal(alive(pid), false, 'no process left (process table)');
    assert.equal(existsSync(join(runner.dataDir, 'homes', envId)), false);
  });

  /** The environment's pid, from the provider's instance record. */
  function readPid(env: EnvJson): string {
    const rec = JSON.parse(readFileSync(join(runner.dataDir, 'instances', `${env.id}.json`), 'utf8')) as { pid: number };
    return String(rec.pid);
  }
});
