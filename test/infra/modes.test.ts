/**
 * The other deployment modes, each synthesised once: nat, public-ip, existing-vpc, and
 * isolated with EC2 capacity in three AZs. cdk-nag must be clean in every one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURES } from '../../src/netcheck/catalog.js';
import { refId, resourcesOf, serviceSuffix, synthMode, type Synthesised } from './fixtures.js';

const EXISTING = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  routeTableIds: ['rtb-0123456789abcdef0', 'rtb-0123456789abcdef1'],
  vpcCidr: '10.20.0.0/16',
};

const modes: Record<string, Synthesised> = {
  nat: synthMode({ mode: 'nat', domain: 'dev.example.com' }),
  // public-ip also covers the NLB (TLS) variant of the load balancer.
  'public-ip': synthMode({ mode: 'public-ip', domain: 'dev.example.com', loadBalancer: 'nlb' }),
  'existing-vpc': synthMode({ mode: 'existing-vpc', domain: 'dev.example.com', existingVpc: EXISTING }),
  // The largest stack: every feature, EC2 capacity, three AZs.
  ec2: synthMode({ mode: 'isolated', domain: 'dev.example.com', azs: 3, ec2Capacity: true, features: [...FEATURES] }),
};

const interfaceEndpoints = (s: Synthesised) => resourcesOf(s.json, 'AWS::EC2::VPCEndpoint').filter(([, r]) => r.Properties?.VpcEndpointType === 'Interface');
const assignPublicIp = (s: Synthesised) => resourcesOf(s.json, 'AWS::ECS::Service').map(([, r]) => r.Properties!.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp);

test('cdk-nag AwsSolutions: no unacknowledged error in any mode', () => {
  for (const [name, s] of Object.entries(modes)) assert.deepEqual(s.nagErrors, [], name);
});

test('nat: one NAT gateway per AZ behind an internet gateway, no interface endpoints, gateway endpoints on private tables', () => {
  const s = modes.nat!;
  s.template.resourceCountIs('AWS::EC2::NatGateway', 2);
  s.template.resourceCountIs('AWS::EC2::InternetGateway', 1);
  assert.equal(interfaceEndpoints(s).length, 0);
  assert.deepEqual(assignPublicIp(s), ['DISABLED', 'DISABLED', 'DISABLED']);
  // Private tables are the ones whose default route goes to a NAT gateway.
  const privateTables = resourcesOf(s.json, 'AWS::EC2::Route').filter(([, r]) => r.Properties?.NatGatewayId).map(([, r]) => refId(r.Properties!.RouteTableId)).sort();
  assert.equal(privateTables.length, 2);
  const [, s3] = resourcesOf(s.json, 'AWS::EC2::VPCEndpoint').find(([, r]) => serviceSuffix(r.Properties?.ServiceName) === 's3')!;
  assert.deepEqual(s3.Properties!.RouteTableIds.map(refId).sort(), privateTables);
  assert.equal(s.result.summary.cost.natMonthly, 73);
  assert.equal(s.result.summary.cost.endpointsMonthly, 0);
});

test('public-ip: tasks get a public IP, no NAT gateway, no interface endpoints; NLB terminates TLS', () => {
  const s = modes['public-ip']!;
  s.template.resourceCountIs('AWS::EC2::NatGateway', 0);
  s.template.resourceCountIs('AWS::EC2::InternetGateway', 1);
  assert.equal(interfaceEndpoints(s).length, 0);
  assert.deepEqual(assignPublicIp(s), ['ENABLED', 'ENABLED', 'ENABLED']);
  s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal', Type: 'network' });
  s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'TLS' });
  s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Protocol: 'TCP', HealthCheckProtocol: 'HTTP', HealthCheckPath: '/api/v1/health' });
});

test('existing-vpc: no VPC is created; endpoints and EFS go into the given subnets and route tables', () => {
  const s = modes['existing-vpc']!;
  for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::FlowLog']) s.template.resourceCountIs(type, 0);
  const iface = interfaceEndpoints(s);
  assert.ok(iface.length >= 7);
  for (const [id, ep] of iface) {
    assert.equal(ep.Properties!.VpcId, EXISTING.vpcId, id);
    assert.deepEqual(ep.Properties!.SubnetIds, EXISTING.subnetIds, id);
    assert.equal(ep.Properties!.PrivateDnsEnabled, true, id);
  }
  const [, s3] = resourcesOf(s.json, 'AWS::EC2::VPCEndpoint').find(([, r]) => serviceSuffix(r.Properties?.ServiceName) === 's3')!;
  assert.deepEqual([...s3.Properties!.RouteTableIds].sort(), EXISTING.routeTableIds);
  assert.deepEqual(resourcesOf(s.json, 'AWS::EFS::MountTarget').map(([, r]) => r.Properties!.SubnetId).sort(), EXISTING.subnetIds);
  s.template.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: 'Airlock load balancer: HTTPS from client networks', SecurityGroupIngress: [{ CidrIp: EXISTING.vpcCidr, FromPort: 443, ToPort: 443, IpProtocol: 'tcp', Description: 'HTTPS from developers' }] });
  assert.equal(s.json.Outputs!.SubnetIds!.Value, EXISTING.subnetIds.join(','));
});

test('EC2 capacity: IMDSv2, encrypted volumes, managed scaling and termination protection, agent endpoints, 3 AZs', () => {
  const s = modes.ec2!;
  s.template.resourceCountIs('AWS::EC2::Subnet', 3);
  s.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
  s.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
    LaunchTemplateData: {
      MetadataOptions: { HttpTokens: 'required' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3' } }],
    },
  });
  s.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { NewInstancesProtectedFromScaleIn: true });
  s.template.hasResourceProperties('AWS::ECS::CapacityProvider', {
    AutoScalingGroupProvider: { ManagedScaling: { Status: 'ENABLED' }, ManagedTerminationProtection: 'ENABLED' },
  });
  // The AMI comes from the public SSM parameter at deploy time, not from a synth-time lookup.
  const amiParams = Object.values(s.json.Parameters ?? {}).filter((p) => String(p.Type).includes('AWS::EC2::Image::Id'));
  assert.equal(amiParams.length, 1);
  assert.match(String(amiParams[0].Default), /^\/aws\/service\/ecs\/optimized-ami\/amazon-linux-2023\//);
  const services = resourcesOf(s.json, 'AWS::EC2::VPCEndpoint').map(([, r]) => serviceSuffix(r.Properties?.ServiceName));
  for (const needed of ['ecs', 'ecs-agent', 'ecs-telemetry']) assert.ok(services.includes(needed), `${needed} endpoint`);
  for (const [id, ep] of interfaceEndpoints(s)) assert.equal(ep.Properties!.SubnetIds.length, 3, id);
});
