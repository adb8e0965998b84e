import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { User } from '../../src/core/environment.js';
import { SessionManager } from '../../src/auth/sessions.js';
import { AUTH_PUBLIC_PATHS, authRoutes } from '../../src/orchestrator/api/auth.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

let store: SqliteStore;
let app: FastifyInstance;
let sessions: SessionManager;
const alice: User = { name: 'alice', role: 'member', createdAt: '2026-01-01T00:00:00.000Z' };

before(async () => {
  store = SqliteStore.open(':memory:');
  await store.createUser(alice);
  sessions = await SessionManager.open(store);
  app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(
    authRoutes({
      sessions,
      verifyBearer: async (secret) => (secret === 'good-token-123456' ? { user: alice } : undefined),
      domain: 'dev.example.com',
      runnerUrl: 'https://dev.example.com',
    }),
    { prefix: '/api/v1' },
  );
  await app.ready();
});
after(async () => {
  await app.close();
  await store.close();
});

const signIn = async () => {
  const r = await app.inject({ method: 'POST', url: '/api/v1/auth/session', headers: { host: 'dev.example.com' }, payload: { token: 'good-token-123456' } });
  assert.equal(r.statusCode, 200);
  const setCookie = String(r.headers['set-cookie']);
  assert.match(setCookie, /^airlock_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/, 'Secure over https');
  return setCookie.split(';')[0]!;
};

test('POST /auth/session: a valid token gives a dashboard cookie, a bad one 401, a bad body 400', async () => {
  const cookie = await signIn();
  assert.ok(await sessions.verify(cookie.slice('airlock_session='.length), 'dev.example.com'));
  const bad = await app.inject({ method: 'POST', url: '/api/v1/auth/session', payload: { token: 'nope' } });
  assert.equal(bad.statusCode, 401);
  assert.equal(bad.json().error.code, 'unauthorized');
  const invalid = await app.inject({ method: 'POST', url: '/api/v1/auth/session', payload: { tok: 'x' } });
  assert.equal(invalid.statusCode, 400);
});

test('GET /auth/authorize: https callback on the environment host with a code that redeems once', async () => {
  const cookie = await signIn();
  const r = await app.inject({
    method: 'GET',
    url: `/api/v1/auth/authorize?host=${encodeURIComponent('8080--demo.dev.example.com')}&return=${encodeURIComponent('/x?y=1')}`,
    headers: { host: 'dev.example.com', cookie },
  });
  assert.equal(r.statusCode, 302);
  const loc = new URL(String(r.headers.location));
  assert.equal(loc.origin, 'https://8080--demo.dev.example.com');
  assert.equal(loc.pathname, '/__airlock/callback');
  assert.equal(loc.searchParams.get('return'), '/x?y=1');
  const issued = await sessions.exchangeCode(loc.searchParams.get('code')!, '8080--demo.dev.example.com');
  assert.equal(issued?.session.user, 'alice');
});

test('GET /auth/authorize: no session → sign-in page with a way back; foreign hosts refused', async () => {
  const r = await app.inject({ method: 'GET', url: '/api/v1/auth/authorize?host=demo.dev.example.com&return=/' });
  assert.equal(r.statusCode, 302);
  const loc = String(r.headers.location);
  assert.ok(loc.startsWith('/signin?next='));
  assert.equal(decodeURIComponent(loc.slice('/signin?next='.length)), '/api/v1/auth/authorize?host=demo.dev.example.com&return=/');
  for (const host of ['evil.com', 'dev.example.com', 'demo.dev.example.com.evil.com', 'demo.dev.example.com.']) {
    const bad = await app.inject({ method: 'GET', url: `/api/v1/auth/authorize?host=${encodeURIComponent(host)}` });
    assert.equal(bad.statusCode, 400, host);
  }
});

test('DELETE /auth/session signs out: the cookie stops working and is cleared', async () => {
  const cookie = await signIn();
  const r = await app.inject({ method: 'DELETE', url: '/api/v1/auth/session', headers: { host: 'dev.example.com', cookie } });
  assert.equal(r.statusCode, 204);
  assert.match(String(r.headers['set-cookie']), /^airlock_session=; .*Max-Age=0/);
  assert.equal(await sessions.verify(cookie.slice('airlock_session='.length), 'dev.example.com'), undefined);
  assert.deepEqual(AUTH_PUBLIC_PATHS, ['/api/v1/auth/session', '/api/v1/auth/authorize']);
});
