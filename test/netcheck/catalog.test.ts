import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CATALOG,
  DEFAULT_FEATURES,
  FEATURES,
  endpointServiceName,
  endpointsFor,
  isRegion,
  modeNeedsInterfaceEndpoints,
  partitionOf,
} from '../../src/netcheck/catalog.js';

const ids = (list: { id: string }[]) => list.map((e) => e.id);
const byId = (list: ReturnType<typeof endpointsFor>, id: string) => list.find((e) => e.id === id)!;

test('the core endpoints are the ones every runner needs', () => {
  const core = CATALOG.filter((e) => e.need === 'core').map((e) => e.id);
  assert.deepEqual(core, ['secretsmanager', 'logs', 'ecr.api', 'ecr.dkr', 's3']);
  for (const e of CATALOG) assert.ok(e.need === 'core' || (FEATURES as readonly string[]).includes(e.need), e.id);
  assert.deepEqual(CATALOG.filter((e) => e.kind === 'gateway').map((e) => e.id), ['s3', 'dynamodb']);
});

test('default features add ECS, DynamoDB, EFS, STS and CloudWatch metrics; nothing optional unless asked', () => {
  const list = endpointsFor({ region: 'eu-west-1' });
  assert.deepEqual(ids(list), ['secretsmanager', 'logs', 'ecr.api', 'ecr.dkr', 's3', 'ecs', 'dynamodb', 'elasticfilesystem', 'sts', 'monitoring']);
  assert.ok(list.every((e) => e.required));
  assert.deepEqual(DEFAULT_FEATURES, ['ecs-provider', 'dynamodb-store', 'efs-home', 'metrics']);
});

test('features choose what is required; includeOptional lists the rest as not required', () => {
  const core = endpointsFor({ region: 'eu-west-1', features: [] });
  assert.deepEqual(ids(core), ['secretsmanager', 'logs', 'ecr.api', 'ecr.dkr', 's3']);
  const all = endpointsFor({ region: 'eu-west-1', features: [], includeOptional: true });
  assert.equal(all.length, CATALOG.length);
  assert.equal(byId(all, 'ssm').required, false);
  assert.equal(byId(all, 'logs').required, true);
  const exec = endpointsFor({ region: 'eu-west-1', features: ['exec'] });
  assert.deepEqual(ids(exec).slice(5), ['ssm', 'ssmmessages', 'ec2messages']);
});

test('EC2 capacity, and Fargate in Regions launched after 2023-12, need the ECS agent endpoints', () => {
  assert.ok(!ids(endpointsFor({ region: 'eu-west-1', features: [] })).includes('ecs-agent'));
  for (const q of [{ region: 'eu-west-1', capacity: 'ec2' as const }, { region: 'mx-central-1' }]) {
    const list = ids(endpointsFor({ ...q, features: [] }));
    for (const id of ['ecs', 'ecs-agent', 'ecs-telemetry']) assert.ok(list.includes(id), `${q.region}: ${id}`);
  }
  assert.equal(byId(endpointsFor({ region: 'eu-west-1', capacity: 'ec2' }), 'ecs-agent').hostname, 'ecs-a-1.eu-west-1.amazonaws.com');
});

test('host names and endpoint services in the commercial partition', () => {
  const list = endpointsFor({ region: 'eu-west-1', account: '123456789012', includeOptional: true });
  assert.equal(byId(list, 'ecr.dkr').hostname, '123456789012.dkr.ecr.eu-west-1.amazonaws.com');
  assert.equal(byId(list, 'ecr.api').hostname, 'api.ecr.eu-west-1.amazonaws.com');
  assert.equal(byId(list, 'ecr.api').vpcEndpointServiceName, 'com.amazonaws.eu-west-1.ecr.api');
  assert.equal(byId(list, 's3').vpcEndpointServiceName, 'com.amazonaws.eu-west-1.s3');
  assert.equal(byId(list, 'iam').hostname, 'iam.amazonaws.com');
  assert.equal(byId(list, 'iam').vpcEndpointServiceName, 'com.amazonaws.iam');
  assert.equal(byId(endpointsFor({ region: 'eu-west-1' }), 'ecr.dkr').hostname, 'dkr.ecr.eu-west-1.amazonaws.com');
});

test('aws-cn: amazonaws.com.cn hosts; cn.com.amazonaws only for the services that use it; gateways keep com.amazonaws', () => {
  assert.deepEqual(partitionOf('cn-northwest-1'), { id: 'aws-cn', dnsSuffix: 'amazonaws.com.cn', endpointPrefix: 'cn.com.amazonaws' });
  const list = endpointsFor({ region: 'cn-north-1', includeOptional: true });
  for (const e of list) assert.match(e.hostname, /\.amazonaws\.com\.cn$/, e.id);
  assert.equal(byId(list, 'secretsmanager').hostname, 'secretsmanager.cn-north-1.amazonaws.com.cn');
  assert.equal(byId(list, 'ecr.api').vpcEndpointServiceName, 'cn.com.amazonaws.cn-north-1.ecr.api');
  assert.equal(byId(list, 'ecr.dkr').vpcEndpointServiceName, 'cn.com.amazonaws.cn-north-1.ecr.dkr');
  assert.equal(byId(list, 'sts').vpcEndpointServiceName, 'cn.com.amazonaws.cn-north-1.sts');
  assert.equal(byId(list, 'logs').vpcEndpointServiceName, 'com.amazonaws.cn-north-1.logs');
  assert.equal(byId(list, 'secretsmanager').vpcEndpointServiceName, 'com.amazonaws.cn-north-1.secretsmanager');
  assert.equal(byId(list, 's3').vpcEndpointServiceName, 'com.amazonaws.cn-north-1.s3');
  assert.equal(byId(list, 'dynamodb').vpcEndpointServiceName, 'com.amazonaws.cn-north-1.dynamodb');
  assert.equal(byId(list, 'iam').hostname, 'iam.cn-north-1.amazonaws.com.cn');
  assert.equal(endpointServiceName('cn-north-1', 's3', 'interface'), 'cn.com.amazonaws.cn-north-1.s3');
});

test('aws-us-gov: amazonaws.com hosts with the Region, com.amazonaws services, IAM on its own host', () => {
  assert.equal(partitionOf('us-gov-west-1').id, 'aws-us-gov');
  const list = endpointsFor({ region: 'us-gov-west-1', includeOptional: true });
  assert.equal(byId(list, 'logs').hostname, 'logs.us-gov-west-1.amazonaws.com');
  assert.equal(byId(list, 'ecr.api').vpcEndpointServiceName, 'com.amazonaws.us-gov-west-1.ecr.api');
  assert.equal(byId(list, 'iam').hostname, 'iam.us-gov.amazonaws.com');
  assert.equal(byId(list, 'iam').vpcEndpointServiceName, 'com.amazonaws.us-gov-west-1.iam');
});

test('isolated partitions use their own DNS suffix', () => {
  assert.equal(partitionOf('us-iso-east-1').dnsSuffix, 'c2s.ic.gov');
  assert.equal(partitionOf('us-isob-east-1').id, 'aws-iso-b');
  assert.equal(byId(endpointsFor({ region: 'us-iso-east-1' }), 'ecr.api').vpcEndpointServiceName, 'gov.ic.c2s.us-iso-east-1.ecr.api');
  assert.equal(byId(endpointsFor({ region: 'us-iso-east-1' }), 'logs').vpcEndpointServiceName, 'com.amazonaws.us-iso-east-1.logs');
});

test('Region names and the modes that need interface endpoints', () => {
  for (const r of ['eu-west-1', 'us-gov-west-1', 'cn-north-1', 'ap-southeast-5', 'us-isob-east-1']) assert.equal(isRegion(r), true, r);
  for (const r of ['', 'eu-west', 'EU-WEST-1', 'eu_west_1', 'eu-west-1a', 'localhost']) assert.equal(isRegion(r), false, r);
  assert.equal(modeNeedsInterfaceEndpoints('isolated'), true);
  assert.equal(modeNeedsInterfaceEndpoints('existing-vpc'), true);
  assert.equal(modeNeedsInterfaceEndpoints('nat'), false);
  assert.equal(modeNeedsInterfaceEndpoints('public-ip'), false);
});
