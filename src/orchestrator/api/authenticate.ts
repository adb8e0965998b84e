import type { FastifyRequest } from 'fastify';
import type { User } from '../../core/environment.js';
import { UnauthorizedError } from '../../core/errors.js';
import { hashSecret, verifyToken, type Principal } from '../../auth/tokens.js';
import type { Store } from '../../store/store.js';
import { RUNNER_COOKIE, readCookie } from '../../auth/sessions.js';

/** Verifies a browser session cookie for the runner's own host. */
export type SessionVerifier = (cookieValue: string, host: string) => Promise<User | undefined>;

/** How long a verified token is trusted without asking the store again. */
const CACHE_MS = 5_000;

/**
 * Resolves who is calling: `Authorization: Bearer <token>` (CLI, scripts) or the
 * dashboard's session cookie. Verified tokens are cached briefly so a request does
 * not cost two store reads; revoking through this runner clears the cache at once.
 */
export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();

  private verifySession: SessionVerifier | undefined;

  constructor(private readonly store: Store) {}

  /** Accepts the dashboard's session cookie as well as bearer tokens. */
  useSessions(verify: SessionVerifier): void {
    this.verifySession = verify;
  }

  async fromRequest(req: FastifyRequest): Promise<User> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
      return (await this.bearer(m[1]!)).user;
    }
    const cookie = this.verifySession ? readCookie(req.headers.cookie, RUNNER_COOKIE) : undefined;
    if (cookie && this.verifySession) {
      const user = await this.verifySession(cookie, req.headers.host ?? '');
      if (user) return user;
      throw new UnauthorizedError('your session has expired or was signed out; sign in again');
    }
    throw new UnauthorizedError();
  }

  /** Verifies a bearer secret (also used by the proxy). */
  async bearer(secret: string): Promise<Principal> {
    const key = hashSecret(secret);
    const hit = this.cache.get(key);
    const now = Date.now();
    if (hit && hit.until > now) return hit.principal;
    const principal = await verifyToken(this.store, secret, now);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { principal, until: now + CACHE_MS });
    return principal;
  }

  /** Forgets cached verifications (after a revoke). */
  forget(): void {
    this.cache.clear();
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (set by the auth hook on every route but the public ones). */
    user: User;
  }
}
