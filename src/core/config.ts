import { z } from 'zod';
import { durationSchema } from './duration.js';
import { templateSchema, type Template } from './template.js';
import { ConfigError } from './errors.js';

export const DEPLOYMENT_MODES = ['isolated', 'nat', 'public-ip', 'existing-vpc'] as const;
export type DeploymentMode = (typeof DEPLOYMENT_MODES)[number];

/** Why an AWS endpoint is needed beyond the runner's core (the catalog in src/netcheck/catalog.ts keys on these). */
export const FEATURES = [
  /** The ECS compute provider calls the ECS API (RunTask, DescribeTasks, StopTask). */
  'ecs-provider',
  /** ECS on EC2 capacity: the container agent talks to ecs-agent and ecs-telemetry. */
  'ec2-capacity',
  /** State kept in DynamoDB. */
  'dynamodb-store',
  /** Home folders on EFS with an access point per environment. */
  'efs-home',
  /** ECS Exec and Session Manager shells into environments. */
  'exec',
  /** Metrics shipped to CloudWatch by the ADOT collector. */
  'metrics',
  /** `airlock doctor` live audits and `airlock deploy` from inside the VPC. */
  'operator',
] as const;
export type Feature = (typeof FEATURES)[number];

const sqliteStoreSchema = z.object({
  type: z.literal('sqlite'),
  /** Database file. @default <dataDir>/airlock.db */
  path: z.string().optional(),
}).strict();

const dynamodbStoreSchema = z.object({
  type: z.literal('dynamodb'),
  /** Table name (single-table design, see docs/dynamodb.md). */
  table: z.string().min(3).max(255),
  /** @default the SDK's region (AWS_REGION) */
  region: z.string().optional(),
  /** Endpoint override (tests point it at a local server). */
  endpoint: z.string().url().optional(),
  /** Create the table when it is missing (tests and first runs; deployments create it with CloudFormation). @default false */
  createTable: z.boolean().default(false),
}).strict();

const localComputeSchema = z.object({
  type: z.literal('local'),
  /** Seconds between SIGTERM and SIGKILL on stop. @default 5s */
  stopGrace: durationSchema.default(5),
}).strict();

const ecsComputeSchema = z.object({
  type: z.literal('ecs'),
  cluster: z.string().min(1),
  subnets: z.array(z.string().min(1)).min(1),
  securityGroups: z.array(z.string().min(1)).min(1),
  /** @default [{ capacityProvider: 'FARGATE', weight: 1 }] */
  capacityProviderStrategy: z
    .array(z.object({ capacityProvider: z.string(), weight: z.number().int().min(0).default(1), base: z.number().int().min(0).optional() }).strict())
    .default([{ capacityProvider: 'FARGATE', weight: 1 }]),
  /** Deployment mode: `isolated` never assigns a public IP. @default isolated */
  mode: z.enum(DEPLOYMENT_MODES).default('isolated'),
  executionRoleArn: z.string().min(1),
  taskRoleArn: z.string().min(1).optional(),
  logGroup: z.string().min(1),
  fileSystemId: z.string().min(1).optional(),
  region: z.string().optional(),
  /** Where the EFS home folder is mounted in the container. @default /home/airlock */
  homePath: z.string().startsWith('/').default('/home/airlock'),
  /** Owner of the home folder's access point. @default 1000 */
  homeUid: z.number().int().min(0).default(1000),
  homeGid: z.number().int().min(0).default(1000),
  /** What to do with tasks tagged by this runner that the store does not know. @default stop */
  orphans: z.enum(['adopt', 'stop']).default('stop'),
}).strict();

export const configSchema = z.object({
  /** Port of the API, dashboard and proxy. @default 7080 */
  port: z.number().int().min(0).max(65535).default(7080),
  /** Address to listen on. @default 127.0.0.1 */
  host: z.string().default('127.0.0.1'),
  /** Domain environments are served under (`<port>--<env>.<domain>`). @default localhost */
  domain: z.string().default('localhost'),
  /** Public URL of the runner, when it differs from http://<domain>:<port>. */
  publicUrl: z.string().url().optional(),
  /** Trust X-Forwarded-For/-Proto/-Host from the client: only behind a load balancer that sets them. @default false */
  trustForwarded: z.boolean().default(false),
  /** A name for this runner; ECS tasks are tagged with it. @default local */
  runnerId: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/).default('local'),
  store: z.discriminatedUnion('type', [sqliteStoreSchema, dynamodbStoreSchema]).default({ type: 'sqlite' }),
  compute: z.discriminatedUnion('type', [localComputeSchema, ecsComputeSchema]).default({ type: 'local', stopGrace: 5 }),
  /** Proxy traffic marks an environment active in the store at most this often. @default 30s */
  activityInterval: durationSchema.default(30),
  /** Seconds between reconciler passes. @default 10s */
  reconcileInterval: durationSchema.default(10),
  /** How often the reconciler also looks for instances no environment owns (it costs a full listing). @default 60s */
  orphanSweepInterval: durationSchema.default(60),
  netcheck: z
    .object({
      /** Run the check in the runner. @default true on ECS, false locally (run `airlock netcheck` by hand) */
      enabled: z.boolean().optional(),
      /** @default 5m */
      interval: durationSchema.default(300),
      region: z.string().default('us-east-1'),
      mode: z.enum(DEPLOYMENT_MODES).default('isolated'),
      /** Bounded time for the whole check. @default 3s */
      timeout: durationSchema.default(3),
      /** Features whose endpoints are required too (see docs/netcheck.md). @default the AWS deployment's features */
      features: z.array(z.enum(FEATURES)).optional(),
      /** Capacity environments run on: `ec2` needs the ECS agent endpoints. @default fargate */
      capacity: z.enum(['fargate', 'ec2']).optional(),
      /** AWS account id, for the ECR registry host. */
      account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
      /** Send DNS questions to this server (`host:port`) instead of the system's. */
      resolver: z.string().optional(),
      /** Port to probe. @default 443 */
      port: z.number().int().min(1).max(65535).default(443),
    })
    .strict()
    .default({ interval: 300, region: 'us-east-1', mode: 'isolated', timeout: 3, port: 443 }),
  /** Templates offered to users, in addition to the built-in `demo`. @default [] */
  templates: z.array(templateSchema).default([]),
}).strict();

export type AirlockConfig = z.output<typeof configSchema>;
export type AirlockConfigInput = z.input<typeof configSchema>;

/** Turns zod issues into one ConfigError whose message names each field at fault. */
export function configErrorFrom(issues: readonly z.core.$ZodIssue[], source: string): ConfigError {
  const lines = issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`);
  const first = issues[0];
  return new ConfigError(`${source} is not valid:\n${lines.join('\n')}`, first ? formatPath(first.path) : undefined);
}

/** `templates[0].ports[1].share` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

/** Validates a parsed config object. */
export function parseConfig(input: unknown, source = 'configuration'): AirlockConfig {
  const r = configSchema.safeParse(input ?? {});
  if (!r.success) throw configErrorFrom(r.error.issues, source);
  const names = new Set<string>();
  r.data.templates.forEach((t: Template, i: number) => {
    if (names.has(t.name)) throw new ConfigError(`${source} is not valid:\n  templates[${i}].name: template "${t.name}" is declared twice`, `templates[${i}].name`);
    names.add(t.name);
  });
  return r.data;
}
