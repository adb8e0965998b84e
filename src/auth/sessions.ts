import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Session, User } from '../core/environment.js';
import { newId } from '../core/ids.js';
import type { Store } from '../store/store.js';

/** The dashboard's session cookie (runner host). */
export const RUNNER_COOKIE = 'airlock_session';
/** The session cookie on each environment host. */
export const ENV_COOKIE = 'airlock_env_session';

export interface SessionOptions {
  /** How long a session lasts. @default 43200 (12 h) */
  ttlSeconds?: number;
  /** How long a one-time code may wait to be exchanged. @default 60 */
  codeTtlSeconds?: number;
  /** How long a verified session is trusted without reading the store again (ms); revocations elsewhere take this long to apply. @default 5000 */
  cacheMs?: number;
  /** Clock (ms since epoch). @default Date.now */
  now?: () => number;
}

/** A session just created: the cookie value to set and how long it lives. */
export interface IssuedSession {
  value: string;
  session: Session;
  maxAgeSeconds: number;
}

interface Cached {
  user: User;
  host: string;
  expiresMs: number;
  until: number;
}

/** Key under which the signing key is kept in the store's settings. */
export const SESSION_KEY_SETTING = 'session-key';

/**
 * Browser sessions. A cookie value is `<sessionId>.<expiry seconds>.<HMAC-SHA256>`
 * over id, expiry and host with a key kept in the store (so every replica shares it).
 * The signature rejects forged or altered cookies without touching the store; the
 * stored session makes sign-out effective, and a short in-memory cache keeps the
 * store off the request path.
 */
export class SessionManager {
  private readonly cache = new Map<string, Cached>();
  private readonly ttlSeconds: number;
  private readonly codeTtlSeconds: number;
  private readonly cacheMs: number;
  private readonly now: () => number;

  private constructor(
    private readonly store: Store,
    private readonly key: Buffer,
    opts: SessionOptions,
  ) {
    this.ttlSeconds = opts.ttlSeconds ?? 43_200;
    this.codeTtlSeconds = opts.codeTtlSeconds ?? 60;
    this.cacheMs = opts.cacheMs ?? 5000;
    this.now = opts.now ?? Date.now;
  }

  /** Loads (or creates, first writer wins) the signing key and returns a manager. */
  static async open(store: Store, opts: SessionOptions = {}): Promise<SessionManager> {
    const key = await store.putSettingIfAbsent(SESSION_KEY_SETTING, randomBytes(32).toString('base64url'));
    return new SessionManager(store, Buffer.from(key, 'base64url'), opts);
  }

  /** Creates a session for `user` on `host` (a Host header value; the port is ignored). */
  async create(user: User, host: string): Promise<IssuedSession> {
    const now = this.now();
    const expiresSec = Math.floor(now / 1000) + this.ttlSeconds;
    const session: Session = {
      id: newId('ses', 16),
      user: user.name,
      host: normalHost(host),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(expiresSec * 1000).toISOString(),
    };
    await this.store.createSession(session);
    const value = `${session.id}.${expiresSec}.${this.sign(session.id, expiresSec, session.host)}`;
    this.remember(value, { user, host: session.host, expiresMs: expiresSec * 1000, until: now + this.cacheMs });
    return { value, session, maxAgeSeconds: this.ttlSeconds };
  }

  /** The user a cookie value stands for on `host`, or undefined if it is forged, expired, revoked or for another host. */
  async verify(value: string, host: string): Promise<User | undefined> {
    const now = this.now();
    // Cached by the whole signed value: a hit skips the HMAC as well as the store.
    const hit = this.cache.get(value);
    if (hit !== undefined && hit.until > now) return hit.expiresMs > now && sameHost(hit.host, host) ? hit.user : undefined;
    const parsed = this.check(value, normalHost(host));
    if (!parsed) return undefined;
    const session = await this.store.getSession(parsed.id);
    if (!session || session.revokedAt || session.host !== parsed.host) {
      this.cache.delete(value);
      return undefined;
    }
    const expiresMs = Date.parse(session.expiresAt);
    if (expiresMs <= now) return undefined;
    const user = await this.store.getUser(session.user);
    if (!user) return undefined;
    this.remember(value, { user, host: session.host, expiresMs, until: now + this.cacheMs });
    return user;
  }

  /** Signs a session out (idempotent; unknown or forged values are ignored). */
  async revoke(value: string): Promise<void> {
    const a = value.indexOf('.');
    if (a <= 0 || value.length > 200) return;
    const id = value.slice(0, a);
    // The cookie does not carry its host: the stored session says which host the signature covers.
    const session = await this.store.getSession(id);
    if (!session || !this.signedFor(value, session.host)) return;
    this.cache.delete(value);
    if (!session.revokedAt) await this.store.revokeSession(id, new Date(this.now()).toISOString());
  }

  /** A short-lived, single-use code that `exchangeCode` turns into a session on `host`. Only its hash is stored. */
  async issueCode(user: User, host: string): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    await this.store.createAuthCode({
      hash: hashCode(code),
      user: user.name,
      host: normalHost(host),
      expiresAt: new Date(this.now() + this.codeTtlSeconds * 1000).toISOString(),
    });
    return code;
  }

  /** Redeems a code on `host` for a new session; undefined if unknown, used, expired or issued for another host. */
  async exchangeCode(code: string, host: string): Promise<IssuedSession | undefined> {
    if (code.length === 0 || code.length > 100) return undefined;
    const stored = await this.store.consumeAuthCode(hashCode(code));
    if (!stored || stored.host !== normalHost(host) || Date.parse(stored.expiresAt) <= this.now()) return undefined;
    const user = await this.store.getUser(stored.user);
    if (!user) return undefined;
    return this.create(user, host);
  }

  /** Parses and checks signature, expiry and host binding (no store access). */
  private check(value: string, host: string): { id: string; host: string } | undefined {
    const a = value.indexOf('.');
    const b = value.indexOf('.', a + 1);
    if (a <= 0 || b <= a + 1 || value.length > 200) return undefined;
    const expires = Number(value.slice(a + 1, b));
    if (!Number.isSafeInteger(expires) || expires * 1000 <= this.now()) return undefined;
    const id = value.slice(0, a);
    const sig = value.slice(b + 1);
    if (!safeEqual(sig, this.sign(id, expires, host))) return undefined;
    return { id, host };
  }

  /** Whether the signature is right for `host`, ignoring expiry. */
  private signedFor(value: string, host: string): boolean {
    const a = value.indexOf('.');
    const b = value.indexOf('.', a + 1);
    if (a <= 0 || b <= a + 1) return false;
    const expires = Number(value.slice(a + 1, b));
    return Number.isSafeInteger(expires) && safeEqual(value.slice(b + 1), this.sign(value.slice(0, a), expires, host));
  }

  private sign(id: string, expires: number, host: string): string {
    return createHmac('sha256', this.key).update(`${id}.${expires}.${host}`).digest('base64url');
  }

  private remember(value: string, entry: Cached): void {
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(value, entry);
  }
}

/** Options for a Set-Cookie header. */
export interface CookieOptions {
  secure: boolean;
  maxAgeSeconds: number;
}

/** A host-only (no Domain), HttpOnly, SameSite=Lax session cookie; Secure over https. */
export function sessionCookie(name: string, value: string, opts: CookieOptions): string {
  return `${name}=${value}; Path=/; Max-Age=${opts.maxAgeSeconds}; HttpOnly; SameSite=Lax${opts.secure ? '; Secure' : ''}`;
}

/** A Set-Cookie header that deletes the cookie. */
export function clearCookie(name: string, secure: boolean): string {
  return `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** Reads one cookie from a Cookie header without building a map. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let i = 0;
  const n = header.length;
  while (i < n) {
    while (i < n && (header.charCodeAt(i) === 32 || header.charCodeAt(i) === 59)) i++;
    const eq = header.indexOf('=', i);
    if (eq < 0) return undefined;
    let end = header.indexOf(';', eq);
    if (end < 0) end = n;
    if (eq - i === name.length && header.startsWith(name, i)) return header.slice(eq + 1, end).trim();
    i = end + 1;
  }
  return undefined;
}

function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

function normalHost(host: string): string {
  const bracket = host.charCodeAt(0) === 91;
  const colon = bracket ? host.indexOf(']:') + 1 : host.lastIndexOf(':');
  return (colon > 0 ? host.slice(0, colon) : host).toLowerCase();
}

/** `canonical` (lowercase, no port) against a Host header value, without allocating. */
function sameHost(canonical: string, header: string): boolean {
  const n = canonical.length;
  if (header.length < n || (header.length > n && header.charCodeAt(n) !== 58)) return false;
  if (header.startsWith(canonical)) return true;
  return header.slice(0, n).toLowerCase() === canonical;
}

function safeEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
