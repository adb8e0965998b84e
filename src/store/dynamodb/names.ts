import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError, ConflictError } from '../../core/errors.js';
import { type Db, getItem, isConditionFailed } from './db.js';
import { envKey, nameKey } from './keys.js';

/**
 * Environment names are unique among live environments. Without transactions the
 * name is reserved by its own item, `NAME#<name>` → `envId`, written before the
 * environment item (see docs/dynamodb.md, "Name claims").
 *
 * A claim whose environment item is missing is either a create in flight (the next
 * write is milliseconds away) or the leftover of a crash. After CLAIM_GRACE_MS it is
 * treated as the latter and may be taken over, with a conditional write naming the
 * old owner so that only one taker wins.
 */
export const CLAIM_GRACE_MS = 30_000;

/** Reserves `name` for environment `id`, or throws AlreadyExistsError. Idempotent until the environment is written. */
export async function claimName(db: Db, name: string, id: string, now: string, graceMs = CLAIM_GRACE_MS): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await db.doc.send(
        new PutCommand({
          TableName: db.table,
          Item: { ...nameKey(name), envId: id, claimedAt: now },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
    const claim = await getItem(db, nameKey(name));
    if (!claim) continue; // released meanwhile: try again
    const holder = String(claim['envId']);
    // Like the SQLite store, an environment holds its name until it is removed, whatever its state.
    if (await getItem(db, envKey(holder))) throw new AlreadyExistsError('environment', name);
    // Our own claim without its environment: a retried request, or our earlier attempt that died.
    if (holder === id) return;
    const age = Date.parse(now) - Date.parse(String(claim['claimedAt']));
    if (!(age >= graceMs)) throw new AlreadyExistsError('environment', name); // maybe a create in flight
    try {
      await db.doc.send(
        new PutCommand({
          TableName: db.table,
          Item: { ...nameKey(name), envId: id, claimedAt: now },
          ConditionExpression: 'envId = :old',
          ExpressionAttributeValues: { ':old': holder },
        }),
      );
      return;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      // Someone else took it over first: look again.
    }
  }
  throw new ConflictError(`the name "${name}" is being claimed by several requests at once; retry`);
}

/** The environment id that holds `name`, if any (consistent read). */
export async function nameHolder(db: Db, name: string): Promise<string | undefined> {
  const claim = await getItem(db, nameKey(name));
  return claim ? String(claim['envId']) : undefined;
}

/** Releases `name` if environment `id` still holds it (a reused name is left alone). */
export async function releaseName(db: Db, name: string, id: string): Promise<void> {
  try {
    await db.doc.send(
      new DeleteCommand({
        TableName: db.table,
        Key: nameKey(name),
        ConditionExpression: 'envId = :id',
        ExpressionAttributeValues: { ':id': id },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}
