import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { Environment } from '../../src/core/environment.js';
import { ConflictError } from '../../src/core/errors.js';
import { templateSchema } from '../../src/core/template.js';
import { DynamoStore } from '../../src/store/dynamodb/index.js';
import { type Dynalite, startDynalite, uniqueTableName } from '../helpers/dynalite.js';

// Two runner replicas = two DynamoStore instances, each with its own client and
// connections, on one table.

const spec = templateSchema.parse({ name: 'base', command: ['node', 'server.js'] });
const ENVS = 100;

let server: Dynalite;
let table: string;
let a: DynamoStore;
let b: DynamoStore;

before(async () => {
  server = await startDynalite();
  table = uniqueTableName('race');
  a = await DynamoStore.open({ table, client: server.client(), createTable: true });
  b = await DynamoStore.open({ table, client: server.client() });
});
after(async () => {
  await a.close();
  await b.close();
  await server.client().send(new DeleteTableCommand({ TableName: table }));
  await server.close();
});

async function createEnvs(prefix: string): Promise<Environment[]> {
  return Promise.all(
    Array.from({ length: ENVS }, (_, i) =>
      a.createEnvironment({ id: `env_${prefix}${i}`, name: `${prefix}-${i}`, owner: 'alice', template: 'base', spec, state: 'stopped' }),
    ),
  );
}

describe('DynamoStore: two replicas', () => {
  test('racing starts and stops on 100 environments: exactly one winner per environment per round', async () => {
    const envs = await createEnvs('round');
    // Round 1: both replicas try stopped → starting (a new generation: a launch).
    // Round 2: both try starting → stopped. Each time both read before either writes.
    const rounds: Array<{ state: 'starting' | 'stopped'; launch: boolean }> = [
      { state: 'starting', launch: true },
      { state: 'stopped', launch: false },
    ];
    for (const [r, round] of rounds.entries()) {
      const outcomes = await Promise.all(
        envs.map(async (env) => {
          const [seenA, seenB] = await Promise.all([a.getEnvironmentById(env.id), b.getEnvironmentById(env.id)]);
          assert.equal(seenA!.version, seenB!.version);
          const act = (store: DynamoStore, who: string, seen: Environment) =>
            store.updateEnvironment(
              env.id,
              seen.version,
              { state: round.state, ...(round.launch ? { generation: seen.generation + 1 } : {}) },
              [{ type: round.launch ? 'queued' : 'stopping', message: `${round.state} by ${who}` }],
            );
          return Promise.allSettled([act(a, 'a', seenA!), act(b, 'b', seenB!)]);
        }),
      );
      for (const [i, pair] of outcomes.entries()) {
        const won = pair.filter((o) => o.status === 'fulfilled');
        assert.equal(won.length, 1, `round ${r + 1}, environment ${i}: ${won.length} winners`);
        const lost = pair.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        assert.ok(lost.reason instanceof ConflictError, String(lost.reason));
      }
    }
    const finals = (await b.listEnvironments()).filter((e) => e.name.startsWith('round-'));
    assert.equal(finals.length, ENVS);
    for (const final of finals) {
      assert.equal(final.state, 'stopped');
      assert.equal(final.generation, 1, 'launched once, never twice');
      assert.equal(final.version, 3);
      const events = (await b.listEvents(final.id)).map((e) => e.message.replace(/ by [ab]$/, ''));
      assert.deepEqual(events, ['starting', 'stopped'], "only the winners' events are kept");
    }
  });

  test('read-modify-write with retry from both replicas loses no update', async () => {
    const envs = await createEnvs('counter');
    const perReplica = 2;
    let conflicts = 0;
    const increment = async (store: DynamoStore, id: string, who: string): Promise<void> => {
      for (;;) {
        const cur = (await store.getEnvironmentById(id))!;
        try {
          await store.updateEnvironment(id, cur.version, { generation: cur.generation + 1 }, [{ type: 'note', message: `+1 by ${who}` }]);
          return;
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err;
          conflicts++;
        }
      }
    };
    await Promise.all(
      envs.flatMap((env) =>
        [a, b].map(async (store, r) => {
          for (let k = 0; k < perReplica; k++) await increment(store, env.id, r === 0 ? 'a' : 'b');
        }),
      ),
    );
    assert.ok(conflicts > 0, 'the replicas really did collide');
    const finals = (await a.listEnvironments()).filter((e) => e.name.startsWith('counter-'));
    assert.equal(finals.length, ENVS);
    for (const final of finals) {
      assert.equal(final.generation, 2 * perReplica, `${final.name}: every increment counted`);
      assert.equal(final.version, 1 + 2 * perReplica);
      const events = await a.listEvents(final.id);
      assert.equal(events.filter((e) => e.message === '+1 by a').length, perReplica);
      assert.equal(events.filter((e) => e.message === '+1 by b').length, perReplica);
    }
  });

  test('per-environment leases: each key has exactly one holder, and a release hands it over', async () => {
    const keys = Array.from({ length: ENVS }, (_, i) => `env/lease-${i}`);
    const got = await Promise.all(keys.map((k) => Promise.all([a.acquireLease(k, 'replica-a', 60_000), b.acquireLease(k, 'replica-b', 60_000)])));
    for (const [i, [ga, gb]] of got.entries()) assert.equal(Number(ga) + Number(gb), 1, `${keys[i]} held by ${Number(ga) + Number(gb)}`);
    const heldByA = keys.filter((_, i) => got[i]![0]);
    await Promise.all(heldByA.map((k) => a.releaseLease(k, 'replica-a')));
    const taken = await Promise.all(keys.map((k) => b.acquireLease(k, 'replica-b', 60_000)));
    assert.ok(taken.every(Boolean), 'b holds every key once a released them');
  });

  test('a lease whose holder stops renewing expires, and the old holder cannot renew it back', async () => {
    // Generous against a loaded machine: a renewal must land well within the ttl.
    const ttl = 1_000;
    assert.equal(await a.acquireLease('reconciler', 'replica-a', ttl), true);
    let lastRenewal = Date.now();
    for (let i = 0; i < 3; i++) {
      await sleep(200);
      assert.equal(await b.acquireLease('reconciler', 'replica-b', ttl), false, 'held by a while a renews');
      const before = Date.now();
      assert.equal(await a.acquireLease('reconciler', 'replica-a', ttl), true);
      lastRenewal = before;
    }
    // a "dies": b polls until the lease is free.
    let takenAt = 0;
    while (takenAt === 0) {
      await sleep(25);
      if (await b.acquireLease('reconciler', 'replica-b', ttl)) takenAt = Date.now();
      assert.ok(Date.now() - lastRenewal < 5_000, 'the lease expired within its ttl');
    }
    assert.ok(takenAt - lastRenewal >= ttl, `taken ${takenAt - lastRenewal} ms after the last renewal, before the ${ttl} ms ttl ran out`);
    assert.equal(await a.acquireLease('reconciler', 'replica-a', ttl), false, 'a lost it');
    await a.releaseLease('reconciler', 'replica-a');
    assert.equal(await b.acquireLease('reconciler', 'replica-b', ttl), true, "a's release did not free b's lease");
  });
});
