import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN, startHarness, type Harness } from './harness.js';
import { ASSET_PREFIX, CONTENT_SECURITY_POLICY, PAGE_ROUTES, staticRoot } from '../../src/web/plugin.js';

describe('dashboard plugin', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test('finds its static folder from source and from the compiled file', () => {
    const root = staticRoot();
    assert.ok(existsSync(join(root, 'index.html')), root);
    assert.ok(existsSync(join(root, 'js', 'main.js')));
  });

  test('serves index.html at / with security headers and revalidation', async () => {
    const r = await h.app.inject({ url: '/' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.body, /<script type="module" src="\/assets\/js\/main.js"><\/script>/);
    assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.ok(r.headers.etag);
    const again = await h.app.inject({ url: '/', headers: { 'if-none-match': String(r.headers.etag) } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
  });

  test('every page route answers with the same index.html (the browser picks the page)', async () => {
    const index = (await h.app.inject({ url: '/' })).body;
    for (const path of ['/signin', '/signin?next=%2Fruner', '/environments/demo', '/runner', '/tokens']) {
      const r = await h.app.inject({ url: path });
      assert.equal(r.statusCode, 200, path);
      assert.equal(r.body, index, path);
    }
    assert.equal(PAGE_ROUTES.length, 5);
  });

  test('assets carry their content types; unknown files are 404 and nothing escapes the folder', async () => {
    const cases: [string, string][] = [
      ['js/main.js', 'text/javascript; charset=utf-8'],
      ['js/pages/environments.js', 'text/javascript; charset=utf-8'],
      ['app.css', 'text/css; charset=utf-8'],
      ['icon.svg', 'image/svg+xml'],
    ];
    for (const [file, type] of cases) {
      const r = await h.app.inject({ url: `${ASSET_PREFIX}${file}` });
      assert.equal(r.statusCode, 200, file);
      assert.equal(r.headers['content-type'], type, file);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.ok(r.body.length > 100, file);
    }
    for (const bad of ['nope.js', '../plugin.ts', '..%2Fplugin.ts', '%2e%2e/%2e%2e/package.json', 'index.html']) {
      assert.equal((await h.app.inject({ url: `${ASSET_PREFIX}${bad}` })).statusCode, 404, bad);
    }
    const icon = await h.app.inject({ url: '/favicon.ico' });
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
  });

  test('every module the page imports exists (no missing file at run time)', async () => {
    const seen = new Set<string>();
    const queue = ['js/main.js'];
    while (queue.length) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const r = await h.app.inject({ url: `${ASSET_PREFIX}${file}` });
      assert.equal(r.statusCode, 200, `${file} is imported but not served`);
      for (const m of r.body.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)) {
        const target = new URL(m[1]!, `http://x/${file}`).pathname.slice(1);
        queue.push(target);
      }
    }
    assert.ok(seen.size >= 10, `only ${seen.size} modules found`);
  });

  test('does not shadow the API or /metrics, and unknown paths stay 404', async () => {
    const health = await h.app.inject({ url: '/api/v1/health' });
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().status, 'ok');
    const missing = await h.app.inject({ url: '/api/v1/nothing-here', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'not_found');
    const noAuth = await h.app.inject({ url: '/api/v1/environments' });
    assert.equal(noAuth.statusCode, 401);
    assert.equal((await h.app.inject({ url: '/metrics' })).statusCode, 404, 'this harness has no metrics: the dashboard must not answer');
    for (const path of ['/environments', '/environments/a/b', '/random', '/api']) {
      const r = await h.app.inject({ url: path });
      assert.equal(r.statusCode, 404, path);
      assert.doesNotMatch(r.body, /<html/, path);
    }
  });
});
