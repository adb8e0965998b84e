/**
 * Command-line options shared by `airlock synth`, `deploy` and `destroy`, validated with
 * zod and turned into BuildAppOptions. Imports nothing from aws-cdk-lib.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEPLOYMENT_MODES, configErrorFrom } from '../core/config.js';
import { ValidationError } from '../core/errors.js';
import { FEATURES, isRegion } from '../netcheck/catalog.js';
import type { BuildAppOptions } from './app.js';

/** node:util parseArgs option table for the infra commands. */
export const INFRA_OPTIONS = {
  mode: { type: 'string' },
  region: { type: 'string' },
  domain: { type: 'string' },
  azs: { type: 'string' },
  'ec2-capacity': { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'stack-name': { type: 'string' },
  features: { type: 'string' },
  'runner-id': { type: 'string' },
  'runner-image': { type: 'string' },
  'collector-image': { type: 'string' },
  'certificate-arn': { type: 'string' },
  'client-cidrs': { type: 'string' },
  'nat-gateways': { type: 'string' },
  'vpc-id': { type: 'string' },
  'subnet-ids': { type: 'string' },
  'route-table-ids': { type: 'string' },
  'vpc-cidr': { type: 'string' },
  'load-balancer': { type: 'string' },
  bootstrap: { type: 'boolean' },
  yes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Default output folder, relative to the working directory. */
export const DEFAULT_OUT_DIR = 'cdk.out/airlock';
/** Placeholder domain for `synth` when none is given; deploy requires a real one. */
export const PLACEHOLDER_DOMAIN = 'airlock.example.com';

const list = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
const image = z.string().regex(/^[^:@\s]+:[^:@\s]+$/, 'use <repository>:<tag>, e.g. airlock:0.1.0 (a repository in this account\'s ECR)')
  .transform((s) => { const i = s.lastIndexOf(':'); return { repositoryName: s.slice(0, i), tag: s.slice(i + 1) }; });

const schema = z.object({
  mode: z.enum(DEPLOYMENT_MODES).default('isolated'),
  region: z.string().refine(isRegion, 'not an AWS Region name, e.g. eu-west-1').optional(),
  domain: z.string().min(1).optional(),
  azs: z.enum(['2', '3']).transform(Number).optional(),
  'ec2-capacity': z.boolean().default(false),
  out: z.string().min(1).default(DEFAULT_OUT_DIR),
  json: z.boolean().default(false),
  'stack-name': z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'letters, digits and hyphens, starting with a letter').default('Airlock'),
  features: list.pipe(z.array(z.enum(FEATURES))).optional(),
  'runner-id': z.string().optional(),
  'runner-image': image.optional(),
  'collector-image': image.optional(),
  'certificate-arn': z.string().optional(),
  'client-cidrs': list.optional(),
  'nat-gateways': z.string().regex(/^\d+$/, 'a whole number').transform(Number).optional(),
  'vpc-id': z.string().optional(),
  'subnet-ids': list.optional(),
  'route-table-ids': list.optional(),
  'vpc-cidr': z.string().optional(),
  'load-balancer': z.enum(['alb', 'nlb']).optional(),
  bootstrap: z.boolean().default(false),
  yes: z.boolean().default(false),
  help: z.boolean().default(false),
}).strict();

export type InfraArgs = z.output<typeof schema>;

/** Parses and validates the arguments of an infra command. */
export function parseInfraArgs(command: string, args: string[]): InfraArgs {
  const { values, positionals } = parseArgs({ args, options: INFRA_OPTIONS, allowPositionals: true, strict: true });
  if (positionals.length > 0) throw new ValidationError(`airlock ${command} takes no positional arguments (got "${positionals.join(' ')}"); see \`airlock ${command} --help\``);
  const r = schema.safeParse(values);
  if (!r.success) throw configErrorFrom(r.error.issues.map((i) => ({ ...i, path: i.path.map((p) => `--${String(p)}`) })), `airlock ${command} options`);
  const a = r.data;
  const existing = a['vpc-id'] !== undefined || a['subnet-ids'] !== undefined || a['vpc-cidr'] !== undefined || a['route-table-ids'] !== undefined;
  if (a.mode === 'existing-vpc' && (!a['vpc-id'] || !a['subnet-ids'] || !a['vpc-cidr'])) {
    throw new ValidationError('--mode existing-vpc needs --vpc-id, --subnet-ids (comma-separated) and --vpc-cidr (and optionally --route-table-ids for the gateway endpoints)', '--vpc-id');
  }
  if (a.mode !== 'existing-vpc' && existing) throw new ValidationError('--vpc-id, --subnet-ids, --route-table-ids and --vpc-cidr only apply with --mode existing-vpc', '--mode');
  return a;
}

/** BuildAppOptions from parsed arguments (the region falls back to AWS_REGION, then us-east-1). */
export function appOptionsFrom(a: InfraArgs, env: Record<string, string | undefined> = process.env): BuildAppOptions {
  return {
    mode: a.mode,
    region: a.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    domain: a.domain ?? PLACEHOLDER_DOMAIN,
    stackName: a['stack-name'],
    ...(a.azs !== undefined ? { azs: a.azs } : {}),
    ...(a['ec2-capacity'] ? { ec2Capacity: true } : {}),
    ...(a.features ? { features: a.features } : {}),
    ...(a['runner-id'] ? { runnerId: a['runner-id'] } : {}),
    ...(a['runner-image'] ? { runnerImage: a['runner-image'] } : {}),
    ...(a['collector-image'] ? { collectorImage: a['collector-image'] } : {}),
    ...(a['certificate-arn'] ? { certificateArn: a['certificate-arn'] } : {}),
    ...(a['client-cidrs'] ? { clientCidrs: a['client-cidrs'] } : {}),
    ...(a['nat-gateways'] !== undefined ? { natGateways: a['nat-gateways'] } : {}),
    ...(a['load-balancer'] ? { loadBalancer: a['load-balancer'] } : {}),
    ...(a.mode === 'existing-vpc'
      ? { existingVpc: { vpcId: a['vpc-id']!, subnetIds: a['subnet-ids']!, vpcCidr: a['vpc-cidr']!, ...(a['route-table-ids'] ? { routeTableIds: a['route-table-ids'] } : {}) } }
      : {}),
  };
}

/** Help text shared by the three commands. */
export function infraUsage(command: 'synth' | 'deploy' | 'destroy'): string {
  const lead = {
    synth: 'Write plain CloudFormation YAML for an AWS deployment, offline (no AWS account needed).',
    deploy: 'Deploy Airlock to the AWS account of your credentials through the CDK toolkit.',
    destroy: 'Delete an Airlock deployment (the state table, home folders and image repository are kept).',
  }[command];
  return `Usage: airlock ${command} [options]

${lead}

  --mode <m>              isolated (default), nat, public-ip, existing-vpc
  --region <r>            Region the deployment is for (default: AWS_REGION, else us-east-1)
  --domain <d>            domain environments are served under${command === 'synth' ? ` (default ${PLACEHOLDER_DOMAIN})` : ' (required)'}
  --azs 2|3               Availability Zones of a new VPC (default 2)
  --ec2-capacity          add an EC2 capacity provider for large or GPU environments
  --features a,b          ${FEATURES.join(', ')}
  --runner-image r:t      runner image in this account's ECR (default airlock:<version>)
  --collector-image r:t   ADOT collector image in ECR (default aws-otel-collector:v0.47.0)
  --certificate-arn a     existing ACM certificate for <domain> and *.<domain>
  --client-cidrs a,b      ranges allowed to reach the load balancer (default: the VPC)
  --load-balancer alb|nlb load balancer in front of the proxy (default alb)
  --nat-gateways n        NAT gateways in nat mode (default one per AZ)
  --vpc-id, --subnet-ids, --vpc-cidr, --route-table-ids   the VPC for existing-vpc mode
  --stack-name <n>        stack name (default Airlock)
  --out <dir>             output folder (default ${DEFAULT_OUT_DIR})${command === 'synth' ? '\n  --json                  print the summary as JSON' : ''}${command === 'deploy' ? '\n  --bootstrap             bootstrap the account and Region first (CDK toolkit stack)' : ''}${command === 'destroy' ? '\n  --yes                   confirm the deletion (required)' : ''}
`;
}
