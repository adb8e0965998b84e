import { test } from 'node:test';
import assert from 'node:assert/strict';
import { templateSchema } from '../../src/core/template.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { RouteCache } from '../../src/proxy/routes.js';

const spec = templateSchema.parse({ name: 'base', ports: [{ port: 8080 }, { port: 3000, share: 'public' }] });

test('routes come from the store, follow upserts, and requests never read the store', async () => {
  const store = SqliteStore.open(':memory:');
  try {
    const env = await store.createEnvironment({ id: 'env_a', name: 'demo', owner: 'alice', template: 'base', spec, state: 'starting' });
    const routes = await RouteCache.load(store, { pollMs: 0 });
    const r = routes.get('demo')!;
    assert.equal(r.state, 'starting');
    assert.equal(r.defaultPort, 8080);
    assert.deepEqual([...r.ports], [[8080, { target: 8080, share: 'owner' }], [3000, { target: 3000, share: 'public' }]]);
    assert.equal(r.address, undefined);

    const running = await store.updateEnvironment(env.id, env.version, {
      state: 'running',
      instance: { provider: 'local', id: '1', address: '127.0.0.1', ports: { '8080': 41000, '3000': 41001 } },
    });
    assert.equal(routes.get('demo')!.state, 'starting', 'the cache does not read the store per request');
    routes.upsert(running);
    const up = routes.get('demo')!;
    assert.equal(up.state, 'running');
    assert.equal(up.address, '127.0.0.1');
    assert.equal(up.ports.get(8080)!.target, 41000);

    routes.upsert(env); // an older version arriving late does not win
    assert.equal(routes.get('demo')!.state, 'running');

    await store.updateEnvironment(env.id, running.version, { state: 'stopping' });
    await routes.invalidate();
    assert.equal(routes.get('demo')!.state, 'stopping');

    routes.upsert({ ...running, state: 'deleted', version: running.version + 5 });
    assert.equal(routes.get('demo'), undefined);
    routes.close();
  } finally {
    await store.close();
  }
});

test('polling picks up changes made elsewhere', async () => {
  const store = SqliteStore.open(':memory:');
  const routes = await RouteCache.load(store, { pollMs: 30 });
  try {
    assert.equal(routes.size, 0);
    await store.createEnvironment({ id: 'env_b', name: 'other', owner: 'bob', template: 'base', spec, state: 'stopped' });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(routes.get('other')?.state, 'stopped');
  } finally {
    routes.close();
    await store.close();
  }
});

test('an upsert during a reload is not lost', async () => {
  const store = SqliteStore.open(':memory:');
  try {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = { listEnvironments: async () => { const list = await store.listEnvironments(); await gate; return list; } };
    const routes = await RouteCache.load({ listEnvironments: () => store.listEnvironments() }, { pollMs: 0 });
    (routes as unknown as { store: typeof slow }).store = slow;
    const reloading = routes.invalidate();
    const fresh = await store.createEnvironment({ id: 'env_c', name: 'fresh', owner: 'bob', template: 'base', spec, state: 'pending' });
    routes.upsert(fresh);
    release();
    await reloading;
    assert.equal(routes.get('fresh')?.envId, 'env_c');
    routes.close();
  } finally {
    await store.close();
  }
});
