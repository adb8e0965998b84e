import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { VERSION } from '../../core/version.js';

export interface RunnerInfo {
  version: string;
  runnerId: string;
  store: string;
  provider: string;
  domain: string;
  mode: string;
  startedAt: string;
}

/** Where the latest network readiness report comes from (netcheck), if it runs. */
export interface NetworkSource {
  latest(): unknown;
  history(): unknown[];
}

/** `/api/v1/runner` and `/api/v1/runner/network`. */
export function runnerRoutes(info: RunnerInfo, network?: NetworkSource): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/runner', {
      schema: {
        summary: 'The runner: version, store, provider, deployment mode',
        response: { 200: z.object({ version: z.string(), runnerId: z.string(), store: z.string(), provider: z.string(), domain: z.string(), mode: z.string(), startedAt: z.string() }) },
      },
    }, async () => info);

    app.get('/runner/network', {
      schema: {
        summary: 'Network readiness: the latest check of every AWS endpoint the runner needs',
        querystring: z.object({ history: z.enum(['true', 'false']).default('false') }),
      },
    }, async (req, reply) => {
      if (!network) return reply.status(200).send({ status: 'disabled', message: 'the network check is off for this runner (enable it with netcheck.enabled: true)' });
      const latest = network.latest();
      if (!latest) return reply.status(200).send({ status: 'pending', message: 'the first check is still running' });
      return req.query.history === 'true' ? { latest, history: network.history() } : latest;
    });
  };
}

/** The health check (no auth): load balancers and `airlock up` poll it. */
export function healthRoutes(): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/health', { schema: { summary: 'Liveness (no auth)', response: { 200: z.object({ status: z.literal('ok'), version: z.string() }) } } }, async () => ({ status: 'ok' as const, version: VERSION }));
  };
}
