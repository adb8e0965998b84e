import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { send, startHarness, type Harness } from './harness.js';

let h: Harness;
let host: (label: string) => string;

before(async () => {
  h = await startHarness();
  host = (label) => `${label}.localhost:${h.proxy.port}`;
  await h.addEnv('demo', 'alice', 'running');
});
after(() => h.close());

const bearer = (who: 'alice' | 'bob' | 'root') => ({ authorization: `Bearer ${h.users[who].token}` });

describe('routing by host', () => {
  test('<name>.<domain> reaches the default (first declared) port, <port>--<name> that port', async () => {
    const a = await send(h.proxy.port, host('demo'), '/hello?x=1', { headers: bearer('alice') });
    assert.equal(a.status, 200);
    assert.equal(JSON.parse(a.body).url, '/hello?x=1');
    const b = await send(h.proxy.port, host('8080--demo'), '/p', { headers: bearer('alice') });
    assert.equal(b.status, 200);
    assert.equal(b.headers['x-upstream'], 'yes');
  });

  test('an unknown environment is 404 and reaches no upstream', async () => {
    const before = h.upstream.seen.length;
    const r = await send(h.proxy.port, host('nosuch'), '/', { headers: bearer('root') });
    assert.equal(r.status, 404);
    assert.equal(JSON.parse(r.body).error.code, 'not_found');
    assert.equal(h.upstream.seen.length, before);
  });

  test('a port the template does not declare is 404 and reaches no upstream', async () => {
    const before = h.upstream.seen.length;
    const r = await send(h.proxy.port, host('9999--demo'), '/', { headers: bearer('alice') });
    assert.equal(r.status, 404);
    assert.equal(JSON.parse(r.body).error.code, 'port_not_declared');
    assert.match(JSON.parse(r.body).error.message, /8080, 3000, 4000/);
    assert.equal(h.upstream.seen.length, before);
  });

  test('a host outside the domain is not the proxy\'s (standalone proxy answers 404)', async () => {
    const r = await send(h.proxy.port, `127.0.0.1:${h.proxy.port}`, '/');
    assert.equal(r.status, 404);
    assert.equal(h.proxy.proxy.isProxyHost(`127.0.0.1:${h.proxy.port}`), false);
    assert.equal(h.proxy.proxy.isProxyHost('localhost:7080'), false);
    assert.equal(h.proxy.proxy.isProxyHost('8080--demo.localhost:7080'), true);
  });
});

describe('authentication and share levels', () => {
  test('a browser without credentials is redirected to the runner\'s authorize endpoint', async () => {
    const before = h.upstream.seen.length;
    const r = await send(h.proxy.port, host('demo'), '/some/page?q=1', { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(r.status, 302);
    const loc = new URL(r.headers.location!);
    assert.equal(`${loc.origin}${loc.pathname}`, `${h.runnerUrl}/api/v1/auth/authorize`);
    assert.equal(loc.searchParams.get('host'), host('demo'));
    assert.equal(loc.searchParams.get('return'), '/some/page?q=1');
    assert.equal(h.upstream.seen.length, before);
  });

  test('an API client without credentials gets 401 JSON', async () => {
    const r = await send(h.proxy.port, host('demo'), '/', { headers: { accept: 'application/json' } });
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(r.body).error.code, 'unauthorized');
  });

  test('a wrong token is 401 too', async () => {
    const r = await send(h.proxy.port, host('demo'), '/', { headers: { authorization: 'Bearer alk_tok_aaaaaaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    assert.equal(r.status, 401);
  });

  test('another user\'s owner port is 403; an admin may pass', async () => {
    const before = h.upstream.seen.length;
    const r = await send(h.proxy.port, host('demo'), '/', { headers: bearer('bob') });
    assert.equal(r.status, 403);
    assert.equal(h.upstream.seen.length, before);
    const admin = await send(h.proxy.port, host('demo'), '/', { headers: bearer('root') });
    assert.equal(admin.status, 200);
  });

  test('an org port is open to any signed-in user but not to anonymous ones', async () => {
    assert.equal((await send(h.proxy.port, host('3000--demo'), '/', { headers: bearer('bob') })).status, 200);
    assert.equal((await send(h.proxy.port, host('3000--demo'), '/')).status, 401);
  });

  test('a public port answers without credentials', async () => {
    const r = await send(h.proxy.port, host('4000--demo'), '/pub');
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).url, '/pub');
  });

  test('cookie sign-in: authorize → one-time code → host-only session cookie → 200', async () => {
    const envHost = host('8080--demo');
    // 1. no session on the environment host: off to the runner
    const first = await send(h.proxy.port, envHost, '/app?tab=2', { headers: { accept: 'text/html' } });
    assert.equal(first.status, 302);
    const authorize = new URL(first.headers.location!);
    const runnerPort = Number(new URL(h.runnerUrl).port);
    // 2. no dashboard session either: the runner sends the browser to its sign-in page
    const noSession = await send(runnerPort, `127.0.0.1:${runnerPort}`, authorize.pathname + authorize.search);
    assert.equal(noSession.status, 302);
    assert.ok(noSession.headers.location!.startsWith('/signin?next='));
    // 3. sign in on the dashboard with a token
    const login = await send(runnerPort, `127.0.0.1:${runnerPort}`, '/api/v1/auth/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: h.users.alice.token }),
    });
    assert.equal(login.status, 200, login.body);
    const dashCookie = String(login.headers['set-cookie']).split(';')[0]!;
    assert.match(dashCookie, /^airlock_session=/);
    // 4. authorize now hands out a code for the environment host
    const back = await send(runnerPort, `127.0.0.1:${runnerPort}`, authorize.pathname + authorize.search, { headers: { cookie: dashCookie } });
    assert.equal(back.status, 302);
    const callback = new URL(back.headers.location!);
    assert.equal(callback.host, envHost);
    assert.equal(callback.pathname, '/__airlock/callback');
    // 5. the proxy exchanges it for a cookie on that exact host
    const exchanged = await send(h.proxy.port, envHost, callback.pathname + callback.search);
    assert.equal(exchanged.status, 302);
    assert.equal(exchanged.headers.location, '/app?tab=2');
    const setCookie = String(exchanged.headers['set-cookie']);
    assert.match(setCookie, /^airlock_env_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    assert.ok(!/Domain=/i.test(setCookie), 'host-only cookie');
    const cookie = setCookie.split(';')[0]!;
    // 6. the code works once
    assert.equal((await send(h.proxy.port, envHost, callback.pathname + callback.search)).status, 400);
    // 7. the cookie opens the environment, and only on its own host
    const ok = await send(h.proxy.port, envHost, '/app?tab=2', { headers: { cookie, accept: 'application/json' } });
    assert.equal(ok.status, 200);
    const other = await send(h.proxy.port, host('3000--demo'), '/', { headers: { cookie, accept: 'application/json' } });
    assert.equal(other.status, 401, 'a cookie for one host does not work on another');
    // 8. sign-out revokes it
    const out = await send(h.proxy.port, envHost, '/__airlock/signout', { headers: { cookie } });
    assert.equal(out.status, 200);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    assert.equal((await send(h.proxy.port, envHost, '/', { headers: { cookie, accept: 'application/json' } })).status, 401);
  });

  test('authorize refuses hosts outside the domain (no open redirect)', async () => {
    const runnerPort = Number(new URL(h.runnerUrl).port);
    for (const bad of ['evil.com', 'demo.localhost.evil.com', 'localhost', 'a.b.localhost', 'demo.localhost:80/x']) {
      const r = await send(runnerPort, `127.0.0.1:${runnerPort}`, `/api/v1/auth/authorize?host=${encodeURIComponent(bad)}&return=/`);
      assert.equal(r.status, 400, bad);
    }
  });
});

describe('what reaches the upstream', () => {
  test('Airlock cookies and token are stripped, the app\'s own cookies kept, X-Forwarded-* set, hop-by-hop removed', async () => {
    const r = await send(h.proxy.port, host('demo'), '/h', {
      headers: {
        ...bearer('alice'),
        cookie: 'app=1; airlock_session=abc; airlock_env_session=def; other=2',
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': 'drop me',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic xyz',
        'x-forwarded-for': '6.6.6.6',
        'x-custom': 'kept',
      },
    });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body).headers as Record<string, string>;
    assert.equal(seen.cookie, 'app=1; other=2');
    assert.equal(seen.authorization, undefined);
    assert.equal(seen['x-secret-hop'], undefined);
    assert.equal(seen['keep-alive'], undefined);
    assert.equal(seen['proxy-authorization'], undefined);
    assert.equal(seen['x-custom'], 'kept');
    assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'client-supplied X-Forwarded-For is not trusted');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-host'], host('demo'));
    assert.equal(seen.host, host('demo'), 'Host is passed through (apps compare it with Origin)');
    // and on the way back: the upstream's hop-by-hop headers are not relayed
    assert.equal(r.headers['x-hop'], undefined);
    assert.equal(r.headers['x-upstream'], 'yes');
  });

  test('only Airlock cookies: the Cookie header is dropped entirely', async () => {
    const r = await send(h.proxy.port, host('demo'), '/', { headers: { ...bearer('alice'), cookie: 'airlock_env_session=x' } });
    assert.equal(JSON.parse(r.body).headers.cookie, undefined);
  });

  test('a non-Airlock Authorization header on a public port reaches the app', async () => {
    const r = await send(h.proxy.port, host('4000--demo'), '/', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(JSON.parse(r.body).headers.authorization, 'Basic dXNlcjpwYXNz');
    const t = await send(h.proxy.port, host('4000--demo'), '/', { headers: bearer('alice') });
    assert.equal(JSON.parse(t.body).headers.authorization, undefined, 'an Airlock token never reaches the app');
  });

  test('traffic is counted as activity for the environment', async () => {
    const env = await h.store.getEnvironment('demo');
    const before = h.activity.counters(env!.id)?.requests ?? 0;
    await send(h.proxy.port, host('4000--demo'), '/');
    assert.equal(h.activity.counters(env!.id)!.requests, before + 1);
  });
});
