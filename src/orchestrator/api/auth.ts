import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { User } from '../../core/environment.js';
import { matchHost } from '../../proxy/host.js';
import { safeReturnPath } from '../../proxy/proxy.js';
import { RUNNER_COOKIE, clearCookie, readCookie, sessionCookie, type SessionManager } from '../../auth/sessions.js';

export interface AuthRouteDeps {
  sessions: Pick<SessionManager, 'create' | 'verify' | 'revoke' | 'issueCode'>;
  /** Resolves an API token to its user; undefined (or a rejection) when not valid. */
  verifyBearer(secret: string): Promise<{ user: User } | undefined>;
  /** The environment domain (`localhost` locally): `authorize` only sends codes to its environment hosts. */
  domain: string;
  /** The runner's public URL; its scheme decides Secure cookies and the callback's scheme. */
  runnerUrl: string;
  /** Where the dashboard's sign-in page lives. @default /signin */
  signInPath?: string;
}

/** Paths these routes answer without the API's token check (they do their own); pass them to the API's publicPaths. */
export const AUTH_PUBLIC_PATHS = ['/api/v1/auth/session', '/api/v1/auth/authorize'];

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/**
 * Browser sign-in on the runner host, registered under /api/v1:
 * - POST /auth/session `{ token }` → sets the dashboard session cookie;
 * - DELETE /auth/session → signs the dashboard session out;
 * - GET /auth/authorize?host=&return= → sends a signed-in browser back to an
 *   environment host with a one-time code (or to the sign-in page first).
 */
export function authRoutes(deps: AuthRouteDeps) {
  const secure = deps.runnerUrl.startsWith('https:');
  const scheme = secure ? 'https' : 'http';
  const signInPath = deps.signInPath ?? '/signin';

  return async function plugin(root: FastifyInstance): Promise<void> {
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/auth/session',
      {
        schema: {
          summary: 'Sign in a browser with an API token (sets the dashboard session cookie)',
          body: z.object({ token: z.string().min(1).max(600) }).strict(),
          response: { 200: z.object({ user: z.object({ name: z.string(), role: z.string() }), expiresAt: z.string() }), 401: errorBody },
          security: [],
        },
      },
      async (req, reply) => {
        const found = await deps.verifyBearer(req.body.token).catch(() => undefined);
        if (!found) return unauthorized(reply, 'that token is not valid (expired, revoked or mistyped); create one with `airlock token create`');
        const issued = await deps.sessions.create(found.user, req.headers.host ?? '');
        void reply.header('set-cookie', sessionCookie(RUNNER_COOKIE, issued.value, { secure, maxAgeSeconds: issued.maxAgeSeconds }));
        void reply.header('cache-control', 'no-store');
        return { user: { name: found.user.name, role: found.user.role }, expiresAt: issued.session.expiresAt };
      },
    );

    app.delete(
      '/auth/session',
      { schema: { summary: 'Sign the browser out (revokes the dashboard session)', security: [] } },
      async (req, reply) => {
        const cookie = readCookie(req.headers.cookie, RUNNER_COOKIE);
        if (cookie) await deps.sessions.revoke(cookie);
        return reply.header('set-cookie', clearCookie(RUNNER_COOKIE, secure)).header('cache-control', 'no-store').status(204).send();
      },
    );

    app.get(
      '/auth/authorize',
      {
        schema: {
          summary: 'Send a signed-in browser back to an environment host with a one-time sign-in code',
          querystring: z.object({ host: z.string().min(1).max(300), return: z.string().max(4096).optional() }),
          response: { 400: errorBody },
          security: [],
        },
      },
      async (req, reply) => {
        const { host } = req.query;
        const match = matchHost(host, deps.domain);
        // Codes only ever go to our own environment hosts: never an open redirect.
        if (match.kind !== 'env' || !validPortSuffix(host)) {
          return reply.status(400).send({ error: { code: 'invalid_input', message: `"${printable(host)}" is not an environment host under ${deps.domain}` } });
        }
        const ret = safeReturnPath(req.query.return ?? '/');
        const cookie = readCookie(req.headers.cookie, RUNNER_COOKIE);
        const user = cookie ? await deps.sessions.verify(cookie, req.headers.host ?? '') : undefined;
        void reply.header('cache-control', 'no-store');
        if (!user) {
          return reply.redirect(`${signInPath}?next=${encodeURIComponent(req.url)}`, 302);
        }
        const code = await deps.sessions.issueCode(user, match.host);
        const target = `${scheme}://${host.toLowerCase()}/__airlock/callback?code=${encodeURIComponent(code)}&return=${encodeURIComponent(ret)}`;
        return reply.redirect(target, 302);
      },
    );
  };
}

function unauthorized(reply: FastifyReply, message: string) {
  return reply.status(401).send({ error: { code: 'unauthorized', message } });
}

/** A `:port` suffix, if any, is digits only (matchHost already checked the rest). */
function validPortSuffix(host: string): boolean {
  const colon = host.indexOf(':');
  if (colon < 0) return true;
  const port = host.slice(colon + 1);
  return port.length > 0 && port.length <= 5 && [...port].every((c) => c >= '0' && c <= '9');
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
}
