import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../../core/errors.js';
import { GSI1, GSI2, TTL_ATTRIBUTE } from './keys.js';

/**
 * The table definition, also what the CDK construct must declare (same keys and indexes).
 * On-demand billing: the load is spiky (a morning of starts) and small on average.
 */
export function tableDefinition(table: string): CreateTableCommandInput {
  const projection = { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: ['d'] };
  return {
    TableName: table,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
      { AttributeName: 'gsi2pk', AttributeType: 'S' },
      { AttributeName: 'gsi2sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: GSI1,
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: projection,
      },
      {
        IndexName: GSI2,
        KeySchema: [
          { AttributeName: 'gsi2pk', KeyType: 'HASH' },
          { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
        ],
        Projection: projection,
      },
    ],
  };
}

const WAIT_MS = 60_000;

/**
 * Creates the table if it is missing and waits until it and its indexes are ACTIVE.
 * Several replicas may call this at once: losing the create race is fine.
 */
export async function ensureTable(client: DynamoDBClient, table: string): Promise<void> {
  let created = false;
  if (!(await describe(client, table))) {
    try {
      await client.send(new CreateTableCommand(tableDefinition(table)));
      created = true;
    } catch (err) {
      if (errorName(err) !== 'ResourceInUseException') throw err;
    }
  }
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const t = await describe(client, table);
    const active = t?.TableStatus === 'ACTIVE' && (t.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (active) {
      // TTL can only be set on an ACTIVE table.
      if (created) await enableTtl(client, table);
      return;
    }
    if (Date.now() > deadline) {
      throw new ConfigError(`DynamoDB table "${table}" did not become ACTIVE within ${WAIT_MS / 1000}s; check it in the console and retry`, 'store.table');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Fails with a clear message when the table is missing and we were told not to create it. */
export async function assertTableExists(client: DynamoDBClient, table: string): Promise<void> {
  if (!(await describe(client, table))) {
    throw new ConfigError(
      `DynamoDB table "${table}" does not exist; deploy the stack (\`airlock deploy\`), fix store.table, or open the store with createTable`,
      'store.table',
    );
  }
}

async function describe(client: DynamoDBClient, table: string) {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/**
 * Lets DynamoDB delete expired sessions, codes and leases eventually. Optional: the
 * store never relies on it (expiry is always checked in code), and the test server
 * does not implement it.
 */
async function enableTtl(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
  } catch {
    // Unsupported (dynalite) or not permitted: expiry still works, items just stay.
  }
}

/** The AWS error name of a failed SDK call. */
export function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}
