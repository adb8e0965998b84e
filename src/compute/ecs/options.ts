import type { AirlockConfig, DeploymentMode } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';

/** The `compute` section of the config when `type: ecs`. */
export type EcsComputeConfig = Extract<AirlockConfig['compute'], { type: 'ecs' }>;

/** How the ECS provider runs environments. Mirrors the `compute` config (type `ecs`) plus tuning knobs. */
export interface EcsProviderOptions {
  /** Name or ARN of the ECS cluster. */
  cluster: string;
  /** Private subnets the tasks' network interfaces go in. */
  subnets: readonly string[];
  /** Security groups of the tasks' network interfaces. */
  securityGroups: readonly string[];
  /** @default [{ capacityProvider: 'FARGATE', weight: 1 }] */
  capacityProviderStrategy?: readonly { capacityProvider: string; weight?: number; base?: number }[];
  /** `public-ip` is the only mode that gives tasks a public IP. @default isolated */
  mode?: DeploymentMode;
  /** Role ECS uses to pull the image and write logs. */
  executionRoleArn: string;
  /** Role the workload runs as; required with `fileSystemId` (EFS IAM authorization). */
  taskRoleArn?: string;
  /** CloudWatch log group of the awslogs driver. */
  logGroup: string;
  /** EFS file system for home folders; each environment gets its own access point. Omit for no persistent home. */
  fileSystemId?: string;
  /** @default the SDK's region (AWS_REGION) */
  region?: string;
  /** This runner's id: tasks are tagged with it and listed by it. */
  runnerId: string;
  /** Where the home folder is mounted in the container (also `HOME`). @default /home/airlock */
  homePath?: string;
  /** POSIX uid/gid every file operation through the access point runs as. @default 1000 */
  homeUid?: number;
  homeGid?: number;
  /** Concurrent DescribeTasks calls in one observe/list pass. @default 5 */
  describeConcurrency?: number;
  /** Pause between DescribeTasks polls while waiting for a task. @default 2000 */
  pollIntervalMs?: number;
  /** How long `stop` waits for STOPPED. @default 120000 */
  stopTimeoutMs?: number;
  /** SDK attempts per call (adaptive retry mode). @default 5 */
  maxAttempts?: number;
}

/** Options with every default filled in. */
export type ResolvedEcsOptions = Required<Omit<EcsProviderOptions, 'taskRoleArn' | 'fileSystemId' | 'region'>> &
  Pick<EcsProviderOptions, 'taskRoleArn' | 'fileSystemId' | 'region'>;

/** Maps the validated config section to provider options. */
export function optionsFromConfig(compute: EcsComputeConfig, runnerId: string): EcsProviderOptions {
  // Home settings are not in the config schema yet (see docs/ecs.md); pass them through once they are.
  const home = compute as EcsComputeConfig & Partial<Pick<EcsProviderOptions, 'homePath' | 'homeUid' | 'homeGid'>>;
  return {
    homePath: home.homePath,
    homeUid: home.homeUid,
    homeGid: home.homeGid,
    cluster: compute.cluster,
    subnets: compute.subnets,
    securityGroups: compute.securityGroups,
    capacityProviderStrategy: compute.capacityProviderStrategy,
    mode: compute.mode,
    executionRoleArn: compute.executionRoleArn,
    taskRoleArn: compute.taskRoleArn,
    logGroup: compute.logGroup,
    fileSystemId: compute.fileSystemId,
    region: compute.region,
    runnerId,
  };
}

/** Fills defaults and refuses combinations ECS would reject later, naming the field. */
export function resolveOptions(o: EcsProviderOptions): ResolvedEcsOptions {
  const need = (v: unknown, field: string) => {
    if (typeof v !== 'string' || v.length === 0) throw new ConfigError(`compute.${field} is required for the ECS provider`, `compute.${field}`);
  };
  need(o.cluster, 'cluster');
  need(o.executionRoleArn, 'executionRoleArn');
  need(o.logGroup, 'logGroup');
  need(o.runnerId, 'runnerId');
  if (o.subnets.length === 0) throw new ConfigError('compute.subnets needs at least one private subnet id', 'compute.subnets');
  if (o.subnets.length > 16) throw new ConfigError(`compute.subnets has ${o.subnets.length} subnets; ECS accepts at most 16`, 'compute.subnets');
  if (o.securityGroups.length === 0) throw new ConfigError('compute.securityGroups needs at least one security group id', 'compute.securityGroups');
  if (o.securityGroups.length > 5) throw new ConfigError(`compute.securityGroups has ${o.securityGroups.length} groups; ECS accepts at most 5`, 'compute.securityGroups');
  if (o.fileSystemId && !o.taskRoleArn) {
    throw new ConfigError('compute.taskRoleArn is required with compute.fileSystemId: home folders are mounted with EFS IAM authorization, which uses the task role', 'compute.taskRoleArn');
  }
  const strategy = (o.capacityProviderStrategy ?? [{ capacityProvider: 'FARGATE', weight: 1 }]).map((s) => ({ ...s, weight: s.weight ?? 1 }));
  if (strategy.length === 0) throw new ConfigError('compute.capacityProviderStrategy must name at least one capacity provider', 'compute.capacityProviderStrategy');
  const fargate = strategy.filter((s) => isFargateProvider(s.capacityProvider)).length;
  if (fargate > 0 && fargate < strategy.length) {
    throw new ConfigError('compute.capacityProviderStrategy mixes Fargate and EC2 capacity providers; ECS does not allow that in one strategy', 'compute.capacityProviderStrategy');
  }
  const homePath = o.homePath ?? '/home/airlock';
  if (!homePath.startsWith('/')) throw new ConfigError(`homePath "${homePath}" must be an absolute path`, 'homePath');
  return {
    ...o,
    capacityProviderStrategy: strategy,
    mode: o.mode ?? 'isolated',
    homePath,
    homeUid: o.homeUid ?? 1000,
    homeGid: o.homeGid ?? 1000,
    describeConcurrency: Math.max(1, o.describeConcurrency ?? 5),
    pollIntervalMs: o.pollIntervalMs ?? 2000,
    stopTimeoutMs: o.stopTimeoutMs ?? 120_000,
    maxAttempts: o.maxAttempts ?? 5,
  };
}

/** Whether a capacity provider is one of AWS's Fargate providers. */
export function isFargateProvider(name: string): boolean {
  return name === 'FARGATE' || name === 'FARGATE_SPOT';
}

/** Whether tasks run on Fargate (else on EC2 capacity). */
export function usesFargate(o: Pick<ResolvedEcsOptions, 'capacityProviderStrategy'>): boolean {
  return o.capacityProviderStrategy.some((s) => isFargateProvider(s.capacityProvider));
}
