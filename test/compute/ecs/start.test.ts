import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import type { EFSClient } from '@aws-sdk/client-efs';
import { EcsProvider } from '../../../src/compute/ecs/ecs-provider.js';
import { ProviderError, ValidationError, ConfigError } from '../../../src/core/errors.js';
import { runTaskClientToken, startedByFor } from '../../../src/compute/ecs/naming.js';
import type { Template } from '../../../src/core/template.js';
import { parseConfig } from '../../../src/core/config.js';
import { ACCOUNT, REGION, awsError, baseOptions, fakeAws, template } from './fake-aws.js';

const req = (over: Partial<{ envId: string; name: string; generation: number; spec: Template }> = {}) => ({
  envId: 'env_aaaa', name: 'alice-ide', owner: 'alice', generation: 1, spec: template(), ...over,
});

test('start sends RunTask with the exact network, tags, startedBy and clientToken', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  const inst = await p.start(req());

  const calls = aws.ecsMock.commandCalls(RunTaskCommand);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0]!.args[0].input, {
    cluster: 'airlock',
    taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/airlock-ide:1`,
    count: 1,
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa', 'subnet-bbb'], securityGroups: ['sg-env'], assignPublicIp: 'DISABLED' } },
    startedBy: 'airlock-runner-1',
    clientToken: runTaskClientToken('env_aaaa', 1),
    enableECSManagedTags: true,
    tags: [
      { key: 'airlock:env', value: 'env_aaaa' },
      { key: 'airlock:env-name', value: 'alice-ide' },
      { key: 'airlock:runner', value: 'runner-1' },
      { key: 'airlock:generation', value: '1' },
      { key: 'airlock:template', value: 'ide' },
    ],
  });
  assert.equal(inst.provider, 'ecs');
  assert.match(inst.id, /^arn:aws:ecs:eu-west-1:123456789012:task\/airlock\//);
  assert.deepEqual(inst.ports, { '8080': 8080 });
  assert.equal(inst.address, undefined, 'no address until the ENI is attached');
});

test('assignPublicIp is ENABLED only in public-ip mode', async () => {
  for (const [mode, expected] of [['isolated', 'DISABLED'], ['nat', 'DISABLED'], ['existing-vpc', 'DISABLED'], ['public-ip', 'ENABLED']] as const) {
    const aws = fakeAws();
    await new EcsProvider(baseOptions({ mode }), { ecs: aws.ecs }).start(req());
    const input = aws.ecsMock.commandCalls(RunTaskCommand)[0]!.args[0].input;
    assert.equal(input.networkConfiguration?.awsvpcConfiguration?.assignPublicIp, expected, mode);
  }
});

test('clientToken is stable across retries of one start and changes with the generation', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  const a = await p.start(req({ generation: 4 }));
  const retry = await p.start(req({ generation: 4 }));
  const next = await p.start(req({ generation: 5 }));

  const tokens = aws.ecsMock.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken!);
  assert.equal(tokens.length, 3);
  assert.equal(tokens[0], tokens[1]);
  assert.notEqual(tokens[1], tokens[2]);
  assert.ok(tokens.every((t) => t.length <= 64 && /^[\x21-\x7e]+$/.test(t)));
  assert.equal(retry.id, a.id, 'the retried start returns the task already launched');
  assert.notEqual(next.id, a.id);
  assert.equal(aws.tasks.size, 2, 'two launches for three start calls');
  // A different provider instance (a restarted runner) derives the same token.
  assert.equal(runTaskClientToken('env_aaaa', 4), tokens[0]);
});

test('a retried start whose token conflicts (definition re-registered) finds the task instead of launching', async () => {
  const aws = fakeAws();
  const first = await new EcsProvider(baseOptions(), { ecs: aws.ecs }).start(req({ generation: 2 }));
  // Another runner process with a changed spec: new definition revision, same token.
  const again = await new EcsProvider(baseOptions(), { ecs: aws.ecs }).start(req({ generation: 2, spec: template({ env: { EDITOR: 'nano' } }) }));
  assert.equal(again.id, first.id);
  assert.equal(aws.tasks.size, 1);
});

test('task definition: registered once per changed spec, reused across starts and processes', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  await p.start(req({ envId: 'env_a' }));
  await p.start(req({ envId: 'env_b' }));
  await p.start(req({ envId: 'env_a', generation: 2 }));
  assert.equal(aws.ecsMock.commandCalls(RegisterTaskDefinitionCommand).length, 1);
  assert.equal(aws.ecsMock.commandCalls(DescribeTaskDefinitionCommand).length, 1, 'looked up once, then cached');

  // A restarted runner finds the revision by its spec-hash tag and does not register.
  const restarted = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  await restarted.start(req({ envId: 'env_c' }));
  assert.equal(aws.ecsMock.commandCalls(RegisterTaskDefinitionCommand).length, 1);
  assert.deepEqual(aws.ecsMock.commandCalls(DescribeTaskDefinitionCommand)[1]!.args[0].input, { taskDefinition: 'airlock-ide', include: ['TAGS'] });

  // A changed template registers revision 2, once.
  await restarted.start(req({ envId: 'env_d', spec: template({ memory: 4096 }) }));
  await restarted.start(req({ envId: 'env_e', spec: template({ memory: 4096 }) }));
  const regs = aws.ecsMock.commandCalls(RegisterTaskDefinitionCommand);
  assert.equal(regs.length, 2);
  assert.equal(aws.ecsMock.commandCalls(RunTaskCommand).at(-1)!.args[0].input.taskDefinition, `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/airlock-ide:2`);
});

test('task definition content: awsvpc, image, size, ports, env, awslogs, spec-hash tag, no volume without EFS', async () => {
  const aws = fakeAws();
  await new EcsProvider(baseOptions(), { ecs: aws.ecs }).start(req());
  const input = aws.ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input;
  const hash = input.tags?.find((t) => t.key === 'airlock:spec-hash')?.value;
  assert.match(hash ?? '', /^[0-9a-f]{32}$/);
  assert.deepEqual(input, {
    family: 'airlock-ide',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '1024',
    memory: '2048',
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/airlock-exec`,
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/airlock-task`,
    containerDefinitions: [{
      name: 'workload',
      image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/ide:1.0`,
      essential: true,
      portMappings: [{ containerPort: 8080, protocol: 'tcp', name: 'p8080' }],
      environment: [{ name: 'EDITOR', value: 'vim' }, { name: 'PORT', value: '8080' }],
      mountPoints: [],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/airlock/environments', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'ide' } },
    }],
    volumes: [],
    tags: [{ key: 'airlock:template', value: 'ide' }, { key: 'airlock:spec-hash', value: hash }],
  });
});

test('a template health check becomes the container health check', async () => {
  const aws = fakeAws();
  const spec = { ...template(), healthCheck: { command: ['CMD-SHELL', 'curl -fs http://localhost:8080/ || exit 1'], interval: 10, retries: 3 } };
  await new EcsProvider(baseOptions(), { ecs: aws.ecs }).start(req({ spec } as never));
  const c = aws.ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input.containerDefinitions![0]!;
  assert.deepEqual(c.healthCheck, { command: ['CMD-SHELL', 'curl -fs http://localhost:8080/ || exit 1'], interval: 10, timeout: undefined, retries: 3, startPeriod: undefined });
});

test('refuses a template without image, and Fargate-invalid sizes, with clear errors and no AWS call', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  await assert.rejects(p.start(req({ spec: template({ image: undefined }) } as never)), (e: unknown) => e instanceof ValidationError && /has no image/.test(e.message));
  await assert.rejects(p.start(req({ spec: template({ cpu: 1024, memory: 1024 }) } as never)), (e: unknown) => e instanceof ValidationError && /with cpu 1024 use memory from 2048 to 8192/.test(e.message));
  await assert.rejects(p.start(req({ spec: template({ cpu: 1000 }) } as never)), (e: unknown) => e instanceof ValidationError && /cpu 1000, which Fargate does not offer/.test(e.message));
  assert.equal(aws.ecsMock.calls().length, 0);
  // EC2 capacity does not have Fargate's size table.
  const ec2 = new EcsProvider(baseOptions({ capacityProviderStrategy: [{ capacityProvider: 'gpu-asg', weight: 1 }] }), { ecs: aws.ecs });
  await ec2.start(req({ spec: template({ cpu: 1000, memory: 3000 }) } as never));
  assert.deepEqual(aws.ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input.requiresCompatibilities, ['EC2']);
});

test('RunTask failures[] (no capacity) become a ProviderError with the reason and a hint', async () => {
  const aws = fakeAws();
  aws.ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ arn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/airlock', reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' }] });
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  await assert.rejects(p.start(req()), (e: unknown) => e instanceof ProviderError && /could not place the task for environment "alice-ide": Capacity is unavailable/.test(e.message) && /capacity provider has no room/.test(e.message));
});

test('throttling after the SDK retries surfaces as a retryable ProviderError', async () => {
  const aws = fakeAws();
  aws.ecsMock.on(RunTaskCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  await assert.rejects(p.start(req()), (e: unknown) => e instanceof ProviderError && (e as { retryable?: boolean }).retryable === true && /throttled RunTask/.test(e.message));
});

test('startedBy fits ECS limits for any runner id', () => {
  assert.equal(startedByFor('runner-1'), 'airlock-runner-1');
  const long = startedByFor('a'.repeat(64));
  const dotted = startedByFor('prod.eu-west-1');
  for (const s of [long, dotted]) assert.match(s, /^[A-Za-z0-9_-]{1,36}$/);
  assert.notEqual(startedByFor('prod.eu'), startedByFor('prod-eu'), 'sanitising never merges two runner ids');
});

test('bad options fail at construction naming the field', () => {
  assert.throws(() => new EcsProvider(baseOptions({ fileSystemId: 'fs-1', taskRoleArn: undefined })), (e: unknown) => e instanceof ConfigError && e.field === 'compute.taskRoleArn');
  assert.throws(() => new EcsProvider(baseOptions({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }, { capacityProvider: 'asg' }] })), (e: unknown) => e instanceof ConfigError && /mixes Fargate and EC2/.test(e.message));
});

test('clients the provider builds use the adaptive retry mode with bounded attempts', async () => {
  const p = new EcsProvider(baseOptions({ maxAttempts: 4, fileSystemId: 'fs-1' }));
  const clients = p as unknown as { ecs: ECSClient; efs: EFSClient };
  for (const c of [clients.ecs, clients.efs]) {
    assert.equal(c.config.retryMode, 'adaptive');
    assert.equal(await c.config.maxAttempts(), 4);
    assert.equal(((await c.config.retryStrategy()) as { mode?: string }).mode, 'adaptive');
  }
  await p.close();
});

test('fromConfig maps the validated compute section (defaults included)', async () => {
  const config = parseConfig({
    runnerId: 'prod-1',
    compute: {
      type: 'ecs', cluster: 'envs', subnets: ['subnet-1'], securityGroups: ['sg-1'],
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec', logGroup: '/airlock/envs', region: REGION,
    },
  });
  assert.equal(config.compute.type, 'ecs');
  if (config.compute.type !== 'ecs') return;
  const aws = fakeAws();
  await EcsProvider.fromConfig(config.compute, config.runnerId, { ecs: aws.ecs }).start(req());
  const input = aws.ecsMock.commandCalls(RunTaskCommand)[0]!.args[0].input;
  assert.equal(input.cluster, 'envs');
  assert.equal(input.startedBy, 'airlock-prod-1');
  assert.deepEqual(input.capacityProviderStrategy, [{ capacityProvider: 'FARGATE', weight: 1 }]);
  assert.equal(input.networkConfiguration?.awsvpcConfiguration?.assignPublicIp, 'DISABLED');
});
