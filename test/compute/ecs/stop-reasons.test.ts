import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainStop } from '../../../src/compute/ecs/stop-reasons.js';

const R = 'eu-west-1';

test('ecr.api unreachable: registry auth i/o timeout names the ECR API endpoint and its security group', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: Post "https://api.ecr.eu-west-1.amazonaws.com/": dial tcp 10.0.1.12:443: i/o timeout. Please check your task network configuration.',
  }, R);
  assert.equal(e.shape, 'ecr-api-unreachable');
  assert.equal(e.kind, 'failure');
  assert.match(e.hint!, /com\.amazonaws\.eu-west-1\.ecr\.api/);
  assert.match(e.hint!, /security group allows TCP 443/);
});

test('ecr.api permission: registry auth AccessDenied points at the execution role, not the network', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/airlock-exec/abc is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action',
  }, R);
  assert.equal(e.shape, 'ecr-api-unreachable');
  assert.match(e.hint!, /execution role is missing permission ecr:GetAuthorizationToken/);
});

test('S3 gateway: layer download timeout names the S3 gateway endpoint and the route table', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://prod-eu-west-1-starport-layer-bucket.s3.eu-west-1.amazonaws.com/a1b2/c3d4?X-Amz-Security-Token=...": dial tcp 52.218.1.10:443: i/o timeout',
  }, R);
  assert.equal(e.shape, 's3-unreachable');
  assert.match(e.hint!, /S3 gateway endpoint com\.amazonaws\.eu-west-1\.s3/);
  assert.match(e.hint!, /route table/);
});

test('request canceled while waiting for connection: S3 gateway or ecr.dkr', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'CannotPullContainerError: Error response from daemon: Get https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/: net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)',
  }, R);
  assert.equal(e.shape, 'pull-timeout');
  assert.match(e.hint!, /com\.amazonaws\.eu-west-1\.s3/);
  assert.match(e.hint!, /com\.amazonaws\.eu-west-1\.ecr\.dkr/);
});

test('ecr.dkr unreachable: manifest request i/o timeout names the ECR Docker endpoint', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.eu-west-1.amazonaws.com/ide:1.0: failed to do request: Head "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/ide/manifests/1.0": dial tcp 10.0.2.15:443: i/o timeout',
  }, R);
  assert.equal(e.shape, 'ecr-dkr-unreachable');
  assert.match(e.hint!, /com\.amazonaws\.eu-west-1\.ecr\.dkr/);
});

test('image not found: points at the template image, not the network', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.eu-west-1.amazonaws.com/ide:nope: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/ide:nope: not found',
  }, R);
  assert.equal(e.shape, 'image-not-found');
  assert.match(e.hint!, /template's `image`/);
});

test('logs endpoint: failed to validate logger args names the CloudWatch Logs endpoint', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: RequestError: send request failed caused by: Post "https://logs.eu-west-1.amazonaws.com/": dial tcp 10.0.1.40:443: i/o timeout : exit status 1',
  }, R);
  assert.equal(e.shape, 'logs-unreachable');
  assert.match(e.hint!, /com\.amazonaws\.eu-west-1\.logs \(CloudWatch Logs\)/);
});

test('missing log group is told apart from an unreachable endpoint', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1',
  }, R);
  assert.equal(e.shape, 'log-group-missing');
  assert.match(e.hint!, /logGroup/);
});

test('secrets from asm: names the Secrets Manager endpoint', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 5 time(s): failed to fetch secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:airlock/token-AbCdEf from secrets manager: RequestCanceled: request context canceled caused by: context deadline exceeded',
  }, R);
  assert.equal(e.shape, 'secretsmanager-unreachable');
  assert.match(e.hint!, /com\.amazonaws\.eu-west-1\.secretsmanager/);
});

test('secrets from ssm: names the Systems Manager endpoint', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): RequestError: send request failed caused by: Post "https://ssm.eu-west-1.amazonaws.com/": dial tcp 10.0.0.4:443: i/o timeout',
  }, R);
  assert.equal(e.shape, 'ssm-unreachable');
  assert.match(e.hint!, /com\.amazonaws\.eu-west-1\.ssm \(Systems Manager\)/);
});

test('EFS mount failure names mount targets and NFS 2049', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: Failed to resolve "fs-0123456789abcdef0.efs.eu-west-1.amazonaws.com" - check that your file system ID is correct, and ensure that the VPC has an EFS mount target for this file system ID. mount.nfs4: Connection timed out : unsuccessful EFS utils command execution; code: 32',
  }, R);
  assert.equal(e.shape, 'efs-mount-failed');
  assert.match(e.hint!, /TCP 2049/);
});

test('essential container exited: exit code and a pointer to airlock env logs', () => {
  const e = explainStop({
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [{ name: 'workload', exitCode: 3 }],
  }, R);
  assert.equal(e.shape, 'container-exited');
  assert.equal(e.exitCode, 3);
  assert.match(e.message, /exited with code 3/);
  assert.match(e.hint!, /airlock env logs/);
});

test('out of memory is named as such', () => {
  const e = explainStop({
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [{ name: 'workload', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }],
  }, R);
  assert.equal(e.shape, 'out-of-memory');
  assert.equal(e.exitCode, 137);
  assert.match(e.hint!, /memory/);
});

test('Spot interruption', () => {
  const e = explainStop({ stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' }, R);
  assert.equal(e.shape, 'spot-interruption');
  assert.equal(e.kind, 'failure');
  assert.match(e.hint!, /FARGATE_SPOT/);
});

test('TaskFailedToStart with an unknown reason keeps ECS words', () => {
  const e = explainStop({ stopCode: 'TaskFailedToStart', stoppedReason: 'Timeout waiting for network interface provisioning to complete.' }, R);
  assert.equal(e.shape, 'failed-to-start');
  assert.match(e.message, /Timeout waiting for network interface provisioning/);
});

test('UserInitiated and ServiceSchedulerInitiated are normal stops', () => {
  const user = explainStop({ stopCode: 'UserInitiated', stoppedReason: 'idle for 30m' }, R);
  assert.equal(user.kind, 'normal');
  assert.equal(user.message, 'stopped: idle for 30m');
  assert.equal(user.hint, undefined);
  const sched = explainStop({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/123)' }, R);
  assert.equal(sched.kind, 'normal');
});

test('endpoint names follow the partition (China Region)', () => {
  const e = explainStop({
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: Post "https://api.ecr.cn-north-1.amazonaws.com.cn/": dial tcp 10.0.1.12:443: i/o timeout',
  }, 'cn-north-1');
  assert.match(e.hint!, /cn\.com\.amazonaws\.cn-north-1\.ecr\.api/);
});
