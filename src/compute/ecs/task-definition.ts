/**
 * Builds the task definition of a template (or, with EFS homes, of one environment)
 * and registers it only when its content changed: the content hash rides in the
 * `airlock:spec-hash` tag of each revision, and the latest ACTIVE revision is
 * reused when its hash matches.
 */
import {
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
} from '@aws-sdk/client-ecs';
import type { Template } from '../../core/template.js';
import { ValidationError } from '../../core/errors.js';
import { assertFargateSize } from './fargate-sizes.js';
import { ecsHealthCheck } from './health-check.js';
import { usesFargate, type ResolvedEcsOptions } from './options.js';
import { CONTAINER_NAME, HOME_VOLUME, TAG, contentHash, tagRecord } from './naming.js';
import { isNotFound, providerErrorFrom } from './aws-errors.js';

/** What one task definition is built from. */
export interface TaskDefinitionRequest {
  family: string;
  spec: Template;
  /** awslogs stream prefix (streams are `<prefix>/workload/<task id>`). */
  logStreamPrefix: string;
  /** The environment's EFS access point; omitted when homes are not persistent. */
  accessPointId?: string;
}

/** Throws a ValidationError for a template ECS would refuse (no image, a size Fargate does not offer; the template schema already checked its health check). */
export function assertRunnable(o: ResolvedEcsOptions, spec: Template, region: string): asserts spec is Template & { image: string } {
  if (!spec.image) {
    throw new ValidationError(`template "${spec.name}" has no image; the ECS provider runs container images: set \`image\` to a private ECR image URI (e.g. 123456789012.dkr.ecr.${region}.amazonaws.com/ide:latest)`, 'image');
  }
  if (usesFargate(o)) assertFargateSize(spec.name, spec.cpu, spec.memory);
}

/** The RegisterTaskDefinition input (without tags) for a template. Throws on what ECS would refuse. */
export function buildTaskDefinition(o: ResolvedEcsOptions, region: string, req: TaskDefinitionRequest): RegisterTaskDefinitionCommandInput {
  const { spec } = req;
  assertRunnable(o, spec, region);
  const fargate = usesFargate(o);
  if (req.accessPointId && !o.fileSystemId) throw new Error('an access point was given without a file system');

  const env: Record<string, string> = {};
  const first = spec.ports[0];
  if (first) env.PORT = String(first.port);
  if (req.accessPointId) env.HOME = o.homePath;
  Object.assign(env, spec.env);
  const hc = spec.healthCheck;

  return {
    family: req.family,
    networkMode: 'awsvpc',
    requiresCompatibilities: [fargate ? 'FARGATE' : 'EC2'],
    cpu: String(spec.cpu),
    memory: String(spec.memory),
    executionRoleArn: o.executionRoleArn,
    taskRoleArn: o.taskRoleArn,
    containerDefinitions: [
      {
        name: CONTAINER_NAME,
        image: spec.image,
        essential: true,
        portMappings: spec.ports.map((p) => ({ containerPort: p.port, protocol: 'tcp' as const, name: `p${p.port}` })),
        environment: Object.keys(env).sort().map((name) => ({ name, value: env[name] })),
        mountPoints: req.accessPointId ? [{ sourceVolume: HOME_VOLUME, containerPath: o.homePath, readOnly: false }] : [],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': o.logGroup, 'awslogs-region': region, 'awslogs-stream-prefix': req.logStreamPrefix },
        },
        ...(hc ? { healthCheck: ecsHealthCheck(hc) } : {}),
      },
    ],
    volumes: req.accessPointId
      ? [
          {
            name: HOME_VOLUME,
            efsVolumeConfiguration: {
              fileSystemId: o.fileSystemId,
              // With an access point the root must be "/" (the access point sets the real root).
              rootDirectory: '/',
              transitEncryption: 'ENABLED',
              authorizationConfig: { accessPointId: req.accessPointId, iam: 'ENABLED' },
            },
          },
        ]
      : [],
  };
}

/** The task definitions this runner registers, with an in-memory cache of content hash → ARN. */
export class TaskDefinitions {
  private readonly known = new Map<string, string>();
  private readonly inFlight = new Map<string, Promise<string>>();
  /** Revisions registered by this process (tests and metrics read it). */
  registered = 0;

  constructor(private readonly ecs: ECSClient) {}

  /** The ARN of a revision with exactly this content: cached, the family's latest ACTIVE one, or a new one. */
  ensure(input: RegisterTaskDefinitionCommandInput, tags: readonly Tag[]): Promise<string> {
    const hash = contentHash(input);
    const key = `${input.family}\n${hash}`;
    const cached = this.known.get(key);
    if (cached) return Promise.resolve(cached);
    // Concurrent starts of the same template share one lookup/registration.
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.lookupOrRegister(input, hash, tags)
        .then((arn) => {
          this.known.set(key, arn);
          return arn;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  private async lookupOrRegister(input: RegisterTaskDefinitionCommandInput, hash: string, tags: readonly Tag[]): Promise<string> {
    const family = input.family!;
    try {
      const out = await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }));
      const td = out.taskDefinition;
      if (td?.taskDefinitionArn && td.status === 'ACTIVE' && tagRecord(out.tags)[TAG.specHash] === hash) return td.taskDefinitionArn;
    } catch (err) {
      if (!isNotFound(err)) throw providerErrorFrom(err, `DescribeTaskDefinition of ${family}`);
    }
    try {
      const out = await this.ecs.send(new RegisterTaskDefinitionCommand({ ...input, tags: [...tags, { key: TAG.specHash, value: hash }] }));
      const arn = out.taskDefinition?.taskDefinitionArn;
      if (!arn) throw new Error('RegisterTaskDefinition returned no ARN');
      this.registered++;
      return arn;
    } catch (err) {
      throw providerErrorFrom(err, `RegisterTaskDefinition of ${family}`);
    }
  }

  /** Deregisters and deletes every revision of a family (an environment's own family on delete). */
  async removeFamily(family: string): Promise<number> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const out = await this.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', nextToken }));
        // familyPrefix is a full family name, but keep only exact matches to be safe.
        arns.push(...(out.taskDefinitionArns ?? []).filter((a) => familyOfArn(a) === family));
        nextToken = out.nextToken;
      } while (nextToken);
      for (const arn of arns) {
        try {
          await this.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      // Deregistered revisions linger as INACTIVE forever unless deleted (10 per call).
      for (let i = 0; i < arns.length; i += 10) {
        await this.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: arns.slice(i, i + 10) }));
      }
    } catch (err) {
      throw providerErrorFrom(err, `removing task definition family ${family}`);
    }
    for (const key of [...this.known.keys()]) if (key.startsWith(`${family}\n`)) this.known.delete(key);
    return arns.length;
  }
}

/** `airlock-x` from `arn:aws:ecs:r:a:task-definition/airlock-x:3`. */
export function familyOfArn(arn: string): string {
  const last = arn.split('/').pop() ?? '';
  return last.replace(/:\d+$/, '');
}
