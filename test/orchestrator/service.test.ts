import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { Orchestrator } from '../../src/orchestrator/service.js';
import { Reconciler } from '../../src/orchestrator/reconciler.js';
import { TemplateCatalog } from '../../src/orchestrator/templates.js';
import { templateSchema } from '../../src/core/template.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import type { User } from '../../src/core/environment.js';
import { AlreadyExistsError, InvalidTransitionError, NotFoundError, ValidationError } from '../../src/core/errors.js';
import { FakeProvider } from './fake-provider.js';

const alice: User = { name: 'alice', role: 'member', createdAt: new Date().toISOString() };
const bob: User = { name: 'bob', role: 'member', createdAt: new Date().toISOString() };
const admin: User = { name: 'admin', role: 'admin', createdAt: new Date().toISOString() };
const web = templateSchema.parse({ name: 'web', command: ['true'], ports: [{ port: 8080 }], idleTimeout: 1 });

describe('orchestrator', () => {
  let dir: string;
  let store: SqliteStore;
  let provider: FakeProvider;
  let orch: Orchestrator;
  let reconciler: Reconciler;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-orch-'));
    store = SqliteStore.open(join(dir, 'db.sqlite'));
    provider = new FakeProvider();
    orch = new Orchestrator({ store, provider, templates: new TemplateCatalog([web], []), logger: silentLogger() });
    reconciler = new Reconciler(orch, { intervalSeconds: 60, logger: silentLogger() });
  });
  afterEach(async () => {
    await orch.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('create persists pending then starting before the provider acts, and ends running', async () => {
    const seenAtStart: string[] = [];
    const realStart = provider.start.bind(provider);
    provider.start = async (req) => {
      seenAtStart.push((await store.getEnvironmentById(req.envId))!.state);
      return realStart(req);
    };
    const env = await orch.create(alice, { name: 'demo', template: 'web' });
    assert.equal(env.state, 'starting');
    assert.equal(env.generation, 1);
    await orch.settle();
    const done = await orch.get(alice, 'demo');
    assert.equal(done.state, 'running');
    assert.deepEqual(seenAtStart, ['starting']);
    const types = (await store.listEvents(env.id)).map((e) => e.type);
    assert.deepEqual(types, ['created', 'queued', 'provisioning', 'ready']);
  });

  test('bad input changes nothing', async () => {
    await assert.rejects(orch.create(alice, { name: 'Bad_Name', template: 'web' }), ValidationError);
    await assert.rejects(orch.create(alice, { name: 'demo', template: 'nope' }), (e: unknown) => e instanceof NotFoundError && /Available: web/.test(e.message));
    assert.equal((await store.listEnvironments()).length, 0);
    await orch.create(alice, { name: 'demo', template: 'web' });
    await assert.rejects(orch.create(bob, { name: 'demo', template: 'web' }), AlreadyExistsError);
    assert.equal(provider.count('start'), 1);
  });

  test('members see only their own; admins see all', async () => {
    await orch.create(alice, { name: 'a1', template: 'web' });
    await orch.create(bob, { name: 'b1', template: 'web' });
    await orch.settle();
    assert.deepEqual((await orch.list(alice)).map((e) => e.name), ['a1']);
    assert.equal((await orch.list(admin)).length, 2);
    await assert.rejects(orch.get(bob, 'a1'), NotFoundError);
    await assert.rejects(orch.stop(bob, 'a1'), NotFoundError);
    assert.equal((await orch.stop(admin, 'a1')).state, 'stopping');
  });

  test('stop then start keeps the environment and bumps the generation; stopping twice is a no-op', async () => {
    await orch.create(alice, { name: 'demo', template: 'web' });
    await orch.settle();
    await orch.stop(alice, 'demo');
    await orch.settle();
    const stopped = await orch.get(alice, 'demo');
    assert.equal(stopped.state, 'stopped');
    assert.equal(stopped.instance, undefined);
    assert.equal(provider.live.size, 0);
    const again = await orch.stop(alice, 'demo');
    assert.equal(again.version, stopped.version, 'a no-op writes nothing');
    await orch.start(alice, 'demo');
    await orch.settle();
    const running = await orch.get(alice, 'demo');
    assert.equal(running.state, 'running');
    assert.equal(running.generation, 2);
  });

  test('a start that fails records the reason and stops what was launched', async () => {
    provider.readiness = 'fail';
    await orch.create(alice, { name: 'demo', template: 'web' });
    await orch.settle();
    const env = await orch.get(alice, 'demo');
    assert.equal(env.state, 'failed');
    assert.match(env.reason!, /exited with code 3\. look at the logs/);
    assert.equal(provider.live.size, 0);
  });

  test('a provider that refuses to start fails the environment with its message', async () => {
    provider.failStart = 'port 8080 is already in use';
    await orch.create(alice, { name: 'demo', template: 'web' });
    await orch.settle();
    const env = await orch.get(alice, 'demo');
    assert.equal(env.state, 'failed');
    assert.match(env.reason!, /already in use/);
  });

  test('a stop during a slow start aborts the wait and leaves nothing running', async () => {
    provider.readiness = 'hang';
    await orch.create(alice, { name: 'demo', template: 'web' });
    await new Promise((r) => setTimeout(r, 30));
    const t0 = Date.now();
    await orch.stop(alice, 'demo');
    await orch.settle();
    assert.ok(Date.now() - t0 < 5000, 'the stop did not wait for the start timeout');
    assert.equal((await orch.get(alice, 'demo')).state, 'stopped');
    assert.equal(provider.live.size, 0);
  });

  test('delete stops, destroys and removes; the name can be reused', async () => {
    const env = await orch.create(alice, { name: 'demo', template: 'web' });
    await orch.settle();
    await orch.delete(alice, 'demo');
    await orch.settle();
    assert.equal(await store.getEnvironment('demo'), undefined);
    assert.deepEqual(provider.destroyed, [env.id]);
    assert.equal(provider.live.size, 0);
    const again = await orch.create(alice, { name: 'demo', template: 'web' });
    assert.notEqual(again.id, env.id);
  });

  test('illegal transitions are refused', async () => {
    const env = await orch.create(alice, { name: 'demo', template: 'web' });
    await orch.settle();
    const fresh = (await store.getEnvironmentById(env.id))!;
    await assert.rejects(orch.transition(fresh, 'pending', {}, []), InvalidTransitionError);
  });

  describe('reconciler', () => {
    test('a process that died while running is marked failed with the reason', async () => {
      await orch.create(alice, { name: 'demo', template: 'web' });
      await orch.settle();
      const env = (await store.getEnvironment('demo'))!;
      provider.crash(env.id, 'killed by signal SIGKILL');
      const report = await reconciler.reconcile();
      await orch.settle();
      assert.deepEqual(report.actions.map((a) => a.action), ['fail']);
      const failed = (await store.getEnvironment('demo'))!;
      assert.equal(failed.state, 'failed');
      assert.match(failed.reason!, /SIGKILL/);
    });

    test('restart policy on-failure starts it again', async () => {
      const restarting = templateSchema.parse({ name: 'svc', command: ['true'], restartPolicy: 'on-failure' });
      orch = new Orchestrator({ store, provider, templates: new TemplateCatalog([restarting], []), logger: silentLogger() });
      reconciler = new Reconciler(orch, { intervalSeconds: 60, logger: silentLogger() });
      await orch.create(alice, { name: 'svc', template: 'svc' });
      await orch.settle();
      provider.crash((await store.getEnvironment('svc'))!.id);
      await reconciler.reconcile();
      await orch.settle();
      const env = (await store.getEnvironment('svc'))!;
      assert.equal(env.state, 'running');
      assert.equal(env.generation, 2);
      assert.ok((await store.listEvents(env.id)).some((e) => /restarted by policy/.test(e.message)));
    });

    test('is idempotent: a second pass on a converged world does nothing', async () => {
      await orch.create(alice, { name: 'a', template: 'web' });
      await orch.create(alice, { name: 'b', template: 'web' });
      await orch.settle();
      const before = provider.calls.length;
      const r1 = await reconciler.reconcile();
      const r2 = await reconciler.reconcile();
      assert.equal(r1.actions.length, 0);
      assert.equal(r2.actions.length, 0);
      assert.equal(provider.calls.filter((c, i) => i >= before && c.op !== 'observe').length, 0);
    });

    test('finishes work a crash interrupted: pending, starting without instance, stopping, deleting', async () => {
      const mk = async (name: string, state: 'pending' | 'starting' | 'stopping' | 'deleting', generation = 1) =>
        store.createEnvironment({ id: `env_${name}`, name, owner: 'alice', template: 'web', spec: web, state, generation });
      await mk('p', 'pending', 0);
      await mk('s', 'starting');
      await mk('t', 'stopping');
      await mk('d', 'deleting');
      await reconciler.reconcile();
      await orch.settle();
      assert.equal((await store.getEnvironment('p'))!.state, 'running');
      assert.equal((await store.getEnvironment('s'))!.state, 'running');
      assert.equal((await store.getEnvironment('t'))!.state, 'stopped');
      assert.equal(await store.getEnvironment('d'), undefined);
    });

    test('a retried start of the same generation does not launch twice', async () => {
      await store.createEnvironment({ id: 'env_s', name: 's', owner: 'alice', template: 'web', spec: web, state: 'starting', generation: 4 });
      await Promise.all([reconciler.reconcile(), reconciler.reconcile()]);
      await orch.settle();
      await reconciler.reconcile();
      await orch.settle();
      assert.equal(provider.live.size, 1);
      assert.equal((await store.getEnvironment('s'))!.generation, 4);
    });

    test('two orchestrators on one store never both drive the same environment', async () => {
      const orch2 = new Orchestrator({ store, provider, templates: new TemplateCatalog([web], []), logger: silentLogger() });
      const rec2 = new Reconciler(orch2, { intervalSeconds: 60, logger: silentLogger() });
      for (let i = 0; i < 10; i++) await store.createEnvironment({ id: `env_${i}`, name: `e${i}`, owner: 'alice', template: 'web', spec: web, state: 'pending', generation: 0 });
      await Promise.all([reconciler.reconcile(), rec2.reconcile()]);
      await Promise.all([orch.settle(), orch2.settle()]);
      await Promise.all([reconciler.reconcile(), rec2.reconcile()]);
      await Promise.all([orch.settle(), orch2.settle()]);
      const envs = await store.listEnvironments();
      assert.equal(envs.filter((e) => e.state === 'running').length, 10);
      assert.ok(envs.every((e) => e.generation === 1), 'each started exactly once');
      assert.equal(provider.live.size, 10);
      await orch2.close();
    });

    test('instances the store does not know are stopped', async () => {
      provider.live.set('stray', { provider: 'fake', id: 'stray', envId: 'env_unknown', generation: 1, status: 'running' });
      const report = await reconciler.reconcile();
      assert.equal(report.orphansStopped, 1);
      assert.equal(provider.live.has('stray'), false);
    });

    test('idle environments are stopped with the reason on the timeline; activity postpones it', async () => {
      await orch.create(alice, { name: 'idle', template: 'web' });
      await orch.create(alice, { name: 'busy', template: 'web' });
      await orch.settle();
      await new Promise((r) => setTimeout(r, 1100));
      await store.touchActivity((await store.getEnvironment('busy'))!.id, new Date().toISOString());
      await reconciler.reconcile();
      await orch.settle();
      const idle = (await store.getEnvironment('idle'))!;
      assert.equal(idle.state, 'stopped');
      assert.ok((await store.listEvents(idle.id)).some((e) => e.type === 'idle_stop' && /without activity/.test(e.message)));
      assert.equal((await store.getEnvironment('busy'))!.state, 'running');
    });
  });
});
