import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES, type Token, nowIso } from '../../core/environment.js';
import { AlreadyExistsError, NotFoundError } from '../../core/errors.js';
import { nameSchema } from '../../core/template.js';
import { durationSchema } from '../../core/duration.js';
import { issueToken } from '../../auth/tokens.js';
import type { Store } from '../../store/store.js';
import { assertAdmin } from '../access.js';
import type { Authenticator } from './authenticate.js';

const userDto = z.object({ name: z.string(), role: z.enum(ROLES), createdAt: z.string() });
const tokenDto = z.object({
  id: z.string(),
  user: z.string(),
  label: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
});

function tokenView(t: Token) {
  const { hash: _hash, ...rest } = t;
  return rest;
}

/** `/api/v1/me`, `/users` (admins manage), `/tokens` (everyone manages their own; admins all). */
export function identityRoutes(store: Store, auth: Authenticator): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/me', { schema: { summary: 'Who the caller is', response: { 200: userDto } } }, async (req) => req.user);

    app.get('/users', { schema: { summary: 'List users (admins)', response: { 200: z.object({ items: z.array(userDto) }) } } }, async (req) => {
      assertAdmin(req.user, 'list users');
      return { items: await store.listUsers() };
    });

    app.post('/users', {
      schema: {
        summary: 'Create a user and its first token (admins); the token is shown once',
        body: z.object({ name: nameSchema, role: z.enum(ROLES).default('member') }).strict(),
        response: { 201: z.object({ user: userDto, token: z.string() }) },
      },
    }, async (req, reply) => {
      assertAdmin(req.user, 'create users');
      if (await store.getUser(req.body.name)) throw new AlreadyExistsError('user', req.body.name);
      const user = await store.createUser({ name: req.body.name, role: req.body.role, createdAt: nowIso() });
      const { secret } = await issueToken(store, user.name, { label: 'first token' });
      return reply.status(201).send({ user, token: secret });
    });

    app.get('/tokens', {
      schema: { summary: 'List tokens (yours; admins may pass ?user=)', querystring: z.object({ user: z.string().optional() }), response: { 200: z.object({ items: z.array(tokenDto) }) } },
    }, async (req) => {
      const user = req.user.role === 'admin' ? req.query.user : req.user.name;
      return { items: (await store.listTokens(user)).map(tokenView) };
    });

    app.post('/tokens', {
      schema: {
        summary: 'Create a token; the secret is in the response once and never again',
        body: z.object({ label: z.string().min(1).max(100).default('token'), expiresIn: durationSchema.optional(), user: z.string().optional() }).strict(),
        response: { 201: z.object({ token: tokenDto, secret: z.string() }) },
      },
    }, async (req, reply) => {
      const owner = req.body.user ?? req.user.name;
      if (owner !== req.user.name) assertAdmin(req.user, 'create tokens for other users');
      if (!(await store.getUser(owner))) throw new NotFoundError('user', owner);
      const { token, secret } = await issueToken(store, owner, { label: req.body.label, ...(req.body.expiresIn ? { expiresInSeconds: req.body.expiresIn } : {}) });
      return reply.status(201).send({ token: tokenView(token), secret });
    });

    app.delete('/tokens/:id', {
      schema: { summary: 'Revoke a token', params: z.object({ id: z.string() }), response: { 200: tokenDto } },
    }, async (req) => {
      const token = await store.getToken(req.params.id);
      if (!token || (token.user !== req.user.name && req.user.role !== 'admin')) throw new NotFoundError('token', req.params.id);
      if (!token.revokedAt) await store.revokeToken(token.id, nowIso());
      auth.forget();
      return tokenView((await store.getToken(token.id))!);
    });
  };
}
