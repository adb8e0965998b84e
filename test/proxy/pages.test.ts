import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { send, startHarness, type Harness } from './harness.js';

let h: Harness;
let closedPort: number;

before(async () => {
  h = await startHarness();
  // A port nothing listens on: reserve one, then free it.
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closedPort = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  await h.addEnv('sleepy', 'alice', 'stopped');
  await h.addEnv('booting', 'alice', 'starting');
  await h.addEnv('queued', 'alice', 'pending');
  await h.addEnv('broken', 'alice', 'failed', { reason: 'image <b>nope</b> not found' });
  await h.addEnv('nobody', 'alice', 'running', { targetPort: closedPort });
});
after(() => h.close());

const host = (label: string) => `${label}.localhost:${h.proxy.port}`;
const browser = (who?: 'alice' | 'bob') => ({ accept: 'text/html', ...(who ? { authorization: `Bearer ${h.users[who].token}` } : {}) });

describe('pages for environments that are not ready', () => {
  test('stopped: an HTML page with a Start button for the owner, without one for others', async () => {
    const before = h.upstream.seen.length;
    const owner = await send(h.proxy.port, host('sleepy'), '/', { headers: browser('alice') });
    assert.equal(owner.status, 503);
    assert.match(owner.headers['content-type']!, /text\/html/);
    assert.match(owner.body, /sleepy is stopped/);
    assert.match(owner.body, /<form method="post" action="\/__airlock\/start"><button type="submit">Start<\/button>/);
    const other = await send(h.proxy.port, host('4000--sleepy'), '/', { headers: browser('bob') });
    assert.equal(other.status, 503);
    assert.doesNotMatch(other.body, /<form/);
    assert.equal(h.upstream.seen.length, before);
  });

  test('the Start button starts it for the owner; cross-site posts and other users are refused', async () => {
    const cookie = await signInCookie('alice', 'sleepy');
    const crossSite = await send(h.proxy.port, host('sleepy'), '/__airlock/start', { method: 'POST', headers: { cookie, origin: 'http://evil.example', accept: 'text/html' } });
    assert.equal(crossSite.status, 403);
    assert.deepEqual(h.started, []);
    const bob = await send(h.proxy.port, host('sleepy'), '/__airlock/start', { method: 'POST', headers: { authorization: `Bearer ${h.users.bob.token}` } });
    assert.equal(bob.status, 403);
    assert.deepEqual(h.started, []);
    const ok = await send(h.proxy.port, host('sleepy'), '/__airlock/start', { method: 'POST', headers: { cookie, origin: `http://${host('sleepy')}`, accept: 'text/html' } });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, '/');
    assert.deepEqual(h.started, ['sleepy']);
    const get = await send(h.proxy.port, host('sleepy'), '/__airlock/start', { headers: { cookie } });
    assert.equal(get.status, 405);
  });

  test('starting and pending: a page that refreshes itself', async () => {
    for (const name of ['booting', 'queued']) {
      const r = await send(h.proxy.port, host(name), '/', { headers: browser('alice') });
      assert.equal(r.status, 503);
      assert.match(r.body, /<meta http-equiv="refresh" content="2">/);
      assert.equal(r.headers['retry-after'], '2');
    }
    const api = await send(h.proxy.port, host('booting'), '/', { headers: { authorization: `Bearer ${h.users.alice.token}` } });
    assert.equal(JSON.parse(api.body).error.code, 'environment_starting');
  });

  test('failed: the reason, escaped', async () => {
    const r = await send(h.proxy.port, host('broken'), '/', { headers: browser('alice') });
    assert.equal(r.status, 503);
    assert.match(r.body, /image &lt;b&gt;nope&lt;\/b&gt; not found/);
    assert.doesNotMatch(r.body, /<b>nope/);
  });

  test('running but nothing listening: a 502 page that says what happened', async () => {
    const r = await send(h.proxy.port, host('nobody'), '/', { headers: browser('alice') });
    assert.equal(r.status, 502);
    assert.match(r.body, /nothing answered on port 8080 \(connection refused\)/);
  });

  test('a signed-out visitor is sent to sign in before seeing any state', async () => {
    const r = await send(h.proxy.port, host('sleepy'), '/', { headers: browser() });
    assert.equal(r.status, 302);
  });

  test('a bad or replayed sign-in code is refused', async () => {
    const r = await send(h.proxy.port, host('sleepy'), '/__airlock/callback?code=forged&return=/');
    assert.equal(r.status, 400);
    assert.equal(r.headers['set-cookie'], undefined);
  });

  test('the callback only returns to paths on the same host', async () => {
    for (const ret of ['//evil.example/x', 'http://evil.example/', '/\\evil.example', '/ok?x=1']) {
      const code = await h.sessions.issueCode(h.users.alice.user, host('sleepy'));
      const r = await send(h.proxy.port, host('sleepy'), `/__airlock/callback?code=${code}&return=${encodeURIComponent(ret)}`);
      assert.equal(r.status, 302);
      assert.equal(r.headers.location, ret === '/ok?x=1' ? '/ok?x=1' : '/', ret);
    }
  });

  test('a code issued for one host does not work on another', async () => {
    const code = await h.sessions.issueCode(h.users.alice.user, host('sleepy'));
    const r = await send(h.proxy.port, host('3000--sleepy'), `/__airlock/callback?code=${code}&return=/`);
    assert.equal(r.status, 400);
  });
});

async function signInCookie(who: 'alice' | 'bob', label: string): Promise<string> {
  const code = await h.sessions.issueCode(h.users[who].user, host(label));
  const r = await send(h.proxy.port, host(label), `/__airlock/callback?code=${code}&return=/`);
  assert.equal(r.status, 302);
  return String(r.headers['set-cookie']).split(';')[0]!;
}
