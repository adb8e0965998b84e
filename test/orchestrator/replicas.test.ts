import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DynamoStore } from '../../src/store/dynamodb/index.js';
import { Orchestrator } from '../../src/orchestrator/service.js';
import { Reconciler } from '../../src/orchestrator/reconciler.js';
import { TemplateCatalog } from '../../src/orchestrator/templates.js';
import { templateSchema } from '../../src/core/template.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import type { User } from '../../src/core/environment.js';
import { startDynalite, uniqueTableName } from '../helpers/dynalite.js';
import { FakeProvider } from './fake-provider.js';

const web = templateSchema.parse({ name: 'web', command: ['true'], ports: [{ port: 8080 }] });
const admin: User = { name: 'admin', role: 'admin', createdAt: new Date().toISOString() };
const N = 100;

test(`two orchestrators on one DynamoDB table race on ${N} environments: no double start, no lost update`, async () => {
  const dynamo = await startDynalite();
  const table = uniqueTableName('replicas');
  const storeA = await DynamoStore.open({ table, client: dynamo.client(), createTable: true });
  const storeB = await DynamoStore.open({ table, client: dynamo.client() });
  const provider = new FakeProvider(); // one compute back end, shared like one ECS cluster
  const mk = (store: DynamoStore) => new Orchestrator({ store, provider, templates: new TemplateCatalog([web], []), logger: silentLogger() });
  const a = mk(storeA);
  const b = mk(storeB);
  const recA = new Reconciler(a, { intervalSeconds: 60, logger: silentLogger() });
  const recB = new Reconciler(b, { intervalSeconds: 60, logger: silentLogger() });
  try {
    for (let i = 0; i < N; i++) {
      await storeA.createEnvironment({ id: `env_r${i}`, name: `r${i}`, owner: 'admin', template: 'web', spec: web, state: 'pending', generation: 0 });
    }
    // Both replicas reconcile at once, twice: every environment must be started exactly once.
    for (let round = 0; round < 2; round++) {
      await Promise.all([recA.reconcile(), recB.reconcile()]);
      await Promise.all([a.settle(), b.settle()]);
    }
    const started = await storeA.listEnvironments();
    assert.equal(started.filter((e) => e.state === 'running').length, N);
    assert.ok(started.every((e) => e.generation === 1), 'one start per environment');
    const starts = new Map<string, number>();
    for (const c of provider.calls) if (c.op === 'start') starts.set(`${c.envId}#${c.generation}`, (starts.get(`${c.envId}#${c.generation}`) ?? 0) + 1);
    assert.equal(provider.live.size, N, 'exactly one live instance per environment');

    // Both replicas stop every environment at the same moment: one stop each, nothing lost.
    await Promise.all(started.map((e, i) => (i % 2 ? a : b).stop(admin, e.name).catch(() => undefined)));
    await Promise.all(started.map((e, i) => (i % 2 ? b : a).stop(admin, e.name).catch(() => undefined)));
    await Promise.all([a.settle(), b.settle()]);
    await Promise.all([recA.reconcile(), recB.reconcile()]);
    await Promise.all([a.settle(), b.settle()]);
    const stopped = await storeB.listEnvironments();
    assert.equal(stopped.filter((e) => e.state === 'stopped').length, N);
    assert.equal(provider.live.size, 0);
    for (const e of stopped) {
      const types = (await storeB.listEvents(e.id)).map((x) => x.type);
      assert.equal(types.filter((t) => t === 'stopping').length, 1, `${e.name}: one stop recorded, not two (${types.join(',')})`);
      assert.equal(types.filter((t) => t === 'ready').length, 1, `${e.name}: one ready`);
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
    await storeA.close();
    await storeB.close();
    await dynamo.close();
  }
});
