import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SHARE_LEVELS } from '../../core/template.js';
import type { TemplateCatalog } from '../templates.js';

export const templateDto = z.object({
  name: z.string(),
  description: z.string().optional(),
  image: z.string().optional(),
  cpu: z.number(),
  memory: z.number(),
  ports: z.array(z.object({ port: z.number(), name: z.string().optional(), share: z.enum(SHARE_LEVELS), protocol: z.enum(['http', 'tcp']) })),
  idleTimeoutSeconds: z.number(),
  env: z.record(z.string(), z.string()),
});

/** `/api/v1/templates`: what environments can be created from. */
export function templateRoutes(templates: TemplateCatalog): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/templates', { schema: { summary: 'List templates', response: { 200: z.object({ items: z.array(templateDto) }) } } }, async () => ({
      items: templates.list().map((t) => ({
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        ...(t.image ? { image: t.image } : {}),
        cpu: t.cpu,
        memory: t.memory,
        ports: t.ports.map((p) => ({ port: p.port, ...(p.name ? { name: p.name } : {}), share: p.share, protocol: p.protocol })),
        idleTimeoutSeconds: t.idleTimeout,
        env: t.env,
      })),
    }));
  };
}
