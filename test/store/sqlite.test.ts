import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ConfigError, ConflictError, NotFoundError } from '../../src/core/errors.js';
import { templateSchema } from '../../src/core/template.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';
import type { NewEnvironment } from '../../src/store/store.js';
import { storeContract } from './contract.js';

// This file is also the body of the worker threads in the two-writer race below:
// a worker loads it with `role: 'race-writer'` and runs raceWriter instead of tests.
interface RaceWriterData {
  role: 'race-writer';
  path: string;
  envId: string;
  rounds: number;
  /** Int32 counter used as a start barrier, so the writers really overlap. */
  barrier: SharedArrayBuffer;
  writers: number;
}

if (isMainThread) {
  registerTests();
} else if ((workerData as RaceWriterData | undefined)?.role === 'race-writer') {
  await raceWriter(workerData as RaceWriterData);
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'airlock-sqlite-'));
}

const spec = templateSchema.parse({ name: 'base', command: ['sleep', '60'] });
function newEnv(name: string): NewEnvironment {
  return { id: `env_${name}`, name, owner: 'alice', template: 'base', spec, state: 'pending' };
}

/** Reads the environment, bumps its generation with CAS, and retries on conflict, `rounds` times. */
async function raceWriter(data: RaceWriterData): Promise<void> {
  const store = SqliteStore.open(data.path);
  const counter = new Int32Array(data.barrier);
  Atomics.add(counter, 0, 1);
  while (Atomics.load(counter, 0) < data.writers) Atomics.wait(counter, 0, Atomics.load(counter, 0), 10);
  let conflicts = 0;
  for (let i = 0; i < data.rounds; i++) {
    for (;;) {
      const env = await store.getEnvironmentById(data.envId);
      if (!env) throw new Error('environment vanished');
      try {
        await store.updateEnvironment(data.envId, env.version, { generation: env.generation + 1 }, [{ type: 'note', message: 'bump' }]);
        break;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        conflicts += 1;
      }
    }
  }
  await store.close();
  parentPort!.postMessage({ conflicts });
}

/** Starts a worker thread running this very file (compiled .js, or .ts under tsx). */
function startThisFileAsWorker(data: RaceWriterData): Worker {
  const self = new URL(import.meta.url);
  if (!self.pathname.endsWith('.ts')) return new Worker(self, { workerData: data });
  // Node 20 workers do not inherit tsx's loader hooks: register them in the worker first.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(self.href)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

function registerTests(): void {
  storeContract('sqlite', async () => {
    const dir = tempDir();
    const store = SqliteStore.open(join(dir, 'nested', 'airlock.db'));
    return {
      store,
      async cleanup() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });

  describe('SqliteStore specifics', () => {
    test('the file is in WAL mode, and open creates missing folders', async (t) => {
      const dir = tempDir();
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, 'a', 'b', 'airlock.db');
      const store = SqliteStore.open(path);
      await store.createEnvironment(newEnv('demo'));
      assert.equal(store.kind, 'sqlite');
      const raw = new Database(path, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      } finally {
        raw.close();
      }
      assert.ok(existsSync(`${path}-wal`), 'a write-ahead log file exists while open');
      await store.close();
    });

    test('reopening keeps every kind of record', async (t) => {
      const dir = tempDir();
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, 'airlock.db');
      const first = SqliteStore.open(path);
      const env = await first.createEnvironment(newEnv('keep'), { type: 'created', message: 'made' });
      const updated = await first.updateEnvironment(env.id, 1, { state: 'starting', generation: 1 });
      await first.createUser({ name: 'alice', role: 'admin', createdAt: env.createdAt });
      await first.putSettingIfAbsent('session-key', 'k1');
      assert.equal(await first.acquireLease('reconciler', 'a', 60_000), true);
      await first.close();

      const second = SqliteStore.open(path);
      t.after(() => second.close());
      assert.deepEqual(await second.getEnvironment('keep'), updated);
      assert.deepEqual((await second.listEvents(env.id)).map((e) => e.message), ['made']);
      assert.equal((await second.getUser('alice'))?.role, 'admin');
      assert.equal(await second.getSetting('session-key'), 'k1');
      assert.equal(await second.acquireLease('reconciler', 'b', 60_000), false, 'the lease survived the restart');
    });

    test('an empty file is migrated to the current schema', async (t) => {
      const dir = tempDir();
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, 'empty.db');
      writeFileSync(path, '');
      const store = SqliteStore.open(path);
      t.after(() => store.close());
      const raw = new Database(path, { readonly: true });
      try {
        assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
        const tables = raw.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
        for (const t of ['auth_codes', 'environments', 'events', 'leases', 'sessions', 'settings', 'tokens', 'users']) {
          assert.ok(tables.includes(t), `table ${t} exists (have ${tables.join(', ')})`);
        }
      } finally {
        raw.close();
      }
      assert.deepEqual(await store.listEnvironments(), []);
    });

    test('a database from a newer Airlock is refused with a clear error and left alone', async (t) => {
      const dir = tempDir();
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, 'future.db');
      const raw = new Database(path);
      raw.exec('CREATE TABLE from_the_future (x INTEGER)');
      raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      raw.close();
      assert.throws(() => SqliteStore.open(path), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, new RegExp(`schema version ${SCHEMA_VERSION + 1}.*up to ${SCHEMA_VERSION}`));
        assert.match(err.message, /upgrade Airlock/);
        return true;
      });
      const after = new Database(path, { readonly: true });
      try {
        assert.equal(after.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
        assert.equal(after.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'environments'").pluck().get(), 0);
      } finally {
        after.close();
      }
    });

    test('events for an unknown environment are refused (foreign keys are on)', async (t) => {
      const dir = tempDir();
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const store = SqliteStore.open(join(dir, 'airlock.db'));
      t.after(() => store.close());
      await assert.rejects(store.appendEvents('env_nosuch', [{ type: 'note', message: 'orphan' }]), NotFoundError);
      assert.deepEqual(await store.listEvents('env_nosuch'), []);
    });

    test('two connections on one file: a read-modify-write race loses no update', async (t) => {
      const dir = tempDir();
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, 'shared.db');
      const a = SqliteStore.open(path);
      const b = SqliteStore.open(path);
      t.after(async () => {
        await a.close();
        await b.close();
      });
      const env = await a.createEnvironment(newEnv('shared'));
      const readByA = await a.getEnvironmentById(env.id);
      const readByB = await b.getEnvironmentById(env.id);
      await a.updateEnvironment(env.id, readByA!.version, { generation: readByA!.generation + 1 });
      await assert.rejects(b.updateEnvironment(env.id, readByB!.version, { generation: readByB!.generation + 1 }), ConflictError);
      const fresh = await b.getEnvironmentById(env.id);
      await b.updateEnvironment(env.id, fresh!.version, { generation: fresh!.generation + 1 });
      const final = await a.getEnvironmentById(env.id);
      assert.equal(final?.generation, 2, 'both increments landed');
      assert.equal(final?.version, 3);
    });

    test('two threads hammering one record through separate connections: every increment lands', async (t) => {
      const dir = tempDir();
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, 'race.db');
      const setup = SqliteStore.open(path);
      const env = await setup.createEnvironment(newEnv('race'));
      await setup.close();

      const writers = 2;
      const rounds = 60;
      const barrier = new SharedArrayBuffer(4);
      const data: RaceWriterData = { role: 'race-writer', path, envId: env.id, rounds, barrier, writers };
      const results = await Promise.all(
        Array.from({ length: writers }, () => new Promise<{ conflicts: number }>((resolve, reject) => {
          const worker = startThisFileAsWorker(data);
          let result: { conflicts: number } | undefined;
          worker.once('message', (m: { conflicts: number }) => (result = m));
          worker.once('error', reject);
          worker.once('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`race writer exited with code ${code}`))));
        })),
      );

      t.diagnostic(`conflicts retried per writer: ${results.map((r) => r.conflicts).join(', ')}`);
      const store = SqliteStore.open(path);
      t.after(() => store.close());
      const final = await store.getEnvironmentById(env.id);
      assert.equal(final?.generation, writers * rounds, `no lost update (conflicts retried: ${results.map((r) => r.conflicts).join(', ')})`);
      assert.equal(final?.version, 1 + writers * rounds);
      assert.equal((await store.listEvents(env.id)).length, writers * rounds, 'exactly one event per successful update');
    });
  });
}
