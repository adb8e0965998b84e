/**
 * A small in-memory stand-in for the ECS and EFS APIs, wired in with
 * aws-sdk-client-mock at the SDK boundary. It keeps just enough state (tasks,
 * task definition revisions, access points, client tokens) for the provider's
 * requests to get answers shaped like the real ones; tests assert the requests.
 */
import {
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
  type Tag,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  CreateAccessPointCommand,
  DeleteAccessPointCommand,
  DescribeAccessPointsCommand,
  EFSClient,
  type AccessPointDescription,
} from '@aws-sdk/client-efs';
import { mockClient } from 'aws-sdk-client-mock';
import type { EcsProviderOptions } from '../../../src/compute/ecs/options.js';
import type { Template } from '../../../src/core/template.js';

export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';

/** An SDK-shaped error (name + message + extra fields), as the SDK throws them. */
export function awsError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  const e = new Error(message);
  e.name = name;
  return Object.assign(e, { $fault: 'client', $metadata: {} }, extra);
}

export function baseOptions(over: Partial<EcsProviderOptions> = {}): EcsProviderOptions {
  return {
    cluster: 'airlock',
    subnets: ['subnet-aaa', 'subnet-bbb'],
    securityGroups: ['sg-env'],
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/airlock-exec`,
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/airlock-task`,
    logGroup: '/airlock/environments',
    region: REGION,
    runnerId: 'runner-1',
    pollIntervalMs: 1,
    stopTimeoutMs: 2000,
    ...over,
  };
}

export function template(over: Partial<Template> = {}): Template {
  return {
    name: 'ide',
    image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/ide:1.0`,
    cpu: 1024,
    memory: 2048,
    ports: [{ port: 8080, share: 'owner', protocol: 'http', healthPath: '/' }],
    env: { EDITOR: 'vim' },
    idleTimeout: 1800,
    startTimeout: 60,
    restartPolicy: 'never',
    ...over,
  };
}

interface Revision { arn: string; family: string; revision: number; status: 'ACTIVE' | 'INACTIVE'; tags: Tag[]; input: unknown }

/** Fake ECS + EFS with mocks attached to real client instances. */
export function fakeAws() {
  const ecs = new ECSClient({ region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
  const efs = new EFSClient({ region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
  const ecsMock = mockClient(ecs);
  const efsMock = mockClient(efs);

  const tasks = new Map<string, Task>();
  const tokens = new Map<string, { arn: string; input: string }>();
  const revisions: Revision[] = [];
  const accessPoints = new Map<string, AccessPointDescription & { token: string }>();
  let seq = 0;

  /** How ECS answers the next RunTask (tests override to simulate failures). */
  const state = {
    /** Called with each new task so a test can shape it (status, attachments). */
    onLaunch: (t: Task): Task => t,
  };

  ecsMock.on(RegisterTaskDefinitionCommand).callsFake((input) => {
    const family = input.family as string;
    const revision = revisions.filter((r) => r.family === family).length + 1;
    const arn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;
    revisions.push({ arn, family, revision, status: 'ACTIVE', tags: input.tags ?? [], input });
    return { taskDefinition: { taskDefinitionArn: arn, family, revision, status: 'ACTIVE' }, tags: input.tags };
  });
  ecsMock.on(DescribeTaskDefinitionCommand).callsFake((input) => {
    const active = revisions.filter((r) => r.family === input.taskDefinition && r.status === 'ACTIVE');
    const latest = active[active.length - 1];
    if (!latest) throw awsError('ClientException', 'Unable to describe task definition.');
    return { taskDefinition: { taskDefinitionArn: latest.arn, family: latest.family, revision: latest.revision, status: 'ACTIVE' }, tags: input.include ? latest.tags : undefined };
  });
  ecsMock.on(ListTaskDefinitionsCommand).callsFake((input) => ({
    taskDefinitionArns: revisions.filter((r) => r.family === input.familyPrefix && r.status === (input.status ?? 'ACTIVE')).map((r) => r.arn),
  }));
  ecsMock.on(DeregisterTaskDefinitionCommand).callsFake((input) => {
    const r = revisions.find((x) => x.arn === input.taskDefinition);
    if (!r) throw awsError('ClientException', 'The specified task definition does not exist.');
    r.status = 'INACTIVE';
    return { taskDefinition: { taskDefinitionArn: r.arn, status: 'INACTIVE' } };
  });
  ecsMock.on(DeleteTaskDefinitionsCommand).callsFake((input) => ({ taskDefinitions: (input.taskDefinitions as string[]).map((a) => ({ taskDefinitionArn: a, status: 'DELETE_IN_PROGRESS' })), failures: [] }));

  ecsMock.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => {
    const key = `${input.cluster}\n${input.clientToken}`;
    const same = JSON.stringify({ ...input });
    const prior = input.clientToken ? tokens.get(key) : undefined;
    if (prior) {
      if (prior.input !== same) throw awsError('ConflictException', 'The client token was used with different parameters.');
      return { tasks: [tasks.get(prior.arn)!], failures: [] };
    }
    const id = `${(++seq).toString(16).padStart(32, '0')}`;
    const arn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${input.cluster}/${id}`;
    const task = state.onLaunch({
      taskArn: arn,
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${input.cluster}`,
      taskDefinitionArn: input.taskDefinition,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      startedBy: input.startedBy,
      tags: input.tags,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      attachments: [{ type: 'ElasticNetworkInterface', status: 'PRECREATED', details: [{ name: 'subnetId', value: 'subnet-aaa' }] }],
      containers: [{ name: 'workload', lastStatus: 'PENDING' }],
    });
    tasks.set(arn, task);
    if (input.clientToken) tokens.set(key, { arn, input: same });
    return { tasks: [task], failures: [] };
  });
  ecsMock.on(DescribeTasksCommand).callsFake((input) => {
    const found: Task[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const arn of input.tasks as string[]) {
      const t = tasks.get(arn);
      if (t) found.push(input.include?.includes('TAGS') ? t : { ...t, tags: undefined });
      else failures.push({ arn, reason: 'MISSING' });
    }
    return { tasks: found, failures };
  });
  ecsMock.on(ListTasksCommand).callsFake((input) => {
    const all = [...tasks.values()].filter((t) => t.startedBy === input.startedBy && t.desiredStatus === (input.desiredStatus ?? 'RUNNING'));
    const start = input.nextToken ? Number(input.nextToken) : 0;
    const size = input.maxResults ?? 100;
    const page = all.slice(start, start + size).map((t) => t.taskArn!);
    return { taskArns: page, nextToken: start + size < all.length ? String(start + size) : undefined };
  });
  ecsMock.on(StopTaskCommand).callsFake((input) => {
    const t = tasks.get(input.task);
    if (!t) throw awsError('InvalidParameterException', 'The referenced task was not found.');
    Object.assign(t, { desiredStatus: 'STOPPED', lastStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: input.reason });
    return { task: t };
  });

  efsMock.on(CreateAccessPointCommand).callsFake((input) => {
    const prior = [...accessPoints.values()].find((a) => a.token === input.ClientToken);
    if (prior) throw awsError('AccessPointAlreadyExists', 'Access point already exists with the specified client token.', { AccessPointId: prior.AccessPointId, ErrorCode: 'AccessPointAlreadyExists' });
    const id = `fsap-${(++seq).toString(16).padStart(17, '0')}`;
    const ap = { AccessPointId: id, FileSystemId: input.FileSystemId, Tags: input.Tags, LifeCycleState: 'creating' as const, token: input.ClientToken };
    accessPoints.set(id, ap);
    return { ...ap };
  });
  efsMock.on(DescribeAccessPointsCommand).callsFake((input) => {
    if (input.AccessPointId) {
      const ap = accessPoints.get(input.AccessPointId);
      if (!ap) throw awsError('AccessPointNotFound', 'Access point not found');
      ap.LifeCycleState = 'available'; // becomes available after one look
      return { AccessPoints: [{ ...ap }] };
    }
    return { AccessPoints: [...accessPoints.values()].filter((a) => a.FileSystemId === input.FileSystemId) };
  });
  efsMock.on(DeleteAccessPointCommand).callsFake((input) => {
    if (!accessPoints.delete(input.AccessPointId)) throw awsError('AccessPointNotFound', `Access point ${input.AccessPointId} does not exist.`);
    return {};
  });

  /** Moves a task to RUNNING with an ENI address (what ECS does once the container starts). */
  function setRunning(arn: string, ip = '10.0.1.23', health?: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN') {
    const t = tasks.get(arn)!;
    Object.assign(t, {
      lastStatus: 'RUNNING',
      healthStatus: health ?? 'UNKNOWN',
      pullStartedAt: new Date('2026-01-01T00:00:05Z'),
      pullStoppedAt: new Date('2026-01-01T00:00:20Z'),
      startedAt: new Date('2026-01-01T00:00:22Z'),
      attachments: [{ type: 'ElasticNetworkInterface', status: 'ATTACHED', details: [{ name: 'subnetId', value: 'subnet-aaa' }, { name: 'privateIPv4Address', value: ip }] }],
    });
  }

  return { ecs, efs, ecsMock, efsMock, tasks, revisions, accessPoints, state, setRunning };
}
