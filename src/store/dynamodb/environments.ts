import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Environment, NewEnvEvent } from '../../core/environment.js';
import { nowIso } from '../../core/environment.js';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../../core/errors.js';
import type { EnvironmentFilter, EnvironmentPatch, NewEnvironment } from '../store.js';
import { type Db, type Item, entity, getItem, isConditionFailed, queryAll } from './db.js';
import { ALL_ENVS, GSI1, GSI2, OWNER_ENV_PREFIX, envIndexKeys, envKey, ownerPartition } from './keys.js';
import { claimName, nameHolder, releaseName } from './names.js';
import { deleteArchives, inlineEvents, INLINE_LIMIT, toStored, trimTimeline } from './timeline.js';

/**
 * Creates an environment: claim the name, then put the item (with its first events),
 * then check that the claim is still ours (a slow create may have been taken over).
 */
export async function createEnvironment(db: Db, input: NewEnvironment, event?: NewEnvEvent): Promise<Environment> {
  const now = nowIso();
  const env: Environment = {
    id: input.id,
    name: input.name,
    owner: input.owner,
    template: input.template,
    spec: input.spec,
    state: input.state,
    generation: input.generation ?? 0,
    ...(input.instance ? { instance: input.instance } : {}),
    ...(input.reason ? { reason: input.reason } : {}),
    version: 1,
    createdAt: now,
    updatedAt: now,
    lastActiveAt: now,
  };
  await claimName(db, env.name, env.id, now);
  // Recognises our own put if the SDK retries it after a lost response (see updateEnvironment).
  const writeId = randomUUID();
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: {
          ...envKey(env.id),
          ...envIndexKeys(env.name, env.owner),
          d: env,
          events: toStored(event ? [event] : [], now),
          archived: 0,
          lastWrite: writeId,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const existing = await getItem(db, envKey(env.id));
    if (existing?.['lastWrite'] === writeId) return entity<Environment>(existing)!;
    // The id is taken by another environment: give back the name we just claimed.
    if (entity<Environment>(existing)?.name !== env.name) await releaseName(db, env.name, env.id);
    throw new AlreadyExistsError('environment id', env.id);
  }
  if ((await nameHolder(db, env.name)) !== env.id) {
    await deleteIfVersion(db, env.id, 1);
    throw new AlreadyExistsError('environment', env.name);
  }
  return env;
}

/** The environment that holds `name` (via its name claim), if any. */
export async function getByName(db: Db, name: string): Promise<Environment | undefined> {
  const id = await nameHolder(db, name);
  if (!id) return undefined;
  const env = await getById(db, id);
  return env && env.name === name ? env : undefined;
}

/** The environment with this id, if any (consistent read). */
export async function getById(db: Db, id: string): Promise<Environment | undefined> {
  return entity<Environment>(await getItem(db, envKey(id)));
}

/**
 * Lists environments ordered by name from an index partition, never a table scan:
 * per owner from gsi2, otherwise the "all environments" partition of gsi1. States
 * are a filter on that partition. Index reads are eventually consistent (see docs).
 */
export async function listEnvironments(db: Db, filter: EnvironmentFilter = {}): Promise<Environment[]> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  let keyCondition: string;
  let index: string;
  if (filter.owner !== undefined) {
    index = GSI2;
    keyCondition = 'gsi2pk = :p AND begins_with(gsi2sk, :prefix)';
    values[':p'] = ownerPartition(filter.owner);
    values[':prefix'] = OWNER_ENV_PREFIX;
  } else {
    index = GSI1;
    keyCondition = 'gsi1pk = :p';
    values[':p'] = ALL_ENVS;
  }
  let filterExpression: string | undefined;
  if (filter.states) {
    if (filter.states.length === 0) return [];
    names['#d'] = 'd';
    names['#state'] = 'state';
    filterExpression = `#d.#state IN (${filter.states.map((s, i) => {
      values[`:s${i}`] = s;
      return `:s${i}`;
    }).join(', ')})`;
  }
  const items = await queryAll(db, {
    IndexName: index,
    KeyConditionExpression: keyCondition,
    ...(filterExpression ? { FilterExpression: filterExpression, ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
  });
  return items.map((i) => i['d'] as Environment);
}

/**
 * Compare-and-set: one UpdateItem conditional on `d.version`, carrying the patch, the
 * version bump and the new events together, so nothing is half-applied.
 */
export async function updateEnvironment(
  db: Db,
  id: string,
  expectedVersion: number,
  patch: EnvironmentPatch,
  events?: NewEnvEvent[],
): Promise<Environment> {
  const now = nowIso();
  // A per-write id lets us recognise our own write when the SDK retried a request
  // whose first attempt succeeded but whose response was lost (the retry then fails
  // its condition against our own new version).
  const writeId = randomUUID();
  const names: Record<string, string> = { '#d': 'd', '#version': 'version', '#updatedAt': 'updatedAt', '#w': 'lastWrite' };
  const values: Record<string, unknown> = { ':expected': expectedVersion, ':next': expectedVersion + 1, ':now': now, ':w': writeId };
  const sets = ['#d.#version = :next', '#d.#updatedAt = :now', '#w = :w'];
  const removes: string[] = [];
  const field = (f: keyof EnvironmentPatch, value: unknown): void => {
    if (value === undefined) return;
    names[`#${f}`] = f;
    if (value === null) {
      removes.push(`#d.#${f}`);
    } else {
      values[`:${f}`] = value;
      sets.push(`#d.#${f} = :${f}`);
    }
  };
  field('state', patch.state);
  field('reason', patch.reason);
  field('generation', patch.generation);
  field('instance', patch.instance);
  const stored = toStored(events, now);
  if (stored.length > 0) {
    names['#events'] = 'events';
    values[':events'] = stored;
    values[':empty'] = [];
    sets.push('#events = list_append(if_not_exists(#events, :empty), :events)');
  }
  let item: Item;
  try {
    const out = await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: envKey(id),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: '#d.#version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    item = out.Attributes as Item;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    // The condition also fails on a missing item: read once to say which it was.
    const currentItem = await getItem(db, envKey(id));
    const current = entity<Environment>(currentItem);
    if (!current) throw new NotFoundError('environment', id, 'it may have been deleted; list environments again');
    if (currentItem?.['lastWrite'] === writeId && current.version === expectedVersion + 1) return current;
    throw new ConflictError(
      `environment "${current.name}" was changed by someone else (now version ${current.version}, expected ${expectedVersion}); read it again and retry`,
    );
  }
  if (inlineEvents(item).length > INLINE_LIMIT) await trimTimeline(db, id, item);
  return item['d'] as Environment;
}

/** Appends events without a version check (they never conflict). NotFoundError if the environment is gone. */
export async function appendEvents(db: Db, id: string, events: NewEnvEvent[]): Promise<void> {
  if (events.length === 0) return;
  let item: Item;
  try {
    const out = await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: envKey(id),
        UpdateExpression: 'SET #events = list_append(if_not_exists(#events, :empty), :events)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#events': 'events' },
        ExpressionAttributeValues: { ':events': toStored(events, nowIso()), ':empty': [] },
        ReturnValues: 'ALL_NEW',
      }),
    );
    item = out.Attributes as Item;
  } catch (err) {
    if (isConditionFailed(err)) throw new NotFoundError('environment', id);
    throw err;
  }
  if (inlineEvents(item).length > INLINE_LIMIT) await trimTimeline(db, id, item);
}

/** Moves lastActiveAt forward to `at`; never backwards, never a version bump, no error if gone. */
export async function touchActivity(db: Db, id: string, at: string): Promise<void> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: envKey(id),
        UpdateExpression: 'SET #d.#last = :at',
        ConditionExpression: 'attribute_exists(pk) AND #d.#last < :at',
        ExpressionAttributeNames: { '#d': 'd', '#last': 'lastActiveAt' },
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/**
 * Removes the environment, its archived events, then its name claim: in that order, so
 * a crash at any point leaves either the environment (retry removes it) or only an
 * orphaned claim (taken over by the next create of that name). Idempotent.
 */
export async function removeEnvironment(db: Db, id: string): Promise<void> {
  const env = await getById(db, id);
  await deleteArchives(db, id);
  await db.doc.send(new DeleteCommand({ TableName: db.table, Key: envKey(id) }));
  if (env) await releaseName(db, env.name, id);
}

async function deleteIfVersion(db: Db, id: string, version: number): Promise<void> {
  try {
    await db.doc.send(
      new DeleteCommand({
        TableName: db.table,
        Key: envKey(id),
        ConditionExpression: '#d.#version = :v',
        ExpressionAttributeNames: { '#d': 'd', '#version': 'version' },
        ExpressionAttributeValues: { ':v': version },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}
