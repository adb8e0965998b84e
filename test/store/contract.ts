/**
 * The behaviour every Store adapter must have. Each adapter's test file calls
 * `storeContract('<adapter>', open)`; `open` returns a fresh, empty store and a
 * cleanup that closes it and removes whatever it created.
 *
 * What is pinned here beyond the comments in src/store/store.ts (adapters must agree):
 * - records come back deep-equal to what was stored: optional fields that were never
 *   set are absent (not `undefined`-valued keys);
 * - a new environment has version 1, generation 0 unless given, and
 *   createdAt = updatedAt = lastActiveAt;
 * - createUser / createToken / createSession refuse an existing key with AlreadyExistsError;
 * - touchActivity, removeEnvironment and releaseLease on something unknown are no-ops;
 * - listEvents of an unknown environment is empty.
 * Orders are not pinned except where the port says so (events: oldest first).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthCode, Environment, Session, Token, User } from '../../src/core/environment.js';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../../src/core/errors.js';
import type { EnvState } from '../../src/core/lifecycle.js';
import { templateSchema } from '../../src/core/template.js';
import type { NewEnvironment, Store } from '../../src/store/store.js';

export interface OpenedStore {
  store: Store;
  /** Closes the store and removes what `open` created (files, tables). */
  cleanup(): Promise<void>;
}

const spec = templateSchema.parse({
  name: 'base',
  command: ['node', 'server.js', '{port}'],
  ports: [{ port: 8080, name: 'ide' }, { port: 3000, share: 'org' }],
  env: { GREETING: 'hello' },
});

let counter = 0;
/** A new environment with unique id and name (overridable). */
function newEnv(over: Partial<NewEnvironment> = {}): NewEnvironment {
  counter += 1;
  return {
    id: `env_contract${counter}`,
    name: `env-${counter}`,
    owner: 'alice',
    template: 'base',
    spec,
    state: 'pending',
    ...over,
  };
}

function byName(a: Environment, b: Environment): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';
const T2 = '2026-01-01T00:02:00.000Z';
const T3 = '2026-01-01T00:03:00.000Z';

/** Registers the shared Store test suite for one adapter. */
export function storeContract(name: string, open: () => Promise<OpenedStore>): void {
  /** Runs `fn` against a fresh store and always cleans up. */
  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const { store, cleanup } = await open();
    try {
      await fn(store);
    } finally {
      await cleanup();
    }
  };

  describe(`Store contract: ${name}`, () => {
    describe('environments', () => {
      test('create returns the stored record and get/getById read it back', withStore(async (store) => {
        const input = newEnv({ instance: { provider: 'local', id: '123', address: '127.0.0.1', ports: { '8080': 41000 }, meta: { log: 'x.log' } } });
        const created = await store.createEnvironment(input);
        assert.equal(created.version, 1);
        assert.equal(created.generation, 0);
        assert.equal(created.state, 'pending');
        assert.equal(created.reason, undefined);
        assert.ok(!('reason' in created), 'an unset reason is absent, not undefined');
        assert.ok(!Number.isNaN(Date.parse(created.createdAt)), 'createdAt is an ISO timestamp');
        assert.equal(created.updatedAt, created.createdAt);
        assert.equal(created.lastActiveAt, created.createdAt);
        assert.deepEqual(created.spec, spec);
        assert.deepEqual(created.instance, input.instance);
        assert.deepEqual(await store.getEnvironment(input.name), created);
        assert.deepEqual(await store.getEnvironmentById(input.id), created);
        assert.equal(await store.getEnvironment('no-such-env'), undefined);
        assert.equal(await store.getEnvironmentById('env_nosuch'), undefined);
      }));

      test('create keeps a given generation and reason', withStore(async (store) => {
        const created = await store.createEnvironment(newEnv({ generation: 3, reason: 'imported', state: 'stopped' }));
        assert.equal(created.generation, 3);
        assert.equal(created.reason, 'imported');
        assert.equal(created.state, 'stopped');
      }));

      test('create with an event stores the event under the new id', withStore(async (store) => {
        const env = await store.createEnvironment(newEnv(), { type: 'created', message: 'by alice', at: T0 });
        assert.deepEqual(await store.listEvents(env.id), [{ envId: env.id, at: T0, type: 'created', message: 'by alice' }]);
        const env2 = await store.createEnvironment(newEnv(), { type: 'created', message: 'no time given' });
        const [ev] = await store.listEvents(env2.id);
        assert.ok(ev && !Number.isNaN(Date.parse(ev.at)), 'a missing `at` is filled in by the store');
      }));

      test('a duplicate name is refused with AlreadyExistsError and nothing changes', withStore(async (store) => {
        const first = await store.createEnvironment(newEnv({ name: 'dup' }));
        await assert.rejects(store.createEnvironment(newEnv({ name: 'dup', owner: 'bob' }), { type: 'created', message: 'x' }), AlreadyExistsError);
        assert.deepEqual(await store.getEnvironment('dup'), first);
        assert.equal((await store.listEnvironments()).length, 1);
      }));

      test('list returns everything, or filters by owner, by states, or both', withStore(async (store) => {
        const specs: Array<[string, string, EnvState]> = [
          ['a1', 'alice', 'running'],
          ['a2', 'alice', 'stopped'],
          ['a3', 'alice', 'failed'],
          ['b1', 'bob', 'running'],
          ['b2', 'bob', 'pending'],
        ];
        for (const [n, owner, state] of specs) await store.createEnvironment(newEnv({ name: n, owner, state }));
        const names = (envs: Environment[]) => envs.sort(byName).map((e) => e.name);
        assert.deepEqual(names(await store.listEnvironments()), ['a1', 'a2', 'a3', 'b1', 'b2']);
        assert.deepEqual(names(await store.listEnvironments({})), ['a1', 'a2', 'a3', 'b1', 'b2']);
        assert.deepEqual(names(await store.listEnvironments({ owner: 'alice' })), ['a1', 'a2', 'a3']);
        assert.deepEqual(names(await store.listEnvironments({ owner: 'carol' })), []);
        assert.deepEqual(names(await store.listEnvironments({ states: ['running'] })), ['a1', 'b1']);
        assert.deepEqual(names(await store.listEnvironments({ states: ['running', 'pending', 'failed'] })), ['a1', 'a3', 'b1', 'b2']);
        assert.deepEqual(names(await store.listEnvironments({ owner: 'bob', states: ['running', 'stopped'] })), ['b1']);
        const full = await store.listEnvironments({ owner: 'bob', states: ['pending'] });
        assert.deepEqual(full, [await store.getEnvironment('b2')], 'listed records are complete');
      }));

      test('remove deletes the record and its events, frees the name, and is idempotent', withStore(async (store) => {
        const env = await store.createEnvironment(newEnv({ name: 'reuse' }), { type: 'created', message: 'one' });
        await store.appendEvents(env.id, [{ type: 'note', message: 'two' }]);
        await store.removeEnvironment(env.id);
        assert.equal(await store.getEnvironment('reuse'), undefined);
        assert.equal(await store.getEnvironmentById(env.id), undefined);
        assert.deepEqual(await store.listEvents(env.id), []);
        assert.deepEqual(await store.listEnvironments(), []);
        await store.removeEnvironment(env.id);
        await store.removeEnvironment('env_neverexisted');

        const again = await store.createEnvironment(newEnv({ name: 'reuse' }), { type: 'created', message: 'fresh' });
        assert.notEqual(again.id, env.id);
        assert.equal(again.version, 1);
        assert.deepEqual((await store.listEvents(again.id)).map((e) => e.message), ['fresh'], 'old events do not leak into the new one');
      }));
    });

    describe('updateEnvironment (compare-and-set)', () => {
      test('applies the patch, bumps the version by 1, updates updatedAt and appends events', withStore(async (store) => {
        const env = await store.createEnvironment(newEnv());
        const instance = { provider: 'local', id: '4242', address: '127.0.0.1', ports: { '8080': 40001, '3000': 40002 } };
        const updated = await store.updateEnvironment(env.id, 1, { state: 'starting', generation: 1, instance }, [
          { type: 'queued', message: 'q', at: T1 },
          { type: 'provisioning', message: 'p', at: T2 },
        ]);
        assert.equal(updated.version, 2);
        assert.equal(updated.state, 'starting');
        assert.equal(updated.generation, 1);
        assert.deepEqual(updated.instance, instance);
        assert.ok(updated.updatedAt >= env.updatedAt);
        assert.equal(updated.createdAt, env.createdAt);
        assert.equal(updated.name, env.name);
        assert.deepEqual(await store.getEnvironmentById(env.id), updated);
        assert.deepEqual(
          (await store.listEvents(env.id)).map((e) => [e.envId, e.at, e.type, e.message]),
          [[env.id, T1, 'queued', 'q'], [env.id, T2, 'provisioning', 'p']],
        );
        const again = await store.updateEnvironment(env.id, 2, { state: 'running' });
        assert.equal(again.version, 3);
        assert.equal(again.generation, 1, 'fields not in the patch are kept');
        assert.deepEqual(again.instance, instance);
      }));

      test('an empty patch still bumps the version', withStore(async (store) => {
        const env = await store.createEnvironment(newEnv());
        const updated = await store.updateEnvironment(env.id, 1, {});
        assert.equal(updated.version, 2);
        assert.equal(updated.state, env.state);
      }));

      test('a stale version throws ConflictError and changes nothing (no events either)', withStore(async (store) => {
        const env = await store.createEnvironment(newEnv(), { type: 'created', message: 'c', at: T0 });
        const v2 = await store.updateEnvironment(env.id, 1, { state: 'starting' });
        await assert.rejects(
          store.updateEnvironment(env.id, 1, { state: 'deleting', reason: 'stale' }, [{ type: 'deleting', message: 'should not appear' }]),
          ConflictError,
        );
        await assert.rejects(store.updateEnvironment(env.id, 7, { state: 'deleting' }), ConflictError, 'a future version is stale too');
        assert.deepEqual(await store.getEnvironmentById(env.id), v2);
        assert.deepEqual((await store.listEvents(env.id)).map((e) => e.message), ['c']);
      }));

      test('updating a removed or unknown environment throws NotFoundError', withStore(async (store) => {
        const env = await store.createEnvironment(newEnv());
        await store.removeEnvironment(env.id);
        await assert.rejects(store.updateEnvironment(env.id, 1, { state: 'starting' }, [{ type: 'note', message: 'x' }]), NotFoundError);
        await assert.rejects(store.updateEnvironment('env_nosuch', 1, { state: 'starting' }), NotFoundError);
        assert.deepEqual(await store.listEvents(env.id), []);
      }));

      test('null clears instance and reason; undefined leaves them alone', withStore(async (store) => {
        const env = await store.createEnvironment(newEnv({ state: 'running', instance: { provider: 'local', id: '1' } }));
        const failed = await store.updateEnvironment(env.id, 1, { state: 'failed', reason: 'exited with code 1' });
        assert.equal(failed.reason, 'exited with code 1');
        assert.deepEqual(failed.instance, { provider: 'local', id: '1' });
        const cleared = await store.updateEnvironment(env.id, 2, { state: 'stopped', instance: null, reason: null });
        assert.ok(!('instance' in cleared) && !('reason' in cleared), 'cleared fields are absent');
        assert.deepEqual(await store.getEnvironmentById(env.id), cleared);
      }));

      test('20 concurrent updates with the same expected version: exactly one wins', withStore(async (store) => {
        const env = await store.createEnvironment(newEnv());
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store.updateEnvironment(env.id, 1, { generation: i + 1 }, [{ type: 'note', message: `writer ${i}` }]),
          ),
        );
        const won = results.filter((r): r is PromiseFulfilledResult<Environment> => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(won.length, 1);
        assert.equal(lost.length, 19);
        for (const r of lost) assert.ok(r.reason instanceof ConflictError, `expected ConflictError, got ${String(r.reason)}`);
        const stored = await store.getEnvironmentById(env.id);
        assert.equal(stored?.version, 2);
        assert.equal(stored?.generation, won[0]!.value.generation);
        const events = await store.listEvents(env.id);
        assert.deepEqual(events.map((e) => e.message), [`writer ${won[0]!.value.generation - 1}`], 'only the winner’s event is stored');
      }));
    });

    describe('activity and events', () => {
      test('touchActivity only moves lastActiveAt forward and never bumps the version', withStore(async (store) => {
        const env = await store.createEnvironment(newEnv());
        const later = new Date(Date.parse(env.lastActiveAt) + 60_000).toISOString();
        const earlier = new Date(Date.parse(env.lastActiveAt) - 60_000).toISOString();
        await store.touchActivity(env.id, later);
        let got = await store.getEnvironmentById(env.id);
        assert.equal(got?.lastActiveAt, later);
        assert.equal(got?.version, 1);
        await store.touchActivity(env.id, earlier);
        got = await store.getEnvironmentById(env.id);
        assert.equal(got?.lastActiveAt, later, 'an older timestamp does not move it back');
        assert.equal(got?.version, 1);
        // A CAS update that read version 1 still succeeds after activity was recorded.
        const updated = await store.updateEnvironment(env.id, 1, { state: 'starting' });
        assert.equal(updated.lastActiveAt, later);
        await store.touchActivity('env_nosuch', later);
      }));

      test('events come back oldest first, in append order for equal times', withStore(async (store) => {
        const env = await store.createEnvironment(newEnv(), { type: 'created', message: 'm0', at: T0 });
        await store.appendEvents(env.id, [
          { type: 'queued', message: 'm1', at: T1 },
          { type: 'provisioning', message: 'm2', at: T1 },
        ]);
        await store.appendEvents(env.id, [{ type: 'image_pulled', message: 'm3', at: T2 }]);
        await store.appendEvents(env.id, []);
        await store.appendEvents(env.id, [{ type: 'ready', message: 'm4', at: T3 }, { type: 'note', message: 'm5', at: T3 }]);
        const events = await store.listEvents(env.id);
        assert.deepEqual(events.map((e) => e.message), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
        assert.deepEqual(events[3], { envId: env.id, at: T2, type: 'image_pulled', message: 'm3' });
        const other = await store.createEnvironment(newEnv());
        assert.deepEqual(await store.listEvents(other.id), [], 'events belong to one environment');
        assert.deepEqual(await store.listEvents('env_nosuch'), []);
      }));
    });

    describe('users and tokens', () => {
      const alice: User = { name: 'alice', role: 'admin', createdAt: T0 };
      const bob: User = { name: 'bob', role: 'member', createdAt: T1 };

      test('users round-trip, list, and a duplicate is refused', withStore(async (store) => {
        assert.deepEqual(await store.createUser(alice), alice);
        await store.createUser(bob);
        assert.deepEqual(await store.getUser('alice'), alice);
        assert.equal(await store.getUser('carol'), undefined);
        assert.deepEqual((await store.listUsers()).sort((a, b) => a.name.localeCompare(b.name)), [alice, bob]);
        await assert.rejects(store.createUser({ ...alice, role: 'member' }), AlreadyExistsError);
        assert.deepEqual(await store.getUser('alice'), alice);
      }));

      test('tokens round-trip, list by user, revoke and mark used', withStore(async (store) => {
        await store.createUser(alice);
        await store.createUser(bob);
        const t1: Token = { id: 'tok_a1', user: 'alice', label: 'laptop', hash: 'a'.repeat(64), createdAt: T0 };
        const t2: Token = { id: 'tok_a2', user: 'alice', label: 'ci', hash: 'b'.repeat(64), createdAt: T1, expiresAt: T3 };
        const t3: Token = { id: 'tok_b1', user: 'bob', label: 'laptop', hash: 'c'.repeat(64), createdAt: T2 };
        assert.deepEqual(await store.createToken(t1), t1);
        await store.createToken(t2);
        await store.createToken(t3);
        assert.deepEqual(await store.getToken('tok_a1'), t1);
        assert.deepEqual(await store.getToken('tok_a2'), t2);
        assert.equal(await store.getToken('tok_nosuch'), undefined);
        await assert.rejects(store.createToken({ ...t1, label: 'again' }), AlreadyExistsError);

        const ids = (ts: Token[]) => ts.map((t) => t.id).sort();
        assert.deepEqual(ids(await store.listTokens()), ['tok_a1', 'tok_a2', 'tok_b1']);
        assert.deepEqual(ids(await store.listTokens('alice')), ['tok_a1', 'tok_a2']);
        assert.deepEqual(ids(await store.listTokens('bob')), ['tok_b1']);
        assert.deepEqual(await store.listTokens('carol'), []);

        await store.markTokenUsed('tok_a1', T2);
        assert.deepEqual(await store.getToken('tok_a1'), { ...t1, lastUsedAt: T2 });
        await store.revokeToken('tok_a1', T3);
        assert.deepEqual(await store.getToken('tok_a1'), { ...t1, lastUsedAt: T2, revokedAt: T3 });
        assert.deepEqual(await store.getToken('tok_a2'), t2, 'other tokens are untouched');
        assert.equal((await store.listTokens('alice')).find((t) => t.id === 'tok_a1')?.revokedAt, T3);
      }));
    });

    describe('sessions and auth codes', () => {
      const session: Session = { id: 'ses_1', user: 'alice', host: '3000--demo.localhost', createdAt: T0, expiresAt: T3 };

      test('sessions round-trip and can be revoked', withStore(async (store) => {
        assert.deepEqual(await store.createSession(session), session);
        assert.deepEqual(await store.getSession('ses_1'), session);
        assert.equal(await store.getSession('ses_nosuch'), undefined);
        await assert.rejects(store.createSession({ ...session, user: 'bob' }), AlreadyExistsError);
        await store.revokeSession('ses_1', T1);
        assert.deepEqual(await store.getSession('ses_1'), { ...session, revokedAt: T1 });
      }));

      test('an auth code is consumed once', withStore(async (store) => {
        const code: AuthCode = { hash: 'd'.repeat(64), user: 'alice', host: 'demo.localhost', expiresAt: T1 };
        await store.createAuthCode(code);
        await store.createAuthCode({ ...code, hash: 'e'.repeat(64) });
        assert.deepEqual(await store.consumeAuthCode(code.hash), code);
        assert.equal(await store.consumeAuthCode(code.hash), undefined);
        assert.equal(await store.consumeAuthCode('f'.repeat(64)), undefined);
        assert.equal((await store.consumeAuthCode('e'.repeat(64)))?.host, 'demo.localhost', 'other codes are untouched');
      }));

      test('concurrent consumes of one code: exactly one wins', withStore(async (store) => {
        const code: AuthCode = { hash: '9'.repeat(64), user: 'alice', host: 'demo.localhost', expiresAt: T1 };
        await store.createAuthCode(code);
        const results = await Promise.all(Array.from({ length: 10 }, () => store.consumeAuthCode(code.hash)));
        const winners = results.filter((r) => r !== undefined);
        assert.equal(winners.length, 1);
        assert.deepEqual(winners[0], code);
      }));
    });

    describe('settings', () => {
      test('first writer wins and every writer learns the stored value', withStore(async (store) => {
        assert.equal(await store.getSetting('session-key'), undefined);
        assert.equal(await store.putSettingIfAbsent('session-key', 'first'), 'first');
        assert.equal(await store.putSettingIfAbsent('session-key', 'second'), 'first');
        assert.equal(await store.getSetting('session-key'), 'first');
        const raced = await Promise.all(['x', 'y', 'z'].map((v) => store.putSettingIfAbsent('raced', v)));
        assert.equal(new Set(raced).size, 1, `all writers see one value, got ${raced.join(',')}`);
        assert.equal(await store.getSetting('raced'), raced[0]);
      }));
    });

    describe('leases', () => {
      const now = Date.parse(T0);

      test('a free lease is taken; a held one is refused to others until it expires', withStore(async (store) => {
        assert.equal(await store.acquireLease('reconciler', 'runner-a', 10_000, now), true);
        assert.equal(await store.acquireLease('reconciler', 'runner-b', 10_000, now + 1_000), false);
        assert.equal(await store.acquireLease('reconciler', 'runner-b', 10_000, now + 9_999), false);
        assert.equal(await store.acquireLease('other-key', 'runner-b', 10_000, now), true, 'keys are independent');
        assert.equal(await store.acquireLease('reconciler', 'runner-b', 10_000, now + 10_001), true, 'an expired lease is taken');
        assert.equal(await store.acquireLease('reconciler', 'runner-a', 10_000, now + 10_002), false, 'the old holder lost it');
      }));

      test('the holder renews, which pushes the expiry out', withStore(async (store) => {
        assert.equal(await store.acquireLease('k', 'a', 10_000, now), true);
        assert.equal(await store.acquireLease('k', 'a', 10_000, now + 8_000), true);
        assert.equal(await store.acquireLease('k', 'b', 10_000, now + 12_000), false, 'renewed until now + 18s');
        assert.equal(await store.acquireLease('k', 'b', 10_000, now + 18_001), true);
      }));

      test('release frees it for others, and only the holder can release', withStore(async (store) => {
        assert.equal(await store.acquireLease('k', 'a', 60_000, now), true);
        await store.releaseLease('k', 'b');
        assert.equal(await store.acquireLease('k', 'b', 60_000, now + 1), false, 'a non-holder cannot release');
        await store.releaseLease('k', 'a');
        assert.equal(await store.acquireLease('k', 'b', 60_000, now + 2), true);
        await store.releaseLease('nosuch', 'a');
      }));

      test('concurrent acquires of a free lease: exactly one holder wins', withStore(async (store) => {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.acquireLease('race', `runner-${i}`, 30_000, now)),
        );
        assert.equal(results.filter(Boolean).length, 1);
      }));
    });
  });
}
