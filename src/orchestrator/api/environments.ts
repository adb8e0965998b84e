import { Readable } from 'node:stream';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ENV_STATES } from '../../core/lifecycle.js';
import type { Orchestrator } from '../service.js';
import { environmentDto, eventDto, toEnvironmentDto, toEventDtos, type UrlScheme } from './dto.js';

const nameParam = z.object({ name: z.string().min(1).max(100) });
const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });

/** `/api/v1/environments`: create, list, read, start, stop, delete, events, logs. */
export function environmentRoutes(orch: Orchestrator, urls: UrlScheme): FastifyPluginAsyncZod {
  return async (app) => {
    const dto = (e: Parameters<typeof toEnvironmentDto>[0]) => toEnvironmentDto(e, urls);

    app.get('/environments', {
      schema: {
        summary: 'List environments (members see their own; admins see all, or one owner\'s with ?owner=)',
        querystring: z.object({
          owner: z.string().optional(),
          state: z.union([z.enum(ENV_STATES), z.array(z.enum(ENV_STATES))]).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(1000),
          after: z.string().optional().describe('Return names after this one (pagination)'),
        }),
        response: { 200: z.object({ items: z.array(environmentDto), next: z.string().optional() }) },
      },
    }, async (req) => {
      const states = req.query.state === undefined ? undefined : Array.isArray(req.query.state) ? req.query.state : [req.query.state];
      let envs = await orch.list(req.user, { ...(req.query.owner ? { owner: req.query.owner } : {}), ...(states ? { states } : {}) });
      envs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (req.query.after) envs = envs.filter((e) => e.name > req.query.after!);
      const page = envs.slice(0, req.query.limit);
      return { items: page.map(dto), ...(envs.length > page.length ? { next: page.at(-1)!.name } : {}) };
    });

    app.post('/environments', {
      schema: {
        summary: 'Create an environment from a template and start it',
        body: z.object({ name: z.string().describe('Lowercase letters, digits, hyphens; ≤ 40 chars'), template: z.string().min(1) }).strict(),
        response: { 201: environmentDto, 400: errorBody, 404: errorBody, 409: errorBody },
      },
    }, async (req, reply) => {
      const env = await orch.create(req.user, req.body);
      return reply.status(201).send(dto(env));
    });

    app.get('/environments/:name', { schema: { summary: 'Read one environment', params: nameParam, response: { 200: environmentDto, 404: errorBody } } }, async (req) =>
      dto(await orch.get(req.user, req.params.name)),
    );

    app.post('/environments/:name/start', { schema: { summary: 'Start a stopped or failed environment (no-op when running)', params: nameParam, response: { 202: environmentDto } } }, async (req, reply) =>
      reply.status(202).send(dto(await orch.start(req.user, req.params.name))),
    );

    app.post('/environments/:name/stop', { schema: { summary: 'Stop an environment; its home folder is kept (no-op when stopped)', params: nameParam, response: { 202: environmentDto } } }, async (req, reply) =>
      reply.status(202).send(dto(await orch.stop(req.user, req.params.name))),
    );

    app.delete('/environments/:name', { schema: { summary: 'Delete an environment and its home folder', params: nameParam, response: { 202: environmentDto } } }, async (req, reply) =>
      reply.status(202).send(dto(await orch.delete(req.user, req.params.name))),
    );

    app.get('/environments/:name/events', {
      schema: { summary: 'The environment\'s timeline, oldest first', params: nameParam, response: { 200: z.object({ items: z.array(eventDto) }) } },
    }, async (req) => {
      const env = await orch.get(req.user, req.params.name);
      return { items: toEventDtos(await orch.store.listEvents(env.id)) };
    });

    app.get('/environments/:name/logs', {
      schema: {
        summary: 'The environment\'s output as text; `follow=true` streams until the client disconnects',
        params: nameParam,
        querystring: z.object({ tail: z.coerce.number().int().min(0).max(100_000).default(100), follow: z.enum(['true', 'false']).default('false') }),
      },
    }, async (req, reply) => {
      const env = await orch.get(req.user, req.params.name);
      const abort = new AbortController();
      req.raw.on('close', () => abort.abort());
      const lines = orch.provider.logs(env, { tail: req.query.tail, follow: req.query.follow === 'true', signal: abort.signal });
      const body = Readable.from((async function* () {
        try {
          for await (const line of lines) yield `${line}\n`;
        } catch (err) {
          if (!abort.signal.aborted) throw err;
        }
      })());
      return reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').header('x-accel-buffering', 'no').send(body);
    });
  };
}
