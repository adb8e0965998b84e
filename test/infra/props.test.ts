/**
 * Prop validation of every construct: bad props fail at construction with a message that
 * names the prop and the fix. No synthesis here, so these run in well under a second each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from 'aws-cdk-lib';
import { ValidationError } from '../../src/core/errors.js';
import { AirlockStack, type AirlockStackProps } from '../../src/infra/stack.js';
import { AirlockNetwork } from '../../src/infra/network.js';
import { AirlockEndpoints } from '../../src/infra/endpoints.js';
import { Stack } from 'aws-cdk-lib';
import type { Feature } from '../../src/netcheck/catalog.js';

const base: AirlockStackProps = { targetRegion: 'us-east-1', domain: 'dev.example.com' };
const existing = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], vpcCidr: '10.0.0.0/16' };

function rejects(props: Partial<AirlockStackProps>, field: string, fix: RegExp): void {
  assert.throws(
    () => new AirlockStack(new App(), 'Airlock', { ...base, ...props }),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`);
      assert.equal(err.field, field);
      assert.match(err.message, new RegExp(`props\\.${field.replace(/\./g, '\\.')}`));
      assert.match(err.message, fix);
      return true;
    },
  );
}

test('AirlockStack: an unknown mode or Region is refused', () => {
  rejects({ mode: 'open' as never }, 'mode', /use one of isolated, nat, public-ip, existing-vpc/);
  rejects({ targetRegion: 'mars-1' }, 'targetRegion', /eu-west-1/);
});

test('AirlockNetwork: AZs, CIDR and NAT gateway counts are checked', () => {
  rejects({ azs: 4 }, 'azs', /use 2 or 3/);
  rejects({ vpcCidr: '10.0.0.0/33' }, 'vpcCidr', /10\.80\.0\.0\/16/);
  rejects({ vpcCidr: '10.0.0.0/24' }, 'vpcCidr', /\/22 or larger/);
  rejects({ mode: 'nat', natGateways: 3 }, 'natGateways', /use 1 to 2/);
  rejects({ mode: 'isolated', natGateways: 1 }, 'natGateways', /only applies in nat mode/);
});

test('AirlockNetwork: existing-vpc needs a VPC, two subnets and matching route tables', () => {
  rejects({ mode: 'existing-vpc' }, 'existingVpc', /vpcId, subnetIds, vpcCidr/);
  rejects({ mode: 'existing-vpc', existingVpc: { ...existing, vpcId: 'vpc-1' } }, 'existingVpc.vpcId', /vpc-0123456789abcdef0/);
  rejects({ mode: 'existing-vpc', existingVpc: { ...existing, subnetIds: ['subnet-0123456789abcdef0'] } }, 'existingVpc.subnetIds', /at least two subnets/);
  rejects({ mode: 'existing-vpc', existingVpc: { ...existing, routeTableIds: ['rtb-0123456789abcdef0'] } }, 'existingVpc.routeTableIds', /one route table id per subnet/);
  rejects({ mode: 'existing-vpc', existingVpc: existing, azs: 3 }, 'azs', /only applies to a new VPC/);
  rejects({ mode: 'isolated', existingVpc: existing }, 'existingVpc', /set mode to existing-vpc/);
});

test('AirlockEndpoints: unknown features and impossible gateway endpoints are refused', () => {
  const stack = new Stack(new App(), 'S');
  const network = new AirlockNetwork(stack, 'N', { mode: 'existing-vpc', existingVpc: existing });
  assert.throws(() => new AirlockEndpoints(stack, 'E1', { network, region: 'us-east-1', features: ['gpu' as Feature] }), /props\.features contains "gpu"; use only ecs-provider/);
  assert.throws(() => new AirlockEndpoints(stack, 'E2', { network, region: 'us-east-1', gatewayEndpoints: true }), /props\.gatewayEndpoints .* pass existingVpc\.routeTableIds/);
});

test('AirlockCluster: EC2 capacity sizes and instance type are checked', () => {
  rejects({ ec2Capacity: { maxCapacity: 0 } }, 'ec2Capacity.maxCapacity', /at least 1/);
  rejects({ ec2Capacity: { minCapacity: 3, maxCapacity: 2 } }, 'ec2Capacity.maxCapacity', /at least minCapacity/);
  rejects({ ec2Capacity: { volumeSizeGiB: 8 } }, 'ec2Capacity.volumeSizeGiB', /30 to 16384/);
  rejects({ ec2Capacity: { instanceType: 'huge' } }, 'ec2Capacity.instanceType', /m7i\.2xlarge/);
});

test('AirlockRunner: domain, images, certificate, client ranges and replicas are checked', () => {
  rejects({ domain: 'localhost' }, 'domain', /dev\.example\.com/);
  rejects({ runnerImage: { repositoryName: '123456789012.dkr.ecr.us-east-1.amazonaws.com/airlock', tag: '1' } }, 'runnerImage.repositoryName', /a name, not a URI/);
  rejects({ collectorImage: { repositoryName: 'aws-otel-collector', tag: 'has space' } }, 'collectorImage.tag', /letters, digits/);
  rejects({ certificateArn: 'arn:aws:iam::123456789012:role/x' }, 'certificateArn', /arn:aws:acm/);
  rejects({ clientCidrs: ['0.0.0.0/0'] }, 'clientCidrs', /internal/);
  rejects({ clientCidrs: ['10.0.0.300/8'] }, 'clientCidrs', /10\.0\.0\.0\/8/);
  rejects({ runnerId: 'has space' }, 'runnerId', /letters, digits/);
});
