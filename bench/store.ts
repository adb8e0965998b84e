/**
 * Store figures: create and read rates (ops/s, p99) of the DynamoDB store on dynalite,
 * against the SQLite store measured in the same run, plus the DynamoDB requests each
 * operation costs (exact, so they hold on any machine).
 *
 * dynalite is a functional emulator on LevelDB running in this process: its rates say
 * how the adapter's client-side work compares, not how fast DynamoDB is (a real
 * single-digit-millisecond round trip dominates there).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeleteTableCommand, GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { templateSchema } from '../src/core/template.js';
import { DynamoStore } from '../src/store/dynamodb/index.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewEnvironment, Store } from '../src/store/store.js';
import { startDynalite, uniqueTableName } from '../test/helpers/dynalite.js';
import { markdownTable, percentile, round, writeResults, type BenchResult } from './result.js';

const OPS = Number(process.env['BENCH_STORE_OPS'] ?? 300);
const spec = templateSchema.parse({ name: 'base', image: 'example.dkr.ecr.eu-west-1.amazonaws.com/ide:1', ports: [{ port: 8080 }] });

interface Rates {
  create: { opsPerSec: number; p99: number };
  read: { opsPerSec: number; p99: number };
}

function env(i: number): NewEnvironment {
  return { id: `env_bench${i}`, name: `bench-${i}`, owner: `user-${i % 20}`, template: 'base', spec, state: 'pending' };
}

/** Runs `op` OPS times one after another; returns the rate and the 99th percentile latency. */
async function timed(op: (i: number) => Promise<unknown>): Promise<{ opsPerSec: number; p99: number }> {
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < OPS; i++) {
    const t = performance.now();
    await op(i);
    samples.push(performance.now() - t);
  }
  const total = performance.now() - start;
  return { opsPerSec: round((OPS / total) * 1000, 1), p99: round(percentile(samples, 99), 2) };
}

async function measure(store: Store): Promise<Rates> {
  const create = await timed((i) => store.createEnvironment(env(i), { type: 'created', message: 'bench' }));
  const read = await timed((i) => store.getEnvironment(`bench-${i}`));
  return { create, read };
}

/** Counts the requests a client sends, by command name. */
function countRequests(client: DynamoDBClient): () => number {
  let n = 0;
  client.middlewareStack.add((next) => async (args) => {
    n++;
    return next(args);
  }, { step: 'initialize', name: 'benchCountRequests' });
  return () => {
    const v = n;
    n = 0;
    return v;
  };
}

/** Create and read rates on dynalite and SQLite, and requests per DynamoDB operation. */
export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-store-'));
  const server = await startDynalite();
  try {
    const sqlite = SqliteStore.open(join(dir, 'bench.db'));
    const sqliteRates = await measure(sqlite);
    await sqlite.close();

    const client = server.client();
    const table = uniqueTableName('bench');
    const dynamo = await DynamoStore.open({ table, client, createTable: true });
    const dynamoRates = await measure(dynamo);

    const requests = countRequests(client);
    const probe = await dynamo.createEnvironment(env(OPS + 1));
    const perCreate = requests();
    await dynamo.getEnvironment(probe.name);
    const perRead = requests();
    await dynamo.updateEnvironment(probe.id, probe.version, { state: 'starting' }, [{ type: 'queued', message: 'bench' }]);
    const perUpdate = requests();
    await dynamo.listEnvironments({ states: ['starting'] });
    const perList = requests();
    // The floor for a read: one strongly consistent GetItem with the same client.
    const rawGet = await timed((i) => client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `ENV#env_bench${i}` }, sk: { S: 'ENV' } }, ConsistentRead: true })));
    await dynamo.close();
    await client.send(new DeleteTableCommand({ TableName: table }));

    // Ratios read "times slower than the baseline" for rates and latencies alike.
    const rate = (what: 'create' | 'read'): BenchResult[] => [
      {
        name: `${what} environment rate, DynamoDB store on dynalite`,
        value: dynamoRates[what].opsPerSec,
        unit: 'ops/s',
        baseline: { name: 'SQLite store', value: sqliteRates[what].opsPerSec },
        ratio: round(sqliteRates[what].opsPerSec / dynamoRates[what].opsPerSec, 1),
      },
      {
        name: `${what} environment p99, DynamoDB store on dynalite`,
        value: dynamoRates[what].p99,
        unit: 'ms',
        baseline: { name: 'SQLite store', value: sqliteRates[what].p99 },
        ratio: round(dynamoRates[what].p99 / Math.max(sqliteRates[what].p99, 0.001), 1),
      },
    ];
    return [
      ...rate('create'),
      ...rate('read'),
      {
        name: 'read by name vs one raw GetItem, on dynalite',
        value: dynamoRates.read.opsPerSec,
        unit: 'ops/s',
        baseline: { name: 'raw GetItem', value: rawGet.opsPerSec },
        ratio: round(rawGet.opsPerSec / dynamoRates.read.opsPerSec, 2),
        goal: 'ratio ≤ 2.5 (two reads: claim, item)',
        pass: rawGet.opsPerSec / dynamoRates.read.opsPerSec <= 2.5,
      },
      { name: 'DynamoDB requests per create (claim, put, verify)', value: perCreate, unit: 'requests', goal: '≤ 3', pass: perCreate <= 3 },
      { name: 'DynamoDB requests per read by name (claim, item)', value: perRead, unit: 'requests', goal: '≤ 2', pass: perRead <= 2 },
      { name: 'DynamoDB requests per update with events', value: perUpdate, unit: 'requests', goal: '1 (no transaction)', pass: perUpdate === 1 },
      { name: `DynamoDB requests to list by state (${OPS + 1} stored)`, value: perList, unit: 'requests', goal: '1 query page, no scan', pass: perList === 1 },
    ];
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await run();
  await writeResults('store', results, [
    `${OPS} sequential operations per figure (BENCH_STORE_OPS)`,
    'ratio = how many times slower than the baseline',
    'dynalite runs in-process: the rates compare client-side cost, not DynamoDB latency',
  ]);
  process.stdout.write(markdownTable('store', results));
}
