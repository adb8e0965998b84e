import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteTaskDefinitionsCommand, DeregisterTaskDefinitionCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { CreateAccessPointCommand, DeleteAccessPointCommand } from '@aws-sdk/client-efs';
import { EcsProvider } from '../../../src/compute/ecs/ecs-provider.js';
import { ACCOUNT, REGION, baseOptions, fakeAws, template } from './fake-aws.js';

const FS = 'fs-0123456789abcdef0';
const req = (envId: string, generation = 1, spec = template()) => ({ envId, name: `n-${envId.slice(4)}`, owner: 'alice', generation, spec });

test('first start creates the environment\'s access point and its own task definition; later starts reuse both', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions({ fileSystemId: FS }), { ecs: aws.ecs, efs: aws.efs });
  const first = await p.start(req('env_alpha'));

  const creates = aws.efsMock.commandCalls(CreateAccessPointCommand);
  assert.equal(creates.length, 1);
  assert.deepEqual(creates[0]!.args[0].input, {
    ClientToken: creates[0]!.args[0].input.ClientToken,
    FileSystemId: FS,
    PosixUser: { Uid: 1000, Gid: 1000 },
    RootDirectory: { Path: '/airlock/homes/env_alpha', CreationInfo: { OwnerUid: 1000, OwnerGid: 1000, Permissions: '0750' } },
    Tags: [
      { Key: 'Name', Value: 'airlock n-alpha' },
      { Key: 'airlock:env', Value: 'env_alpha' },
      { Key: 'airlock:env-name', Value: 'n-alpha' },
      { Key: 'airlock:runner', Value: 'runner-1' },
    ],
  });
  assert.ok(creates[0]!.args[0].input.ClientToken!.length <= 64);
  const apId = [...aws.accessPoints.keys()][0]!;
  assert.equal(first.meta?.accessPointId, apId);

  const td = aws.ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input;
  assert.equal(td.family, 'airlock-env-env_alpha');
  assert.deepEqual(td.volumes, [{
    name: 'home',
    efsVolumeConfiguration: { fileSystemId: FS, rootDirectory: '/', transitEncryption: 'ENABLED', authorizationConfig: { accessPointId: apId, iam: 'ENABLED' } },
  }]);
  const c = td.containerDefinitions![0]!;
  assert.deepEqual(c.mountPoints, [{ sourceVolume: 'home', containerPath: '/home/airlock', readOnly: false }]);
  assert.ok(c.environment!.some((e) => e.name === 'HOME' && e.value === '/home/airlock'));
  assert.equal(c.logConfiguration?.options?.['awslogs-stream-prefix'], 'n-alpha');

  // Second start of the same environment (new generation), from a restarted runner too.
  await p.start(req('env_alpha', 2));
  const restarted = new EcsProvider(baseOptions({ fileSystemId: FS }), { ecs: aws.ecs, efs: aws.efs });
  const third = await restarted.start(req('env_alpha', 3));
  assert.equal(aws.accessPoints.size, 1, 'one access point per environment');
  assert.equal(third.meta?.accessPointId, apId);
  assert.equal(aws.ecsMock.commandCalls(RegisterTaskDefinitionCommand).length, 1, 'never registered per start');
  const runs = aws.ecsMock.commandCalls(RunTaskCommand).map((r) => r.args[0].input.taskDefinition);
  assert.deepEqual(runs, Array(3).fill(`arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/airlock-env-env_alpha:1`));

  // Another environment gets its own access point and family.
  await p.start(req('env_beta'));
  assert.equal(aws.accessPoints.size, 2);
  assert.equal(aws.ecsMock.commandCalls(RegisterTaskDefinitionCommand)[1]!.args[0].input.family, 'airlock-env-env_beta');
});

test('destroy deletes the access point and the environment\'s task definitions; a second destroy is a no-op', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions({ fileSystemId: FS }), { ecs: aws.ecs, efs: aws.efs });
  await p.start(req('env_alpha'));
  await p.start(req('env_alpha', 2, template({ memory: 4096 }))); // revision 2
  await p.start(req('env_beta'));
  const alphaAp = [...aws.accessPoints.values()].find((a) => a.Tags?.some((t) => t.Value === 'env_alpha'))!.AccessPointId;

  // A fresh process (no cache) must still find the access point by its tag.
  const other = new EcsProvider(baseOptions({ fileSystemId: FS }), { ecs: aws.ecs, efs: aws.efs });
  await other.destroy({ id: 'env_alpha', name: 'n-alpha' });

  assert.deepEqual(aws.efsMock.commandCalls(DeleteAccessPointCommand).map((c) => c.args[0].input), [{ AccessPointId: alphaAp }]);
  assert.equal(aws.accessPoints.size, 1, 'the other environment keeps its access point');
  assert.deepEqual(aws.ecsMock.commandCalls(DeregisterTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition), [
    `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/airlock-env-env_alpha:1`,
    `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/airlock-env-env_alpha:2`,
  ]);
  assert.deepEqual(aws.ecsMock.commandCalls(DeleteTaskDefinitionsCommand)[0]!.args[0].input.taskDefinitions, [
    `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/airlock-env-env_alpha:1`,
    `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/airlock-env-env_alpha:2`,
  ]);
  assert.ok(aws.revisions.filter((r) => r.family === 'airlock-env-env_beta').every((r) => r.status === 'ACTIVE'));

  await other.destroy({ id: 'env_alpha', name: 'n-alpha' });
  assert.equal(aws.efsMock.commandCalls(DeleteAccessPointCommand).length, 1, 'nothing left to delete');
});

test('destroy treats an access point deleted behind our back as done', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions({ fileSystemId: FS }), { ecs: aws.ecs, efs: aws.efs });
  await p.start(req('env_alpha'));
  aws.accessPoints.clear(); // someone deleted it in the console
  await p.destroy({ id: 'env_alpha', name: 'n-alpha' }); // cached id → DeleteAccessPoint → AccessPointNotFound
  assert.equal(aws.efsMock.commandCalls(DeleteAccessPointCommand).length, 1);
});

test('without EFS, destroy touches nothing shared', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions(), { ecs: aws.ecs });
  await p.start(req('env_alpha'));
  await p.destroy({ id: 'env_alpha', name: 'n-alpha' });
  assert.equal(aws.ecsMock.commandCalls(DeregisterTaskDefinitionCommand).length, 0);
  assert.equal(aws.revisions[0]!.status, 'ACTIVE');
});

test('a template ECS cannot run is refused before any access point is created', async () => {
  const aws = fakeAws();
  const p = new EcsProvider(baseOptions({ fileSystemId: FS }), { ecs: aws.ecs, efs: aws.efs });
  await assert.rejects(p.start(req('env_bad', 1, template({ image: undefined }))), /has no image/);
  assert.equal(aws.efsMock.calls().length, 0);
  assert.equal(aws.ecsMock.calls().length, 0);
});
