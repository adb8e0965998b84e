import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { Orchestrator } from '../../src/orchestrator/service.js';
import { TemplateCatalog } from '../../src/orchestrator/templates.js';
import { buildApi } from '../../src/orchestrator/api/app.js';
import { Authenticator } from '../../src/orchestrator/api/authenticate.js';
import { templateSchema } from '../../src/core/template.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { bootstrapAdmin } from '../../src/auth/tokens.js';
import { FakeProvider } from './fake-provider.js';

const web = templateSchema.parse({ name: 'web', command: ['true'], ports: [{ port: 8080, name: 'ide' }, { port: 3000, share: 'public' }] });

describe('REST API', () => {
  let dir: string;
  let store: SqliteStore;
  let orch: Orchestrator;
  let app: FastifyInstance;
  let admin: string;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-api-'));
    store = SqliteStore.open(join(dir, 'db.sqlite'));
    admin = (await bootstrapAdmin(store))!;
    orch = new Orchestrator({ store, provider: new FakeProvider(), templates: new TemplateCatalog([web], []), logger: silentLogger() });
    app = await buildApi({
      orchestrator: orch,
      auth: new Authenticator(store),
      urls: { protocol: 'http', domain: 'localhost', port: 7080 },
      logger: silentLogger(),
      info: { version: 'test', runnerId: 'local', store: 'sqlite', provider: 'fake', domain: 'localhost', mode: 'local', startedAt: new Date().toISOString() },
    });
  });
  after(async () => {
    await app.close();
    await orch.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('health needs no token; everything else does', async () => {
    assert.equal((await app.inject({ url: '/api/v1/health' })).statusCode, 200);
    const r = await app.inject({ url: '/api/v1/environments' });
    assert.equal(r.statusCode, 401);
    assert.match(r.json().error.message, /Bearer/);
    assert.equal((await app.inject({ url: '/api/v1/environments', headers: as('alk_tok_aaaaaaaaaaaaaaaa_' + 'x'.repeat(43)) })).statusCode, 401);
    assert.equal((await app.inject({ url: '/api/v1/environments', headers: { authorization: 'Basic abc' } })).statusCode, 401);
  });

  test('the OpenAPI document lists every route with its schema', async () => {
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json();
    assert.equal(doc.openapi.slice(0, 2), '3.');
    for (const p of ['/api/v1/environments', '/api/v1/environments/{name}', '/api/v1/environments/{name}/start', '/api/v1/templates', '/api/v1/tokens']) {
      assert.ok(doc.paths[p], `missing ${p}`);
    }
    assert.ok(doc.paths['/api/v1/environments'].post.requestBody, 'create declares its body');
  });

  test('create, read, list, events; URLs follow <port>--<name>.<domain>', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/environments', headers: as(admin), payload: { name: 'demo', template: 'web' } });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().state, 'starting');
    await orch.settle();
    const env = (await app.inject({ url: '/api/v1/environments/demo', headers: as(admin) })).json();
    assert.equal(env.state, 'running');
    assert.equal(env.url, 'http://demo.localhost:7080/');
    assert.deepEqual(env.ports.map((p: { url: string; share: string }) => [p.url, p.share]), [
      ['http://8080--demo.localhost:7080/', 'owner'],
      ['http://3000--demo.localhost:7080/', 'public'],
    ]);
    assert.ok(env.idleStopAt);
    const list = (await app.inject({ url: '/api/v1/environments?state=running', headers: as(admin) })).json();
    assert.deepEqual(list.items.map((e: { name: string }) => e.name), ['demo']);
    const events = (await app.inject({ url: '/api/v1/environments/demo/events', headers: as(admin) })).json();
    assert.deepEqual(events.items.map((e: { type: string }) => e.type), ['created', 'queued', 'provisioning', 'ready']);
  });

  test('bad input gets a 4xx that names the field and changes nothing', async () => {
    const before = (await store.listEnvironments()).length;
    const cases: [unknown, number, RegExp][] = [
      [{ name: 'Bad Name', template: 'web' }, 400, /name/],
      [{ name: 'ok', template: 'missing' }, 404, /template "missing" does not exist/],
      [{ name: 'ok' }, 400, /body\.template/],
      [{ name: 'ok', template: 'web', extra: 1 }, 400, /extra|unrecognized/i],
      [{ name: 'demo', template: 'web' }, 409, /already exists/],
    ];
    for (const [payload, status, message] of cases) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/environments', headers: as(admin), payload: payload as object });
      assert.equal(r.statusCode, status, JSON.stringify(payload));
      assert.match(r.json().error.message, message);
    }
    const malformed = await app.inject({ method: 'POST', url: '/api/v1/environments', headers: { ...as(admin), 'content-type': 'application/json' }, payload: '{"name":' });
    assert.equal(malformed.statusCode, 400);
    assert.equal((await store.listEnvironments()).length, before);
  });

  test('members: own environments only, 404 for others; tokens shown once and revocable', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/users', headers: as(admin), payload: { name: 'alice' } });
    assert.equal(created.statusCode, 201, created.body);
    const alice = created.json().token as string;
    assert.equal((await app.inject({ url: '/api/v1/environments/demo', headers: as(alice) })).statusCode, 404);
    assert.equal((await app.inject({ url: '/api/v1/users', headers: as(alice) })).statusCode, 403);
    assert.deepEqual((await app.inject({ url: '/api/v1/environments', headers: as(alice) })).json().items, []);
    const t = (await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: as(alice), payload: { label: 'ci', expiresIn: '1h' } })).json();
    assert.ok(t.secret.startsWith('alk_'));
    const listed = (await app.inject({ url: '/api/v1/tokens', headers: as(alice) })).json().items;
    assert.ok(listed.every((x: Record<string, unknown>) => !('hash' in x) && !('secret' in x)));
    assert.equal((await app.inject({ url: '/api/v1/me', headers: as(t.secret) })).json().name, 'alice');
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${t.token.id}`, headers: as(alice) })).statusCode, 200);
    const revoked = await app.inject({ url: '/api/v1/me', headers: as(t.secret) });
    assert.equal(revoked.statusCode, 401);
    assert.match(revoked.json().error.message, /revoked/);
  });

  test('stop of a stopped environment is a no-op, not an error', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/environments/demo/stop', headers: as(admin) })).statusCode, 202);
    await orch.settle();
    const r = await app.inject({ method: 'POST', url: '/api/v1/environments/demo/stop', headers: as(admin) });
    assert.equal(r.statusCode, 202);
    assert.equal(r.json().state, 'stopped');
  });

  test('reads carry an ETag; an unchanged list answers 304 with no body, a changed one 200', async () => {
    const first = await app.inject({ url: '/api/v1/environments', headers: as(admin) });
    const etag = first.headers.etag as string;
    assert.match(etag, /^W\/"/);
    assert.equal(first.headers['cache-control'], 'private, no-cache');
    const same = await app.inject({ url: '/api/v1/environments', headers: { ...as(admin), 'if-none-match': etag } });
    assert.equal(same.statusCode, 304);
    assert.equal(same.body, '');
    await app.inject({ method: 'POST', url: '/api/v1/environments', headers: as(admin), payload: { name: 'etag-test', template: 'web' } });
    const changed = await app.inject({ url: '/api/v1/environments', headers: { ...as(admin), 'if-none-match': etag } });
    assert.equal(changed.statusCode, 200);
    assert.notEqual(changed.headers.etag, etag);
  });

  test('unknown routes say where the API is described', async () => {
    const r = await app.inject({ url: '/api/v1/nope', headers: as(admin) });
    assert.equal(r.statusCode, 404);
    assert.match(r.json().error.message, /openapi\.json/);
  });
});
