import { z } from 'zod';
import { durationSchema } from './duration.js';
import { isValidName, MAX_ENV_NAME } from './ids.js';

/** Who may reach a port through the proxy. */
export const SHARE_LEVELS = ['owner', 'org', 'public'] as const;
export type ShareLevel = (typeof SHARE_LEVELS)[number];

export const nameSchema = z
  .string()
  .refine(isValidName, {
    message: `use lowercase letters, digits and single hyphens, starting with a letter, at most ${MAX_ENV_NAME} characters`,
  });

export const portSchema = z
  .object({
    /** The port the workload listens on inside the environment (on ECS, the container port). */
    port: z.number().int().min(1).max(65535),
    /** A short label shown in the dashboard (e.g. `ide`, `web`). */
    name: z.string().min(1).max(40).optional(),
    /** Who may reach it through the proxy. @default owner */
    share: z.enum(SHARE_LEVELS).default('owner'),
    /** `http` ports are health-checked with GET `healthPath`; `tcp` only need to accept a connection. @default http */
    protocol: z.enum(['http', 'tcp']).default('http'),
    /** Path answered with a non-5xx status once the workload is ready (http ports). @default / */
    healthPath: z.string().startsWith('/').default('/'),
  })
  .strict();
export type PortSpec = z.infer<typeof portSchema>;

export const templateSchema = z
  .object({
    name: nameSchema,
    description: z.string().max(200).optional(),
    /** Container image, used by the ECS provider (a private ECR URI). */
    image: z.string().min(1).optional(),
    /** Command to run, used by the local provider. `{port}` / `{home}` are substituted; env vars PORT and HOME are set too. */
    command: z.array(z.string()).min(1).optional(),
    /** CPU units (1024 = one vCPU). @default 1024 */
    cpu: z.number().int().min(128).max(16384).default(1024),
    /** Memory in MiB. @default 2048 */
    memory: z.number().int().min(128).max(122880).default(2048),
    /** Ports the workload listens on; the first is the default (IDE) port. @default [] */
    ports: z.array(portSchema).max(20).default([]),
    /** Environment variables passed to the workload. @default {} */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid variable name'), z.string()).default({}),
    /** Stop after this long without proxy traffic; 0 never stops. Accepts 30m, 2h, or seconds. @default 30m */
    idleTimeout: durationSchema.default(1800),
    /** How long the workload may take to become ready. @default 60s */
    startTimeout: durationSchema.default(60),
    /** A command the container runs to report health (ECS); the task is ready only once it passes. */
    healthCheck: z
      .object({
        command: z.array(z.string().min(1)).min(1),
        /** Seconds between checks. @default 30 */
        interval: z.number().int().min(5).max(300).optional(),
        /** Seconds one check may take. @default 5 */
        timeout: z.number().int().min(2).max(60).optional(),
        retries: z.number().int().min(1).max(10).optional(),
        /** Grace period after start, in seconds. @default 0 */
        startPeriod: z.number().int().min(0).max(300).optional(),
      })
      .strict()
      .optional(),
    /** What to do when the workload exits on its own while running. @default never */
    restartPolicy: z.enum(['never', 'on-failure']).default('never'),
  })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Set<number>();
    t.ports.forEach((p, i) => {
      if (seen.has(p.port)) ctx.addIssue({ code: 'custom', path: ['ports', i, 'port'], message: `port ${p.port} is declared twice` });
      seen.add(p.port);
    });
  });

/** A template as written in the config file (before defaults). */
export type TemplateInput = z.input<typeof templateSchema>;
/** A validated template with every default filled in. */
export type Template = z.output<typeof templateSchema>;

/** The default (IDE) port of a template: its first declared port. */
export function defaultPort(t: Pick<Template, 'ports'>): PortSpec | undefined {
  return t.ports[0];
}
