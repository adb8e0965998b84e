import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { validatorCompiler, jsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import swagger from '@fastify/swagger';
import type { Logger } from '../../telemetry/logger.js';
import { VERSION } from '../../core/version.js';
import type { Orchestrator } from '../service.js';
import { errorHandler } from './errors.js';
import { Authenticator } from './authenticate.js';
import { environmentRoutes } from './environments.js';
import { templateRoutes } from './templates.js';
import { identityRoutes } from './identity.js';
import { healthRoutes, runnerRoutes, type NetworkSource, type RunnerInfo } from './runner-info.js';
import type { UrlScheme } from './dto.js';

export interface ApiOptions {
  orchestrator: Orchestrator;
  auth: Authenticator;
  info: RunnerInfo;
  urls: UrlScheme;
  logger: Logger;
  network?: NetworkSource;
  /** Prometheus text for /metrics. */
  metrics?: () => string;
  /** Extra plugins registered under /api/v1 (auth routes) and at the root (dashboard). */
  apiPlugins?: ((app: FastifyInstance) => Promise<void>)[];
  rootPlugins?: ((app: FastifyInstance) => Promise<void>)[];
  /** Routes under /api/v1 that need no token (besides health and openapi.json). */
  publicPaths?: string[];
}

const PUBLIC = new Set(['/api/v1/health', '/api/v1/openapi.json']);

/**
 * The REST API under /api/v1: every route declares its schema (zod), every route but
 * the public ones needs a token or a dashboard session, and errors name the bad field.
 */
export async function buildApi(opts: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // Responses are built by our own code from typed values: serialise them directly
  // (the schemas still document them in OpenAPI) instead of re-validating every list.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(errorHandler(opts.logger));
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}; see /api/v1/openapi.json` } }),
  );

  await app.register(swagger, {
    openapi: {
      info: { title: 'Airlock API', version: VERSION, description: 'Private cloud development environments on AWS ECS.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  const publicPaths = new Set([...PUBLIC, ...(opts.publicPaths ?? [])]);
  app.decorateRequest('user', undefined as never);
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    if (!path.startsWith('/api/') || publicPaths.has(path)) return;
    req.user = await opts.auth.fromRequest(req);
  });

  // Reads carry an ETag, and clients must revalidate: a poll of an unchanged list costs
  // a 304 with no body (browsers do this on their own for `fetch` with no-cache).
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method !== 'GET' || typeof payload !== 'string' || reply.statusCode !== 200 || !req.url.startsWith('/api/')) return payload;
    const etag = `W/"${createHash('sha1').update(payload).digest('base64url')}"`;
    reply.header('etag', etag).header('cache-control', 'private, no-cache');
    if (req.headers['if-none-match'] === etag) {
      reply.code(304);
      return '';
    }
    return payload;
  });

  await app.register(async (api) => {
    await api.register(healthRoutes());
    await api.register(environmentRoutes(opts.orchestrator, opts.urls));
    await api.register(templateRoutes(opts.orchestrator.templates));
    await api.register(identityRoutes(opts.orchestrator.store, opts.auth));
    await api.register(runnerRoutes(opts.info, opts.network));
    for (const p of opts.apiPlugins ?? []) await api.register(p);
    api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }, { prefix: '/api/v1' });

  if (opts.metrics) {
    const render = opts.metrics;
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
      reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(render()),
    );
  }
  for (const p of opts.rootPlugins ?? []) await app.register(p);
  await app.ready();
  return app;
}
