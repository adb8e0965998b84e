import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError, ConfigError, ConflictError } from '../../src/core/errors.js';
import { templateSchema } from '../../src/core/template.js';
import { DynamoStore } from '../../src/store/dynamodb/index.js';
import { envKey, nameKey } from '../../src/store/dynamodb/keys.js';
import { CLAIM_GRACE_MS } from '../../src/store/dynamodb/names.js';
import { ARCHIVE_BATCH, INLINE_LIMIT } from '../../src/store/dynamodb/timeline.js';
import type { NewEnvironment } from '../../src/store/store.js';
import { type Dynalite, startDynalite, uniqueTableName } from '../helpers/dynalite.js';

const spec = templateSchema.parse({ name: 'base', command: ['node', 'server.js'] });
let n = 0;
function newEnv(over: Partial<NewEnvironment> = {}): NewEnvironment {
  n += 1;
  return { id: `env_design${n}`, name: `design-${n}`, owner: 'alice', template: 'base', spec, state: 'pending', ...over };
}

/** Records the name of every command a client sends. */
function recordCommands(client: DynamoDBClient): string[] {
  const seen: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      seen.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return seen;
}

let server: Dynalite;
before(async () => {
  server = await startDynalite();
});
after(async () => {
  await server.close();
});

/** A fresh store on its own table, plus a raw document client to look at (or damage) items. */
async function fresh(): Promise<{ store: DynamoStore; raw: DynamoDBDocumentClient; table: string; client: DynamoDBClient; done(): Promise<void> }> {
  const client = server.client();
  const table = uniqueTableName('design');
  const store = await DynamoStore.open({ table, client, createTable: true });
  const raw = DynamoDBDocumentClient.from(client);
  return {
    store,
    raw,
    table,
    client,
    async done() {
      await store.close();
      await client.send(new DeleteTableCommand({ TableName: table }));
    },
  };
}

describe('DynamoStore: opening', () => {
  test('a missing table is a ConfigError naming it unless createTable is set', async () => {
    const client = server.client();
    const table = uniqueTableName('missing');
    await assert.rejects(DynamoStore.open({ table, client }), (err: unknown) => err instanceof ConfigError && err.message.includes(table));
    const store = await DynamoStore.open({ table, client, createTable: true });
    // A second replica opening (and "creating") the same table is fine.
    const second = await DynamoStore.open({ table, client, createTable: true });
    const t = (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
    assert.equal(t?.TableStatus, 'ACTIVE');
    assert.deepEqual(t?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort(), ['gsi1', 'gsi2']);
    assert.equal(store.kind, 'dynamodb');
    await store.close();
    await second.close();
    await client.send(new DeleteTableCommand({ TableName: table }));
  });

  test('an invalid table name is refused before any request', async () => {
    await assert.rejects(DynamoStore.open({ table: 'a b', endpoint: server.endpoint, region: server.region }), ConfigError);
  });
});

describe('DynamoStore: item layout', () => {
  test('an environment is one item with its index keys and inline timeline; its name has a claim item', async () => {
    const { store, raw, table, done } = await fresh();
    try {
      const env = await store.createEnvironment(newEnv({ name: 'layout', owner: 'bob' }), { type: 'created', message: 'hi', at: '2026-01-01T00:00:00.000Z' });
      const item = (await raw.send(new GetCommand({ TableName: table, Key: envKey(env.id) }))).Item!;
      assert.equal(item['gsi1pk'], 'ENVS');
      assert.equal(item['gsi1sk'], 'layout');
      assert.equal(item['gsi2pk'], 'OWNER#bob');
      assert.equal(item['gsi2sk'], 'ENV#layout');
      assert.deepEqual(item['d'], env);
      assert.deepEqual(item['events'], [{ at: '2026-01-01T00:00:00.000Z', type: 'created', message: 'hi' }]);
      const claim = (await raw.send(new GetCommand({ TableName: table, Key: nameKey('layout') }))).Item!;
      assert.equal(claim['envId'], env.id);
      await store.removeEnvironment(env.id);
      assert.equal((await raw.send(new GetCommand({ TableName: table, Key: nameKey('layout') }))).Item, undefined, 'remove releases the claim');
    } finally {
      await done();
    }
  });

  test('listing environments queries an index and never scans the table', async () => {
    const { store, client, done } = await fresh();
    try {
      for (const owner of ['alice', 'bob']) await store.createEnvironment(newEnv({ owner }));
      const sent = recordCommands(client);
      assert.equal((await store.listEnvironments()).length, 2);
      assert.equal((await store.listEnvironments({ owner: 'bob' })).length, 1);
      assert.equal((await store.listEnvironments({ states: ['pending'] })).length, 2);
      assert.deepEqual(await store.listEnvironments({ states: [] }), []);
      await store.listUsers();
      await store.listTokens();
      await store.listTokens('bob');
      assert.ok(sent.length > 0);
      assert.ok(sent.every((c) => c === 'QueryCommand'), `only queries, got ${sent.join(', ')}`);
    } finally {
      await done();
    }
  });

  test('a listing spans several result pages', async () => {
    const { store, client, done } = await fresh();
    try {
      // ~20 KB each (a long reason), so 60 of them exceed one 1 MB query page.
      const reason = 'x'.repeat(20_000);
      await Promise.all(Array.from({ length: 60 }, (_, i) => store.createEnvironment(newEnv({ name: `page-${String(i).padStart(2, '0')}`, reason }))));
      const sent = recordCommands(client);
      const all = await store.listEnvironments();
      assert.ok(sent.length >= 2, `expected several pages, got ${sent.length}`);
      assert.equal(all.length, 60);
      assert.equal(new Set(all.map((e) => e.name)).size, 60);
    } finally {
      await done();
    }
  });
});

describe('DynamoStore: name claims after a crash', () => {
  test('an old claim with no environment (crash between the two writes) is taken over', async () => {
    const { store, raw, table, done } = await fresh();
    try {
      const old = new Date(Date.now() - CLAIM_GRACE_MS - 1000).toISOString();
      await raw.send(new PutCommand({ TableName: table, Item: { ...nameKey('orphan'), envId: 'env_crashed', claimedAt: old } }));
      const env = await store.createEnvironment(newEnv({ name: 'orphan' }));
      assert.deepEqual(await store.getEnvironment('orphan'), env);
    } finally {
      await done();
    }
  });

  test('a fresh claim with no environment (a create in flight) is respected', async () => {
    const { store, raw, table, done } = await fresh();
    try {
      await raw.send(new PutCommand({ TableName: table, Item: { ...nameKey('inflight'), envId: 'env_other', claimedAt: new Date().toISOString() } }));
      await assert.rejects(store.createEnvironment(newEnv({ name: 'inflight' })), AlreadyExistsError);
      assert.equal(await store.getEnvironment('inflight'), undefined, 'a claim alone is not an environment');
    } finally {
      await done();
    }
  });

  test('a crash during remove (environment gone, claim left) frees the name once the claim is old', async () => {
    const { store, raw, table, done } = await fresh();
    try {
      const env = await store.createEnvironment(newEnv({ name: 'half-removed' }));
      await raw.send(new DeleteCommand({ TableName: table, Key: envKey(env.id) }));
      const old = new Date(Date.now() - CLAIM_GRACE_MS - 1).toISOString();
      await raw.send(new PutCommand({ TableName: table, Item: { ...nameKey('half-removed'), envId: env.id, claimedAt: old } }));
      const again = await store.createEnvironment(newEnv({ name: 'half-removed' }));
      assert.notEqual(again.id, env.id);
      // Finishing the interrupted remove must not release the new owner's claim.
      await store.removeEnvironment(env.id);
      assert.deepEqual(await store.getEnvironment('half-removed'), again);
    } finally {
      await done();
    }
  });

  test('many creates racing for one name: exactly one wins', async () => {
    const { store, done } = await fresh();
    try {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => store.createEnvironment(newEnv({ name: 'contested' }))));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof AlreadyExistsError, String(r.reason));
      assert.equal((await store.listEnvironments()).length, 1);
    } finally {
      await done();
    }
  });

  test('creating the same environment twice is refused, as in SQLite', async () => {
    const { store, done } = await fresh();
    try {
      const input = newEnv({ name: 'twice' });
      const first = await store.createEnvironment(input);
      await assert.rejects(store.createEnvironment(input), AlreadyExistsError);
      await assert.rejects(store.createEnvironment({ ...input, name: 'twice-other-name' }), AlreadyExistsError, 'a used id is refused');
      assert.equal(await store.getEnvironment('twice-other-name'), undefined);
      assert.deepEqual(await store.createEnvironment(newEnv({ name: 'twice-other-name' })).then((e) => e.name), 'twice-other-name', 'the refused create released its claim');
      assert.deepEqual(await store.getEnvironment('twice'), first);
    } finally {
      await done();
    }
  });
});

describe('DynamoStore: long timelines', () => {
  test('old events move to archive items; the timeline stays whole and in order; remove deletes the archives', async () => {
    const { store, raw, table, done } = await fresh();
    try {
      const env = await store.createEnvironment(newEnv(), { type: 'created', message: 'e0' });
      let version = env.version;
      let next = 1;
      // Mix both write paths: CAS updates with events and plain appends.
      for (let round = 0; round < 20; round++) {
        const batch = Array.from({ length: 5 }, () => ({ type: 'note' as const, message: `e${next++}` }));
        if (round % 2 === 0) version = (await store.updateEnvironment(env.id, version, {}, batch)).version;
        else await store.appendEvents(env.id, batch);
      }
      const events = await store.listEvents(env.id);
      assert.deepEqual(events.map((e) => e.message), Array.from({ length: next }, (_, i) => `e${i}`));
      const item = (await raw.send(new GetCommand({ TableName: table, Key: envKey(env.id) }))).Item!;
      const inline = (item['events'] as unknown[]).length;
      assert.ok(inline <= INLINE_LIMIT, `at most ${INLINE_LIMIT} inline, got ${inline}`);
      assert.equal(item['archived'], next - inline);
      assert.equal((item['archived'] as number) % ARCHIVE_BATCH, 0);

      const archives = async () =>
        (await raw.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)', ExpressionAttributeValues: { ':pk': envKey(env.id).pk, ':e': 'EVT#' } }))).Items ?? [];
      assert.ok((await archives()).length >= 1);
      await store.removeEnvironment(env.id);
      assert.deepEqual(await archives(), []);
      assert.deepEqual(await store.listEvents(env.id), []);
    } finally {
      await done();
    }
  });

  test('an archive left by a crashed trim is ignored by readers', async () => {
    const { store, raw, table, done } = await fresh();
    try {
      const env = await store.createEnvironment(newEnv(), { type: 'created', message: 'only' });
      // As if a trim wrote its archive item and died before removing the events inline.
      await raw.send(new PutCommand({ TableName: table, Item: { pk: envKey(env.id).pk, sk: 'EVT#0000000000', offset: 0, events: [{ at: env.createdAt, type: 'created', message: 'only' }] } }));
      assert.deepEqual((await store.listEvents(env.id)).map((e) => e.message), ['only']);
    } finally {
      await done();
    }
  });
});

/**
 * Lets the `nth` request of `command` reach the server, then loses its response as a
 * connection reset. Added below the retry middleware, so the SDK sends it again.
 */
function dropResponse(client: DynamoDBClient, command: string, nth = 1): { dropped: () => number } {
  let seen = 0;
  let dropped = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (context.commandName === command && ++seen === nth) {
        dropped++;
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
      }
      return out;
    },
    { step: 'deserialize', name: `drop${command}${nth}` },
  );
  return { dropped: () => dropped };
}

describe('DynamoStore: retried requests', () => {
  test('an update whose response was lost and was retried by the SDK succeeds once', async () => {
    const { store, client, done } = await fresh();
    try {
      const env = await store.createEnvironment(newEnv());
      const drop = dropResponse(client, 'UpdateItemCommand');
      const updated = await store.updateEnvironment(env.id, 1, { state: 'starting', generation: 1 }, [{ type: 'queued', message: 'once' }]);
      assert.equal(drop.dropped(), 1, 'the response really was dropped');
      assert.equal(updated.version, 2);
      assert.equal(updated.generation, 1);
      assert.deepEqual((await store.listEvents(env.id)).map((e) => e.message), ['once'], 'applied once');
      // A genuine conflict is still a conflict.
      await assert.rejects(store.updateEnvironment(env.id, 1, { state: 'stopping' }), ConflictError);
    } finally {
      await done();
    }
  });

  for (const [what, nth] of [['name claim', 1], ['environment item', 2]] as const) {
    test(`a create whose ${what} put lost its response succeeds once`, async () => {
      const { store, client, done } = await fresh();
      try {
        const drop = dropResponse(client, 'PutItemCommand', nth);
        const env = await store.createEnvironment(newEnv({ name: `lost-${nth}` }), { type: 'created', message: 'once' });
        assert.equal(drop.dropped(), 1, 'the response really was dropped');
        assert.deepEqual(await store.getEnvironment(`lost-${nth}`), env);
        assert.deepEqual((await store.listEvents(env.id)).map((e) => e.message), ['once']);
        assert.equal((await store.listEnvironments()).length, 1);
      } finally {
        await done();
      }
    });
  }
});
