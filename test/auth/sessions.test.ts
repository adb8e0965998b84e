import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { User } from '../../src/core/environment.js';
import { SessionManager, readCookie, sessionCookie } from '../../src/auth/sessions.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

let store: SqliteStore;
const alice: User = { name: 'alice', role: 'member', createdAt: '2026-01-01T00:00:00.000Z' };

before(async () => {
  store = SqliteStore.open(':memory:');
  await store.createUser(alice);
});
after(() => store.close());

test('a session cookie verifies on its host only, with or without the port, and not once altered', async () => {
  const sessions = await SessionManager.open(store);
  const { value } = await sessions.create(alice, '8080--demo.localhost:7080');
  assert.deepEqual(await sessions.verify(value, '8080--demo.localhost:7080'), alice);
  assert.deepEqual(await sessions.verify(value, '8080--DEMO.localhost'), alice);
  assert.equal(await sessions.verify(value, '3000--demo.localhost:7080'), undefined);
  const [id, exp, sig] = value.split('.');
  assert.equal(await sessions.verify(`${id}.${Number(exp) + 1000}.${sig}`, '8080--demo.localhost'), undefined, 'a longer expiry breaks the signature');
  assert.equal(await sessions.verify(`${id}.${exp}.${sig!.slice(0, -2)}AA`, '8080--demo.localhost'), undefined);
  assert.equal(await sessions.verify('garbage', '8080--demo.localhost'), undefined);
});

test('a second manager (another replica) shares the key and sees revocations after its cache', async () => {
  const a = await SessionManager.open(store, { cacheMs: 0 });
  const b = await SessionManager.open(store, { cacheMs: 0 });
  const { value } = await a.create(alice, 'demo.localhost');
  assert.deepEqual(await b.verify(value, 'demo.localhost'), alice);
  await a.revoke(value);
  assert.equal(await a.verify(value, 'demo.localhost'), undefined);
  assert.equal(await b.verify(value, 'demo.localhost'), undefined);
  assert.ok((await store.getSession(value.split('.')[0]!))?.revokedAt);
});

test('sessions expire', async () => {
  let now = Date.parse('2026-03-01T00:00:00Z');
  const sessions = await SessionManager.open(store, { ttlSeconds: 60, cacheMs: 10_000, now: () => now });
  const { value } = await sessions.create(alice, 'demo.localhost');
  assert.ok(await sessions.verify(value, 'demo.localhost'));
  now += 61_000;
  assert.equal(await sessions.verify(value, 'demo.localhost'), undefined, 'expired even while cached');
});

test('codes work once, on their host, before they expire', async () => {
  let now = Date.now();
  const sessions = await SessionManager.open(store, { codeTtlSeconds: 30, now: () => now });
  const code = await sessions.issueCode(alice, 'demo.localhost:7080');
  assert.equal(await sessions.exchangeCode(code, 'other.localhost'), undefined, 'wrong host (and the code is now spent)');
  const code2 = await sessions.issueCode(alice, 'demo.localhost');
  const issued = await sessions.exchangeCode(code2, 'demo.localhost:7080');
  assert.ok(issued);
  assert.equal(issued.session.host, 'demo.localhost');
  assert.equal(await sessions.exchangeCode(code2, 'demo.localhost'), undefined, 'single use');
  const code3 = await sessions.issueCode(alice, 'demo.localhost');
  now += 31_000;
  assert.equal(await sessions.exchangeCode(code3, 'demo.localhost'), undefined, 'expired');
});

test('cookie helpers', () => {
  assert.equal(sessionCookie('airlock_env_session', 'v', { secure: true, maxAgeSeconds: 10 }), 'airlock_env_session=v; Path=/; Max-Age=10; HttpOnly; SameSite=Lax; Secure');
  assert.equal(readCookie('a=1; airlock_env_session=xyz; b=2', 'airlock_env_session'), 'xyz');
  assert.equal(readCookie('xairlock_env_session=1', 'airlock_env_session'), undefined);
  assert.equal(readCookie(undefined, 'a'), undefined);
});
