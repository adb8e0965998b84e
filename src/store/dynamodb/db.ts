import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Key } from './keys.js';
import { errorName } from './table.js';

/** What every DynamoDB store operation needs: the document client and the table name. */
export interface Db {
  doc: DynamoDBDocumentClient;
  table: string;
}

/** A stored item: its keys, the entity in `d`, and whatever else the item kind keeps. */
export type Item = Record<string, unknown> & Key;

/** True when a conditional write was refused because its condition did not hold. */
export function isConditionFailed(err: unknown): boolean {
  return errorName(err) === 'ConditionalCheckFailedException';
}

/** A strongly consistent read of one item: after a write, every replica sees it. */
export async function getItem(db: Db, key: Key): Promise<Item | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.table, Key: key, ConsistentRead: true }));
  return out.Item as Item | undefined;
}

/** Runs a query to the end, following pagination, and returns every item in index order. */
export async function queryAll(db: Db, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(new QueryCommand({ ...input, TableName: db.table, ExclusiveStartKey: start }));
    items.push(...((out.Items ?? []) as Item[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The entity kept in an item's `d` attribute. */
export function entity<T>(item: Item | undefined): T | undefined {
  return item ? (item['d'] as T) : undefined;
}
