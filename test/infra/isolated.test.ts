/**
 * The isolated stack (the default), synthesised once the way `airlock synth` does it:
 * no internet path at all, every catalog endpoint with private DNS, least-privilege
 * IAM, cdk-nag clean, and a reviewed snapshot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_FEATURES, endpointsFor } from '../../src/netcheck/catalog.js';
import { acceptedFindings } from '../../src/infra/nag.js';
import { OUTPUT_KEYS } from '../../src/infra/outputs.js';
import { toYaml } from '../../src/infra/synth.js';
import { refId, resourcesOf, securityGroupId, serviceSuffix, synthMode } from './fixtures.js';

const s = synthMode({ mode: 'isolated', region: 'us-east-1', domain: 'dev.example.com' });
const t = s.json;

test('isolated: no internet gateway, no NAT gateway, no route to the internet', () => {
  s.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
  s.template.resourceCountIs('AWS::EC2::NatGateway', 0);
  s.template.resourceCountIs('AWS::EC2::EIP', 0);
  for (const [id, route] of resourcesOf(t, 'AWS::EC2::Route')) assert.fail(`unexpected route ${id}: ${JSON.stringify(route.Properties)}`);
  for (const [id, subnet] of resourcesOf(t, 'AWS::EC2::Subnet')) assert.equal(subnet.Properties?.MapPublicIpOnLaunch, false, id);
  s.template.hasResourceProperties('AWS::EC2::VPC', { EnableDnsHostnames: true, EnableDnsSupport: true });
  s.template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
});

test('isolated: every endpoint the catalog requires exists, interface ones with private DNS', () => {
  const required = endpointsFor({ region: 'us-east-1', mode: 'isolated', features: DEFAULT_FEATURES }).filter((e) => e.required);
  assert.ok(required.length >= 8, 'the catalog should require the core endpoints');
  const endpoints = resourcesOf(t, 'AWS::EC2::VPCEndpoint');
  for (const e of required) {
    const hit = endpoints.find(([, r]) => serviceSuffix(r.Properties?.ServiceName) === e.endpointService);
    assert.ok(hit, `no VPC endpoint for ${e.id}`);
    const p = hit[1].Properties!;
    if (e.kind === 'interface') {
      assert.equal(p.VpcEndpointType, 'Interface', e.id);
      assert.equal(p.PrivateDnsEnabled, true, `${e.id} must have private DNS`);
      assert.equal(p.SubnetIds.length, 2, `${e.id} in both AZs`);
    } else {
      assert.equal(p.VpcEndpointType, 'Gateway', e.id);
    }
  }
  assert.equal(endpoints.length, required.length, 'no endpoint beyond what the catalog requires');
  assert.deepEqual(s.result.summary.interfaceEndpoints.length + s.result.summary.gatewayEndpoints.length, required.length);
});

test('isolated: the S3 gateway endpoint is on every private route table', () => {
  const tables = resourcesOf(t, 'AWS::EC2::RouteTable').map(([id]) => id).sort();
  assert.equal(tables.length, 2);
  for (const service of ['s3', 'dynamodb']) {
    const [, ep] = resourcesOf(t, 'AWS::EC2::VPCEndpoint').find(([, r]) => serviceSuffix(r.Properties?.ServiceName) === service)!;
    assert.deepEqual(ep.Properties!.RouteTableIds.map(refId).sort(), tables, service);
  }
});

test('isolated: the endpoint security group admits only 443 from the Airlock task groups', () => {
  const sg = securityGroupId(t, 'interface endpoints');
  assert.equal(t.Resources[sg]!.Properties!.SecurityGroupIngress, undefined, 'no inline (CIDR) ingress');
  const expected = ['Airlock orchestrator tasks', 'Airlock proxy tasks', 'Airlock collector tasks', 'Airlock environment tasks'].map((d) => securityGroupId(t, d)).sort();
  const ingress = resourcesOf(t, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => refId(r.Properties?.GroupId) === sg);
  for (const [id, r] of ingress) {
    assert.equal(r.Properties!.IpProtocol, 'tcp', id);
    assert.equal(r.Properties!.FromPort, 443, id);
    assert.equal(r.Properties!.ToPort, 443, id);
    assert.equal(r.Properties!.CidrIp, undefined, id);
  }
  assert.deepEqual(ingress.map(([, r]) => refId(r.Properties!.SourceSecurityGroupId)).sort(), expected);
  for (const [id, ep] of resourcesOf(t, 'AWS::EC2::VPCEndpoint').filter(([, r]) => r.Properties?.VpcEndpointType === 'Interface')) {
    assert.deepEqual(ep.Properties!.SecurityGroupIds.map(refId), [sg], `${id} uses only the shared group`);
  }
});

test('isolated: no task gets a public IP', () => {
  const services = resourcesOf(t, 'AWS::ECS::Service');
  assert.equal(services.length, 3);
  for (const [id, svc] of services) assert.equal(svc.Properties!.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp, 'DISABLED', id);
  assert.equal(t.Outputs!.Mode!.Value, 'isolated', 'the ECS provider reads Mode and never asks for a public IP');
});

test('isolated: three services with health checks, circuit breaker with rollback, log retention', () => {
  const services = resourcesOf(t, 'AWS::ECS::Service');
  for (const [id, svc] of services) {
    assert.deepEqual(svc.Properties!.DeploymentConfiguration.DeploymentCircuitBreaker, { Enable: true, Rollback: true }, id);
  }
  const taskDefs = resourcesOf(t, 'AWS::ECS::TaskDefinition');
  const names = taskDefs.map(([, td]) => td.Properties!.ContainerDefinitions[0].Name).sort();
  assert.deepEqual(names, ['collector', 'orchestrator', 'proxy']);
  for (const [id, td] of taskDefs) {
    const c = td.Properties!.ContainerDefinitions[0];
    assert.ok(Array.isArray(c.HealthCheck?.Command) && c.HealthCheck.Command.length > 1, `${id} container health check`);
    assert.equal(c.LogConfiguration.LogDriver, 'awslogs', id);
    // Images come from private ECR in this account: nothing is pulled from the internet.
    assert.match(JSON.stringify(c.Image), /dkr\.ecr\./, `${id} image from ECR`);
  }
  const targetGroups = resourcesOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup');
  assert.equal(targetGroups.length, 2);
  for (const [id, tg] of targetGroups) assert.equal(tg.Properties!.HealthCheckPath, '/api/v1/health', id);
  for (const [id, lg] of resourcesOf(t, 'AWS::Logs::LogGroup')) assert.equal(typeof lg.Properties!.RetentionInDays, 'number', `${id} retention`);
});

test('isolated: internal load balancer with a certificate for the domain and its wildcard', () => {
  s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal', Type: 'application' });
  s.template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'dev.example.com', SubjectAlternativeNames: ['*.dev.example.com'], ValidationMethod: 'DNS' });
  s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS' });
  s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', { Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['dev.example.com'] } }] });
  const lbGroup = securityGroupId(t, 'Airlock load balancer');
  const ingress = t.Resources[lbGroup]!.Properties!.SecurityGroupIngress as Array<Record<string, unknown>>;
  assert.deepEqual(ingress.map((r) => [r.CidrIp, r.FromPort]), [['10.80.0.0/16', 443]]);
});

test('isolated: cluster, state, secret, images and home folders are configured as required', () => {
  s.template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  s.template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', { CapacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
  s.template.hasResourceProperties('AWS::DynamoDB::Table', { BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  s.template.hasResourceProperties('AWS::ECR::Repository', { ImageScanningConfiguration: { ScanOnPush: true }, ImageTagMutability: 'IMMUTABLE' });
  s.template.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true });
  const subnets = resourcesOf(t, 'AWS::EC2::Subnet').map(([id]) => id).sort();
  const mountSubnets = resourcesOf(t, 'AWS::EFS::MountTarget').map(([, r]) => refId(r.Properties!.SubnetId)).sort();
  assert.deepEqual(mountSubnets, subnets, 'one EFS mount target per subnet');
  s.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
});

test('isolated: the orchestrator may stop only its tagged tasks and pass only its own roles', () => {
  type Statement = { id: string; Sid?: string; Action: string | string[]; Resource: any; Condition?: any };
  const statements: Statement[] = resourcesOf(t, 'AWS::IAM::Policy').flatMap(([id, p]) => (p.Properties!.PolicyDocument.Statement as Array<Omit<Statement, 'id'>>).map((st) => ({ id, ...st })));
  const find = (sid: string) => statements.find((st) => st.Sid === sid) ?? assert.fail(`no statement ${sid}`);
  assert.deepEqual(find('StopOwnTasks').Condition.StringEquals['aws:ResourceTag/airlock:runner'], 'airlock');
  assert.deepEqual(find('RunTaggedTasksInOwnCluster').Condition.StringEquals['aws:RequestTag/airlock:runner'], 'airlock');
  const pass = find('PassOnlyEnvironmentRoles');
  const roleIds = ['Airlock environment tasks: pull', 'Airlock environment tasks: mount'].map((d) => resourcesOf(t, 'AWS::IAM::Role').find(([, r]) => String(r.Properties!.Description).startsWith(d))![0]).sort();
  assert.deepEqual(pass.Resource.map(refId).sort(), roleIds);
  assert.equal(pass.Condition.StringEquals['iam:PassedToService'], 'ecs-tasks.amazonaws.com');
  // No other statement passes roles, and nothing reads a secret other than the admin token.
  assert.equal(statements.filter((st) => [st.Action].flat().includes('iam:PassRole')).length, 1);
  const [secretId] = resourcesOf(t, 'AWS::SecretsManager::Secret')[0]!;
  const secretReads = statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
  assert.ok(secretReads.length > 0);
  for (const st of secretReads) assert.equal(refId(st.Resource), secretId, `${st.id} reads only the admin token`);
  for (const st of statements) assert.ok(![st.Action].flat().some((a: string) => a === '*' || a.endsWith(':*')), `${st.id} has no service-wide action`);
});

test('isolated: the outputs the runner reads are all there', () => {
  for (const key of OUTPUT_KEYS) assert.ok(t.Outputs?.[key], `output ${key}`);
  assert.ok(t.Rules?.TargetRegion, 'a rule refuses deployment into another Region');
});

test('isolated: cdk-nag AwsSolutions finds no unacknowledged error, and each acknowledgement has a reason', () => {
  assert.deepEqual(s.nagErrors, []);
  for (const { finding } of acceptedFindings(s.result.built.stack)) {
    assert.match(finding.id, /^AwsSolutions-/);
    assert.ok(finding.reason.length >= 80, `${finding.id} needs a reason a reviewer would accept`);
  }
});

test('isolated: the summary prices endpoints against NAT gateways', () => {
  const sum = s.result.summary;
  assert.equal(sum.cost.natGateways, 0);
  assert.equal(sum.cost.endpointsMonthly, Math.round(sum.interfaceEndpoints.length * 2 * 0.01 * 730 * 100) / 100);
  const nat = sum.alternatives.find((a) => a.mode === 'nat')!;
  assert.equal(nat.cost.natMonthly, 73);
  assert.equal(sum.resourceCount, Object.keys(t.Resources).length);
});

test('isolated: the template matches the reviewed snapshot (UPDATE_SNAPSHOTS=1 rewrites it)', () => {
  // Relative to the working directory, so the compiled test in dist/ finds the same file.
  const file = join(process.cwd(), 'test', 'infra', '__snapshots__', 'isolated.template.yaml');
  const actual = toYaml(t).replace(/[0-9a-f]{64}/g, '<asset-hash>');
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  assert.ok(existsSync(file), `no snapshot at ${file}: run the test once with UPDATE_SNAPSHOTS=1 and review the file`);
  assert.equal(actual, readFileSync(file, 'utf8'), 'the isolated template changed: review the diff, then rerun with UPDATE_SNAPSHOTS=1');
});
