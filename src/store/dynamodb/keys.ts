/**
 * The single-table layout: every key and index value the DynamoDB store writes is
 * built here, so the design in docs/dynamodb.md can be checked against one file.
 *
 * Every item has `pk` / `sk`. Items that must be listed also carry sparse index keys:
 * - `gsi1` (`gsi1pk`, `gsi1sk`): one partition per collection ("all environments by name",
 *   "all users", "all tokens").
 * - `gsi2` (`gsi2pk`, `gsi2sk`): one partition per owner ("this user's environments",
 *   "this user's tokens").
 * The entity itself is kept in the map attribute `d`; both indexes project only `d`
 * (not the embedded timeline), so a list never pays for events.
 */

export const GSI1 = 'gsi1';
export const GSI2 = 'gsi2';

/** A primary key. */
export interface Key {
  pk: string;
  sk: string;
}

export const envKey = (id: string): Key => ({ pk: `ENV#${id}`, sk: 'ENV' });
/** The item that reserves an environment name (see docs/dynamodb.md, "Name claims"). */
export const nameKey = (name: string): Key => ({ pk: `NAME#${name}`, sk: 'NAME' });
/** Older events moved out of the environment item, `offset` = index of the first one. */
export const archiveKey = (id: string, offset: number): Key => ({ pk: `ENV#${id}`, sk: `${ARCHIVE_PREFIX}${String(offset).padStart(10, '0')}` });
export const ARCHIVE_PREFIX = 'EVT#';
export const userKey = (name: string): Key => ({ pk: `USER#${name}`, sk: 'USER' });
export const tokenKey = (id: string): Key => ({ pk: `TOKEN#${id}`, sk: 'TOKEN' });
export const sessionKey = (id: string): Key => ({ pk: `SESSION#${id}`, sk: 'SESSION' });
export const authCodeKey = (hash: string): Key => ({ pk: `CODE#${hash}`, sk: 'CODE' });
export const settingKey = (key: string): Key => ({ pk: `SETTING#${key}`, sk: 'SETTING' });
export const leaseKey = (key: string): Key => ({ pk: `LEASE#${key}`, sk: 'LEASE' });

/** gsi1 partitions (one per listable collection). */
export const ALL_ENVS = 'ENVS';
export const ALL_USERS = 'USERS';
export const ALL_TOKENS = 'TOKENS';

/** gsi2 partition of one owner; the sort key prefix says which kind of item. */
export const ownerPartition = (owner: string): string => `OWNER#${owner}`;
export const OWNER_ENV_PREFIX = 'ENV#';
export const OWNER_TOKEN_PREFIX = 'TOKEN#';

/** Index keys of an environment item (name and owner never change after creation). */
export function envIndexKeys(name: string, owner: string): Record<string, string> {
  return { gsi1pk: ALL_ENVS, gsi1sk: name, gsi2pk: ownerPartition(owner), gsi2sk: `${OWNER_ENV_PREFIX}${name}` };
}

/** Index keys of a token item: listed oldest first, overall and per user. */
export function tokenIndexKeys(user: string, createdAt: string, id: string): Record<string, string> {
  const order = `${createdAt}#${id}`;
  return { gsi1pk: ALL_TOKENS, gsi1sk: order, gsi2pk: ownerPartition(user), gsi2sk: `${OWNER_TOKEN_PREFIX}${order}` };
}

/** The DynamoDB TTL attribute (epoch seconds) for items that expire on their own. */
export const TTL_ATTRIBUTE = 'ttl';

/** Epoch seconds for an ISO timestamp, for the TTL attribute; undefined if unparsable. */
export function ttlFor(iso: string, graceSeconds = 0): number | undefined {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.ceil(ms / 1000) + graceSeconds : undefined;
}
