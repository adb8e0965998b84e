import { z } from 'zod';
import type { EnvEvent, Environment } from '../../core/environment.js';
import { ENV_STATES } from '../../core/lifecycle.js';
import { SHARE_LEVELS } from '../../core/template.js';

/** How environment URLs are formed (`<port>--<name>.<domain>`). */
export interface UrlScheme {
  protocol: 'http' | 'https';
  domain: string;
  /** Port in URLs; omitted when it is the protocol's default. */
  port?: number;
}

export const portDto = z.object({
  port: z.number(),
  name: z.string().optional(),
  share: z.enum(SHARE_LEVELS),
  url: z.string(),
});

export const environmentDto = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.string(),
  template: z.string(),
  state: z.enum(ENV_STATES),
  reason: z.string().optional(),
  url: z.string().describe('The default (IDE) port through the proxy'),
  ports: z.array(portDto),
  idleTimeoutSeconds: z.number(),
  /** When the idle auto-stop will happen if nothing touches it (running environments only). */
  idleStopAt: z.string().optional(),
  instance: z.object({ address: z.string().optional(), ports: z.record(z.string(), z.number()).optional() }).optional(),
  generation: z.number(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastActiveAt: z.string(),
});
export type EnvironmentDto = z.infer<typeof environmentDto>;

export const eventDto = z.object({ at: z.string(), type: z.string(), message: z.string(), sincePreviousMs: z.number() });

/** The public view of an environment. */
export function toEnvironmentDto(env: Environment, urls: UrlScheme): EnvironmentDto {
  const host = (label: string) => `${urls.protocol}://${label}.${urls.domain}${urls.port ? `:${urls.port}` : ''}`;
  const ports = env.spec.ports.map((p) => ({
    port: p.port,
    ...(p.name ? { name: p.name } : {}),
    share: p.share,
    url: `${host(`${p.port}--${env.name}`)}/`,
  }));
  const idle = env.spec.idleTimeout;
  return {
    id: env.id,
    name: env.name,
    owner: env.owner,
    template: env.template,
    state: env.state,
    ...(env.reason ? { reason: env.reason } : {}),
    url: `${host(env.name)}/`,
    ports,
    idleTimeoutSeconds: idle,
    ...(env.state === 'running' && idle > 0 ? { idleStopAt: new Date(Date.parse(env.lastActiveAt) + idle * 1000).toISOString() } : {}),
    ...(env.instance ? { instance: { ...(env.instance.address ? { address: env.instance.address } : {}), ...(env.instance.ports ? { ports: env.instance.ports } : {}) } } : {}),
    generation: env.generation,
    version: env.version,
    createdAt: env.createdAt,
    updatedAt: env.updatedAt,
    lastActiveAt: env.lastActiveAt,
  };
}

/** The timeline with the time each step took since the one before. */
export function toEventDtos(events: EnvEvent[]) {
  return events.map((e, i) => ({
    at: e.at,
    type: e.type,
    message: e.message,
    sincePreviousMs: i === 0 ? 0 : Math.max(0, Date.parse(e.at) - Date.parse(events[i - 1]!.at)),
  }));
}
