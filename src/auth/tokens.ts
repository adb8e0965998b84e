import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role, Token, User } from '../core/environment.js';
import { nowIso } from '../core/environment.js';
import { newId } from '../core/ids.js';
import { UnauthorizedError, ValidationError } from '../core/errors.js';
import type { Store } from '../store/store.js';

/** Prefix of every Airlock token, so secret scanners can find leaked ones. */
export const TOKEN_PREFIX = 'alk';
const TOKEN_RE = /^alk_(tok_[a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new token secret: `alk_<tokenId>_<32 random bytes, base64url>`. */
export function newTokenSecret(id = newId('tok')): { id: string; secret: string } {
  return { id, secret: `${TOKEN_PREFIX}_${id}_${randomBytes(32).toString('base64url')}` };
}

/** Shortest secret accepted from AIRLOCK_ADMIN_TOKEN or `--token`. */
export const MIN_SECRET_LENGTH = 16;

/**
 * The token id a secret is stored under: the id inside a generated token, or a
 * hash-derived id for a secret the operator chose. Undefined when it cannot be ours.
 */
export function parseToken(secret: string): { id: string } | undefined {
  const m = TOKEN_RE.exec(secret);
  if (m) return { id: m[1]! };
  if (secret.length < MIN_SECRET_LENGTH || secret.length > 512 || !/^[\x21-\x7e]+$/.test(secret)) return undefined;
  return { id: `tok_${hashSecret(`id:${secret}`).slice(0, 16)}` };
}

/** Creates a token for `user`; the secret is returned once and only its hash is stored. */
export async function issueToken(
  store: Store,
  user: string,
  opts: { label?: string; expiresInSeconds?: number; secret?: string } = {},
): Promise<{ token: Token; secret: string }> {
  let id: string;
  let secret: string;
  if (opts.secret !== undefined) {
    const parsed = parseToken(opts.secret);
    if (!parsed) {
      throw new ValidationError(`a chosen token must be ${MIN_SECRET_LENGTH} to 512 printable characters without spaces`, 'token');
    }
    id = parsed.id;
    secret = opts.secret;
  } else {
    ({ id, secret } = newTokenSecret());
  }
  const createdAt = nowIso();
  const token: Token = {
    id,
    user,
    label: opts.label ?? 'token',
    hash: hashSecret(secret),
    createdAt,
    ...(opts.expiresInSeconds ? { expiresAt: new Date(Date.now() + opts.expiresInSeconds * 1000).toISOString() } : {}),
  };
  await store.createToken(token);
  return { token, secret };
}

export interface Principal {
  user: User;
  tokenId: string;
}

/** Resolves a bearer secret to its user, or throws UnauthorizedError (never says which part was wrong). */
export async function verifyToken(store: Store, secret: string, now = Date.now()): Promise<Principal> {
  const parsed = parseToken(secret);
  if (!parsed) throw new UnauthorizedError();
  const token = await store.getToken(parsed.id);
  if (!token) throw new UnauthorizedError();
  const a = Buffer.from(token.hash, 'hex');
  const b = Buffer.from(hashSecret(secret), 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new UnauthorizedError();
  if (token.revokedAt) throw new UnauthorizedError('this token was revoked; create a new one with `airlock token create`');
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) throw new UnauthorizedError('this token has expired; create a new one with `airlock token create`');
  const user = await store.getUser(token.user);
  if (!user) throw new UnauthorizedError();
  return { user, tokenId: token.id };
}

/** Creates the first admin user and token if there is no user yet. Returns the secret only when it was created now. */
export async function bootstrapAdmin(store: Store, presetSecret?: string): Promise<string | undefined> {
  if (await store.getUser('admin')) return undefined;
  const role: Role = 'admin';
  await store.createUser({ name: 'admin', role, createdAt: nowIso() });
  const { secret } = await issueToken(store, 'admin', { label: 'first admin token', ...(presetSecret ? { secret: presetSecret } : {}) });
  return secret;
}
