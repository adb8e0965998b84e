import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EnvEvent, EnvEventType, NewEnvEvent } from '../../core/environment.js';
import { type Db, type Item, getItem, queryAll } from './db.js';
import { ARCHIVE_PREFIX, archiveKey, envKey } from './keys.js';

/**
 * An environment's timeline lives inside the environment item (attribute `events`),
 * so an update and its events are one conditional write: they commit together or not
 * at all. To keep the item small, once more than INLINE_LIMIT events are inline the
 * oldest ARCHIVE_BATCH move to an archive item `ENV#<id> / EVT#<offset>`; the
 * environment item counts how many were moved in `archived`.
 */
export const INLINE_LIMIT = 64;
export const ARCHIVE_BATCH = 32;

/** An event as kept inline (the env id is the item's). */
export interface StoredEvent {
  at: string;
  type: EnvEventType;
  message: string;
}

/** Stamps new events with `now` unless they carry their own time. */
export function toStored(events: readonly NewEnvEvent[] | undefined, now: string): StoredEvent[] {
  return (events ?? []).map((e) => ({ at: e.at ?? now, type: e.type, message: e.message }));
}

/** The inline events of an environment item. */
export function inlineEvents(item: Item): StoredEvent[] {
  return (item['events'] as StoredEvent[] | undefined) ?? [];
}

/** The whole timeline of an environment, oldest first; empty if it does not exist. */
export async function readTimeline(db: Db, id: string): Promise<EnvEvent[]> {
  const item = await getItem(db, envKey(id));
  if (!item) return [];
  const archived = Number(item['archived'] ?? 0);
  const out: StoredEvent[] = [];
  if (archived > 0) {
    const archives = await queryAll(db, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :evt)',
      ExpressionAttributeValues: { ':pk': envKey(id).pk, ':evt': ARCHIVE_PREFIX },
      ConsistentRead: true,
    });
    for (const a of archives) {
      // An archive at or past `archived` is left over from a trim that crashed before
      // its second write; those events are still inline, so skip it.
      if (Number(a['offset']) < archived) out.push(...((a['events'] as StoredEvent[] | undefined) ?? []));
    }
  }
  out.push(...inlineEvents(item));
  return out.map((e) => ({ envId: id, ...e }));
}

/**
 * Moves the oldest inline events to archive items while there are too many inline.
 * Two writes per batch, crash-safe in either order of failure:
 * 1. put the archive item (deterministic: the ARCHIVE_BATCH oldest events at offset `archived`),
 * 2. drop them from the list, only if `archived` and the list length are still what we read.
 * A crash after 1 leaves an archive that readers ignore and the next trim rewrites identically.
 * Best effort: the update that called this already committed, so failures are left for the next one.
 */
export async function trimTimeline(db: Db, id: string, item: Item): Promise<void> {
  let events = inlineEvents(item);
  let archived = Number(item['archived'] ?? 0);
  try {
    while (events.length > INLINE_LIMIT) {
      const batch = events.slice(0, ARCHIVE_BATCH);
      await db.doc.send(new PutCommand({ TableName: db.table, Item: { ...archiveKey(id, archived), offset: archived, events: batch } }));
      const rest = events.slice(ARCHIVE_BATCH);
      // Rewrite the list rather than REMOVE by index (servers differ on how several
      // index removals combine). The size check makes a concurrent append fail this
      // write instead of being overwritten; the next update trims again.
      await db.doc.send(
        new UpdateCommand({
          TableName: db.table,
          Key: envKey(id),
          UpdateExpression: 'SET #a = :next, #e = :rest',
          ConditionExpression: '#a = :archived AND size(#e) = :size',
          ExpressionAttributeNames: { '#e': 'events', '#a': 'archived' },
          ExpressionAttributeValues: { ':next': archived + ARCHIVE_BATCH, ':archived': archived, ':rest': rest, ':size': events.length },
        }),
      );
      events = events.slice(ARCHIVE_BATCH);
      archived += ARCHIVE_BATCH;
    }
  } catch {
    // Lost the race to another trimmer (condition failed) or a transient error: the
    // environment item is intact either way, and the next update trims again.
  }
}

/** Deletes an environment's archive items (before the environment item itself). */
export async function deleteArchives(db: Db, id: string): Promise<void> {
  const archives = await queryAll(db, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :evt)',
    ExpressionAttributeValues: { ':pk': envKey(id).pk, ':evt': ARCHIVE_PREFIX },
    ProjectionExpression: 'pk, sk',
    ConsistentRead: true,
  });
  for (const a of archives) {
    await db.doc.send(new DeleteCommand({ TableName: db.table, Key: { pk: a.pk, sk: a.sk } }));
  }
}
