import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthCode, Session, Token, User } from '../../core/environment.js';
import { AlreadyExistsError } from '../../core/errors.js';
import { type Db, type Item, entity, getItem, isConditionFailed, queryAll } from './db.js';
import {
  ALL_TOKENS,
  ALL_USERS,
  GSI1,
  GSI2,
  OWNER_TOKEN_PREFIX,
  authCodeKey,
  type Key,
  ownerPartition,
  sessionKey,
  tokenIndexKeys,
  tokenKey,
  TTL_ATTRIBUTE,
  ttlFor,
  userKey,
} from './keys.js';

/** Users, API tokens, browser sessions and one-time auth codes: one item each. */

/** Puts a new item, or throws AlreadyExistsError(kind, name) if its key is taken. */
async function putNew(db: Db, item: Item, kind: string, name: string): Promise<void> {
  try {
    await db.doc.send(new PutCommand({ TableName: db.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  } catch (err) {
    if (isConditionFailed(err)) throw new AlreadyExistsError(kind, name);
    throw err;
  }
}

/** Sets `d.<field>` on an existing item; `firstOnly` keeps an earlier value. Silent if the item is gone. */
async function setField(db: Db, key: Key, field: string, value: string, firstOnly = false): Promise<void> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: key,
        UpdateExpression: 'SET #d.#f = :v',
        ConditionExpression: firstOnly ? 'attribute_exists(pk) AND attribute_not_exists(#d.#f)' : 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#d': 'd', '#f': field },
        ExpressionAttributeValues: { ':v': value },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

export async function createUser(db: Db, user: User): Promise<User> {
  await putNew(db, { ...userKey(user.name), gsi1pk: ALL_USERS, gsi1sk: user.name, d: user }, 'user', user.name);
  return user;
}

export async function getUser(db: Db, name: string): Promise<User | undefined> {
  return entity<User>(await getItem(db, userKey(name)));
}

/** All users by name. */
export async function listUsers(db: Db): Promise<User[]> {
  const items = await queryAll(db, { IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': ALL_USERS } });
  return items.map((i) => i['d'] as User);
}

export async function createToken(db: Db, token: Token): Promise<Token> {
  await putNew(db, { ...tokenKey(token.id), ...tokenIndexKeys(token.user, token.createdAt, token.id), d: token }, 'token', token.id);
  return token;
}

export async function getToken(db: Db, id: string): Promise<Token | undefined> {
  return entity<Token>(await getItem(db, tokenKey(id)));
}

/** Tokens oldest first, all of them or one user's. */
export async function listTokens(db: Db, user?: string): Promise<Token[]> {
  const items =
    user === undefined
      ? await queryAll(db, { IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': ALL_TOKENS } })
      : await queryAll(db, {
          IndexName: GSI2,
          KeyConditionExpression: 'gsi2pk = :p AND begins_with(gsi2sk, :prefix)',
          ExpressionAttributeValues: { ':p': ownerPartition(user), ':prefix': OWNER_TOKEN_PREFIX },
        });
  return items.map((i) => i['d'] as Token);
}

/** Marks a token revoked; the first revocation time is kept. */
export async function revokeToken(db: Db, id: string, at: string): Promise<void> {
  await setField(db, tokenKey(id), 'revokedAt', at, true);
}

export async function markTokenUsed(db: Db, id: string, at: string): Promise<void> {
  await setField(db, tokenKey(id), 'lastUsedAt', at);
}

export async function createSession(db: Db, session: Session): Promise<Session> {
  await putNew(db, { ...sessionKey(session.id), d: session, ...ttlAttr(session.expiresAt) }, 'session', session.id);
  return session;
}

export async function getSession(db: Db, id: string): Promise<Session | undefined> {
  return entity<Session>(await getItem(db, sessionKey(id)));
}

export async function revokeSession(db: Db, id: string, at: string): Promise<void> {
  await setField(db, sessionKey(id), 'revokedAt', at, true);
}

export async function createAuthCode(db: Db, code: AuthCode): Promise<void> {
  await putNew(db, { ...authCodeKey(code.hash), d: code, ...ttlAttr(code.expiresAt) }, 'auth code', code.hash.slice(0, 8));
}

/**
 * Deletes the code and returns what it held. The delete is conditional on the item
 * existing, so of two concurrent consumers exactly one gets the code back.
 */
export async function consumeAuthCode(db: Db, hash: string): Promise<AuthCode | undefined> {
  try {
    const out = await db.doc.send(
      new DeleteCommand({ TableName: db.table, Key: authCodeKey(hash), ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' }),
    );
    return entity<AuthCode>(out.Attributes as Item | undefined);
  } catch (err) {
    if (isConditionFailed(err)) return undefined;
    throw err;
  }
}

/** TTL attribute one day past expiry, so expired items linger long enough to be reported as expired. */
function ttlAttr(expiresAt: string): Record<string, number> {
  const ttl = ttlFor(expiresAt, 86_400);
  return ttl === undefined ? {} : { [TTL_ATTRIBUTE]: ttl };
}
