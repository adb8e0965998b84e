import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Db, getItem, isConditionFailed } from './db.js';
import { TTL_ATTRIBUTE, leaseKey, settingKey } from './keys.js';

/** Runner settings (first writer wins) and leases (one holder at a time, expiring). */

export async function getSetting(db: Db, key: string): Promise<string | undefined> {
  const item = await getItem(db, settingKey(key));
  return item ? String(item['value']) : undefined;
}

/** Writes `value` only if `key` is unset; returns what is stored afterwards (ours or the first writer's). */
export async function putSettingIfAbsent(db: Db, key: string, value: string): Promise<string> {
  try {
    await db.doc.send(
      new PutCommand({ TableName: db.table, Item: { ...settingKey(key), value }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return value;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
  const stored = await getSetting(db, key);
  // Settings are never deleted, so a failed condition means a value is there.
  return stored ?? value;
}

/**
 * Takes or renews a lease with one conditional put: it succeeds if nobody holds the
 * key, the holder's lease has expired, or we are the holder. Expiry is compared in
 * code (`expiresAt`, epoch ms), never left to DynamoDB TTL, which is lazy (and absent
 * from the test server). Replicas' clocks must agree to well within `ttlMs`.
 */
export async function acquireLease(db: Db, key: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
  const expiresAt = now + ttlMs;
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: { ...leaseKey(key), holder, expiresAt, acquiredAt: now, [TTL_ATTRIBUTE]: Math.ceil(expiresAt / 1000) + 3600 },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now OR holder = :holder',
        ExpressionAttributeValues: { ':now': now, ':holder': holder },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}

/** Gives the lease up if we still hold it; a lease someone else took over is left alone. */
export async function releaseLease(db: Db, key: string, holder: string): Promise<void> {
  try {
    await db.doc.send(
      new DeleteCommand({
        TableName: db.table,
        Key: leaseKey(key),
        ConditionExpression: 'holder = :holder',
        ExpressionAttributeValues: { ':holder': holder },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}
