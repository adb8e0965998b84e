/**
 * The one catalog of AWS endpoints Airlock needs, shared by the runner's network
 * check (`netcheck`), the infrastructure code (`infra`, which creates the VPC
 * endpoints) and `doctor`. Change it here and all three follow.
 */
import type { DeploymentMode, Feature } from '../core/config.js';

/** The features (defined with the config, which names them) that make an endpoint required. */
export { FEATURES, type Feature } from '../core/config.js';

/** The features an AWS deployment of the runner uses unless told otherwise. */
export const DEFAULT_FEATURES: readonly Feature[] = ['ecs-provider', 'dynamodb-store', 'efs-home', 'metrics'];

export interface CatalogEntry {
  /** Stable key, e.g. `ecr.api`. */
  id: string;
  /** What the operator calls it. */
  title: string;
  /** Host name; `{region}`, `{dns}` (partition DNS suffix) and `{account}` are substituted. */
  host: string;
  /** Host used when the account is unknown (only the ECR registry host needs one). */
  hostWithoutAccount?: string;
  /** Last part of the VPC endpoint service name: com.amazonaws.<region>.<suffix>. */
  endpointService: string;
  /** Whether the service is global (one endpoint, no region in the host). */
  global?: boolean;
  kind: 'interface' | 'gateway';
  /** Why Airlock needs it, in one line. */
  purpose: string;
  /** `core` endpoints are needed by every runner; others only with a feature. */
  need: 'core' | Feature;
}

export const CATALOG: readonly CatalogEntry[] = [
  { id: 'secretsmanager', title: 'Secrets Manager', host: 'secretsmanager.{region}.{dns}', endpointService: 'secretsmanager', kind: 'interface', purpose: 'read the runner token and environment secrets', need: 'core' },
  { id: 'logs', title: 'CloudWatch Logs', host: 'logs.{region}.{dns}', endpointService: 'logs', kind: 'interface', purpose: 'ship runner and environment logs (awslogs driver)', need: 'core' },
  { id: 'ecr.api', title: 'ECR API', host: 'api.ecr.{region}.{dns}', endpointService: 'ecr.api', kind: 'interface', purpose: 'get registry credentials to pull images from private ECR', need: 'core' },
  { id: 'ecr.dkr', title: 'ECR Docker registry', host: '{account}.dkr.ecr.{region}.{dns}', hostWithoutAccount: 'dkr.ecr.{region}.{dns}', endpointService: 'ecr.dkr', kind: 'interface', purpose: 'pull image manifests from private ECR', need: 'core' },
  { id: 's3', title: 'S3', host: 's3.{region}.{dns}', endpointService: 's3', kind: 'gateway', purpose: 'pull image layers (ECR stores them in S3)', need: 'core' },
  { id: 'ecs', title: 'ECS API', host: 'ecs.{region}.{dns}', endpointService: 'ecs', kind: 'interface', purpose: 'run, describe and stop environment tasks', need: 'ecs-provider' },
  { id: 'ecs-agent', title: 'ECS agent', host: 'ecs-a-1.{region}.{dns}', endpointService: 'ecs-agent', kind: 'interface', purpose: 'ECS container agent on EC2 capacity (and Fargate in newer Regions)', need: 'ec2-capacity' },
  { id: 'ecs-telemetry', title: 'ECS telemetry', host: 'ecs-t-1.{region}.{dns}', endpointService: 'ecs-telemetry', kind: 'interface', purpose: 'ECS container agent metrics on EC2 capacity (and Fargate in newer Regions)', need: 'ec2-capacity' },
  { id: 'dynamodb', title: 'DynamoDB', host: 'dynamodb.{region}.{dns}', endpointService: 'dynamodb', kind: 'gateway', purpose: 'the runner\'s state table', need: 'dynamodb-store' },
  { id: 'elasticfilesystem', title: 'EFS', host: 'elasticfilesystem.{region}.{dns}', endpointService: 'elasticfilesystem', kind: 'interface', purpose: 'create and delete per-environment EFS access points', need: 'efs-home' },
  { id: 'sts', title: 'STS', host: 'sts.{region}.{dns}', endpointService: 'sts', kind: 'interface', purpose: 'regional credentials for the runner and tools inside environments', need: 'efs-home' },
  { id: 'ssm', title: 'Systems Manager', host: 'ssm.{region}.{dns}', endpointService: 'ssm', kind: 'interface', purpose: 'parameters and ECS Exec sessions', need: 'exec' },
  { id: 'ssmmessages', title: 'SSM messages', host: 'ssmmessages.{region}.{dns}', endpointService: 'ssmmessages', kind: 'interface', purpose: 'ECS Exec / Session Manager shell channels', need: 'exec' },
  { id: 'ec2messages', title: 'EC2 messages', host: 'ec2messages.{region}.{dns}', endpointService: 'ec2messages', kind: 'interface', purpose: 'Session Manager on EC2 capacity', need: 'exec' },
  { id: 'monitoring', title: 'CloudWatch metrics', host: 'monitoring.{region}.{dns}', endpointService: 'monitoring', kind: 'interface', purpose: 'the ADOT collector ships /metrics to CloudWatch', need: 'metrics' },
  { id: 'ec2', title: 'EC2 API', host: 'ec2.{region}.{dns}', endpointService: 'ec2', kind: 'interface', purpose: 'doctor audits of the VPC, subnets, routes and endpoints', need: 'operator' },
  { id: 'cloudformation', title: 'CloudFormation', host: 'cloudformation.{region}.{dns}', endpointService: 'cloudformation', kind: 'interface', purpose: 'read stack outputs; deploy from inside the VPC', need: 'operator' },
  { id: 'elasticloadbalancing', title: 'Elastic Load Balancing', host: 'elasticloadbalancing.{region}.{dns}', endpointService: 'elasticloadbalancing', kind: 'interface', purpose: 'doctor checks of the proxy load balancer', need: 'operator' },
  { id: 'acm', title: 'Certificate Manager', host: 'acm.{region}.{dns}', endpointService: 'acm', kind: 'interface', purpose: 'doctor checks of the proxy certificate', need: 'operator' },
  { id: 'iam', title: 'IAM', host: 'iam.{dns}', endpointService: 'iam', global: true, kind: 'interface', purpose: 'doctor checks of task roles (global service)', need: 'operator' },
];

export interface Partition {
  id: 'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-iso' | 'aws-iso-b';
  /** DNS suffix of service hosts. */
  dnsSuffix: string;
  /**
   * The partition's own prefix of VPC endpoint service names (`cn.com.amazonaws` in China);
   * only some services use it there, see `endpointServiceName`.
   */
  endpointPrefix: string;
}

/** The partition a Region belongs to. */
export function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return { id: 'aws-cn', dnsSuffix: 'amazonaws.com.cn', endpointPrefix: 'cn.com.amazonaws' };
  if (region.startsWith('us-gov-')) return { id: 'aws-us-gov', dnsSuffix: 'amazonaws.com', endpointPrefix: 'com.amazonaws' };
  if (region.startsWith('us-isob-')) return { id: 'aws-iso-b', dnsSuffix: 'sc2s.sgov.gov', endpointPrefix: 'gov.sgov.sc2s' };
  if (region.startsWith('us-iso-')) return { id: 'aws-iso', dnsSuffix: 'c2s.ic.gov', endpointPrefix: 'gov.ic.c2s' };
  return { id: 'aws', dnsSuffix: 'amazonaws.com', endpointPrefix: 'com.amazonaws' };
}

/**
 * Outside the commercial partition only some services take the partition's own prefix
 * (`cn.com.amazonaws.cn-north-1.ecr.api`) while the rest keep `com.amazonaws`
 * (`com.amazonaws.cn-north-1.logs`), and gateway endpoints always keep it. This is
 * aws-cdk-lib's table (InterfaceVpcEndpointAwsService), restricted to this catalog.
 */
const PARTITION_PREFIXED_SERVICES: Readonly<Record<string, readonly string[]>> = {
  'cn-north-1': ['cloudformation', 'ec2', 'ecr.api', 'ecr.dkr', 'elasticfilesystem', 'monitoring', 's3', 'sts'],
  'cn-northwest-1': ['cloudformation', 'ec2', 'ecr.api', 'ecr.dkr', 'elasticfilesystem', 'monitoring', 's3', 'sts'],
  'us-iso-east-1': ['ec2', 'ecr.api', 'ecr.dkr', 'elasticfilesystem'],
  'us-iso-west-1': ['ec2', 'ecr.api', 'ecr.dkr', 'elasticfilesystem', 'monitoring'],
  'us-isob-east-1': ['ec2', 'ecr.api', 'ecr.dkr', 'elasticfilesystem'],
  'us-isob-west-1': ['ecr.api', 'ecr.dkr'],
};

/** The VPC endpoint service name of a regional service, e.g. `com.amazonaws.eu-west-1.logs`. */
export function endpointServiceName(region: string, service: string, kind: 'interface' | 'gateway' = 'interface'): string {
  const partition = partitionOf(region);
  if (partition.id === 'aws' || partition.id === 'aws-us-gov' || kind === 'gateway') return `com.amazonaws.${region}.${service}`;
  // A Region not in the table yet: assume it follows its partition's first Region.
  const prefixed = PARTITION_PREFIXED_SERVICES[region]
    ?? (partition.id === 'aws-cn' ? PARTITION_PREFIXED_SERVICES['cn-north-1']! : []);
  return `${prefixed.includes(service) ? partition.endpointPrefix : 'com.amazonaws'}.${region}.${service}`;
}

const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Whether a string looks like an AWS Region name (`eu-west-1`, `us-gov-west-1`, `cn-north-1`). */
export function isRegion(region: string): boolean {
  return REGION_RE.test(region);
}

/**
 * Regions launched after 2023-12-23, where Fargate tasks also need the ecs, ecs-agent
 * and ecs-telemetry endpoints (checked 2025-11; add new Regions here).
 */
export const FARGATE_NEEDS_ECS_AGENT_REGIONS: readonly string[] = [
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ap-east-2',
  'mx-central-1',
];

/** One catalog entry with its host and VPC endpoint service name filled in for a Region. */
export interface ResolvedEndpoint extends CatalogEntry {
  hostname: string;
  vpcEndpointServiceName: string;
  /** Needed for this deployment (core, or a feature that is on). */
  required: boolean;
}

export interface CatalogQuery {
  region: string;
  mode?: DeploymentMode;
  features?: readonly Feature[];
  account?: string;
  /** Capacity the environments run on. @default fargate */
  capacity?: 'fargate' | 'ec2';
  /** Include entries whose feature is off (marked `required: false`). @default false */
  includeOptional?: boolean;
}

/** The endpoints a deployment needs (and, optionally, those it could use), resolved for a Region. */
export function endpointsFor(q: CatalogQuery): ResolvedEndpoint[] {
  const partition = partitionOf(q.region);
  const features = new Set<Feature>(q.features ?? DEFAULT_FEATURES);
  if (q.capacity === 'ec2' || FARGATE_NEEDS_ECS_AGENT_REGIONS.includes(q.region)) {
    features.add('ec2-capacity');
    features.add('ecs-provider');
  }
  const out: ResolvedEndpoint[] = [];
  for (const e of CATALOG) {
    const required = e.need === 'core' || features.has(e.need);
    if (!required && !q.includeOptional) continue;
    const hostTemplate = q.account ? e.host : (e.hostWithoutAccount ?? e.host);
    let hostname = hostTemplate
      .replace('{region}', q.region)
      .replace('{dns}', partition.dnsSuffix)
      .replace('{account}', q.account ?? '');
    // IAM is global, with its own host outside the commercial partition.
    if (e.id === 'iam') {
      if (partition.id === 'aws-us-gov') hostname = 'iam.us-gov.amazonaws.com';
      else if (partition.id === 'aws-cn') hostname = `iam.${q.region}.${partition.dnsSuffix}`;
    }
    const vpcEndpointServiceName = e.global && partition.id === 'aws'
      ? `${partition.endpointPrefix}.${e.endpointService}`
      : endpointServiceName(q.region, e.endpointService, e.kind);
    out.push({ ...e, hostname, vpcEndpointServiceName, required });
  }
  return out;
}

/** Whether a mode routes AWS traffic through VPC endpoints (so interface endpoints must exist). */
export function modeNeedsInterfaceEndpoints(mode: DeploymentMode): boolean {
  return mode === 'isolated' || mode === 'existing-vpc';
}
