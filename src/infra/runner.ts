/**
 * AirlockRunner: the runner's three roles as ECS services (orchestrator, proxy, and an
 * ADOT collector that scrapes /metrics), the internal load balancer in front of them,
 * and the state, secret, images and home folders they use.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { VERSION } from '../core/version.js';
import type { Feature } from '../netcheck/catalog.js';
import type { AirlockCluster } from './cluster.js';
import type { AirlockEndpoints } from './endpoints.js';
import type { AirlockNetwork } from './network.js';
import { OUTPUT_KEYS, type StackOutputs } from './outputs.js';
import { grantEnvironmentControl } from './runner-iam.js';
import { RunnerData } from './runner-data.js';
import { isCidr, isDomain, propError } from './validate.js';

/** An image in a private ECR repository of this account and Region. */
export interface EcrImageRef {
  /** Repository name, e.g. `airlock` or `mirror/aws-otel-collector`. */
  readonly repositoryName: string;
  /** Image tag (immutable tags recommended). */
  readonly tag: string;
}

export interface AirlockRunnerProps {
  readonly network: AirlockNetwork;
  readonly cluster: AirlockCluster;
  readonly endpoints: AirlockEndpoints;
  /** Domain environments are served under: `<port>--<env>.<domain>`, the API at `<domain>`. */
  readonly domain: string;
  /** The runner's image in private ECR. @default { repositoryName: 'airlock', tag: <this version> } */
  readonly runnerImage?: EcrImageRef;
  /** The ADOT collector image mirrored into private ECR. @default { repositoryName: 'aws-otel-collector', tag: 'v0.47.0' } */
  readonly collectorImage?: EcrImageRef;
  /** Name tagged on every task the runner starts; IAM conditions key on it. @default 'airlock' */
  readonly runnerId?: string;
  /** Port the orchestrator and proxy listen on inside their containers. @default 7080 */
  readonly port?: number;
  /** Load balancer in front of the proxy: ALB (host routing to the API) or NLB (TLS passthrough to the proxy). @default 'alb' */
  readonly loadBalancer?: 'alb' | 'nlb';
  /** An existing ACM certificate covering `domain` and `*.domain`. @default a new DNS-validated certificate */
  readonly certificateArn?: string;
  /** Route 53 hosted zone that validates a new certificate automatically. @default none: add the validation CNAMEs shown in the ACM console */
  readonly hostedZone?: { hostedZoneId: string; zoneName: string };
  /** CIDR ranges allowed to reach the load balancer on 443. @default the VPC's CIDR */
  readonly clientCidrs?: string[];
  /** Replicas of the orchestrator and of the proxy. @default 2 */
  readonly desiredCount?: number;
  /** Days to keep runner, collector and environment logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Keep the table, file system and image repository when the stack is deleted. @default true */
  readonly retainData?: boolean;
  /** Features in use (`exec` turns on ECS Exec for the services). @default [] */
  readonly features?: readonly Feature[];
}

const NAME = 'AirlockRunner';
const NAMESPACE = 'airlock.internal';

/** The three runner services, their load balancer and the resources they share. */
export class AirlockRunner extends Construct {
  readonly data: RunnerData;
  readonly orchestrator: ecs.FargateService;
  readonly proxy: ecs.FargateService;
  readonly collector: ecs.FargateService;
  readonly loadBalancer: elbv2.BaseLoadBalancer;
  /** The values the runner's ECS and DynamoDB configuration reads (tokens until deploy). */
  readonly outputs: StackOutputs;

  constructor(scope: Construct, id: string, props: AirlockRunnerProps) {
    super(scope, id);
    const { network, cluster, endpoints } = props;
    validate(props, network);
    const port = props.port ?? 7080;
    const runnerId = props.runnerId ?? 'airlock';
    const desiredCount = props.desiredCount ?? 2;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const exec = (props.features ?? []).includes('exec');
    const vpc = network.vpc;

    this.data = new RunnerData(this, 'Data', { network, retainData: props.retainData ?? true, logRetention, exec, execLogGroup: cluster.execLogGroup });
    const data = this.data;
    this.outputs = {
      ClusterName: cluster.cluster.clusterName,
      SubnetIds: vpc.selectSubnets(network.subnets).subnetIds.join(','),
      TaskSecurityGroupId: data.environmentSecurityGroup.securityGroupId,
      ExecutionRoleArn: data.environmentExecutionRole.roleArn,
      TaskRoleArn: data.environmentTaskRole.roleArn,
      LogGroupName: data.environmentLogGroup.logGroupName,
      FileSystemId: data.fileSystem.fileSystemId,
      TableName: data.table.tableName,
      Region: Stack.of(this).region,
      Mode: network.mode,
    };
    const outputsJson = Stack.of(this).toJsonString(Object.fromEntries(OUTPUT_KEYS.map((k) => [k, this.outputs[k]])));

    const namespace = new servicediscovery.PrivateDnsNamespace(this, 'Namespace', { name: NAMESPACE, vpc, description: 'Airlock runner services' });
    const runnerRepo = ecr.Repository.fromRepositoryName(this, 'RunnerRepository', props.runnerImage?.repositoryName ?? 'airlock');
    const runnerImage = ecs.ContainerImage.fromEcrRepository(runnerRepo, props.runnerImage?.tag ?? VERSION);
    const collectorRepo = ecr.Repository.fromRepositoryName(this, 'CollectorRepository', props.collectorImage?.repositoryName ?? 'aws-otel-collector');
    const collectorImage = ecs.ContainerImage.fromEcrRepository(collectorRepo, props.collectorImage?.tag ?? 'v0.47.0');

    const service = (role: 'orchestrator' | 'proxy' | 'collector', spec: ServiceSpec) => {
      const sg = new ec2.SecurityGroup(this, `${cap(role)}SecurityGroup`, { vpc, description: `Airlock ${role} tasks`, allowAllOutbound: true });
      endpoints.allowFrom(sg, `the Airlock ${role}`);
      const logGroup = new logs.LogGroup(this, `${cap(role)}Logs`, { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
      const taskDefinition = new ecs.FargateTaskDefinition(this, `${cap(role)}Task`, {
        cpu: spec.cpu,
        memoryLimitMiB: spec.memory,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      });
      taskDefinition.addContainer(role, {
        image: spec.image,
        command: spec.command,
        environment: spec.environment,
        secrets: spec.secrets,
        portMappings: spec.port ? [{ containerPort: spec.port, name: role }] : [],
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: role }),
        healthCheck: { command: spec.healthCommand, interval: Duration.seconds(15), timeout: Duration.seconds(5), retries: 3, startPeriod: Duration.seconds(30) },
        readonlyRootFilesystem: spec.readonlyRootFilesystem,
        essential: true,
      });
      const svc = new ecs.FargateService(this, cap(role), {
        cluster: cluster.cluster,
        taskDefinition,
        desiredCount: spec.desiredCount,
        assignPublicIp: network.assignPublicIp,
        vpcSubnets: network.subnets,
        securityGroups: [sg],
        circuitBreaker: { enable: true, rollback: true },
        minHealthyPercent: spec.desiredCount > 1 ? 50 : 100,
        maxHealthyPercent: 200,
        capacityProviderStrategies: [{ capacityProvider: 'FARGATE', weight: 1 }],
        enableExecuteCommand: exec,
        healthCheckGracePeriod: spec.port ? Duration.seconds(60) : undefined,
        cloudMapOptions: spec.port ? { name: role, cloudMapNamespace: namespace, dnsRecordType: servicediscovery.DnsRecordType.A } : undefined,
        propagateTags: ecs.PropagatedTagSource.SERVICE,
      });
      return svc;
    };

    const nodeHealth = ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${port}/api/v1/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`];
    const runnerEnv = (role: string): Record<string, string> => ({
      AIRLOCK_ROLE: role,
      AIRLOCK_DOMAIN: props.domain,
      AIRLOCK_RUNNER_ID: runnerId,
      AIRLOCK_PORT: String(port),
      AIRLOCK_HOST: '0.0.0.0',
      AIRLOCK_STACK_OUTPUTS: outputsJson,
      // Behind the load balancer: it sets X-Forwarded-*, and browsers reach the runner at https://<domain>.
      AIRLOCK_TRUST_FORWARDED: 'true',
      AIRLOCK_PUBLIC_URL: `https://${props.domain}`,
    });
    this.orchestrator = service('orchestrator', {
      image: runnerImage, cpu: 512, memory: 1024, desiredCount, port,
      command: ['up'],
      environment: runnerEnv('orchestrator'),
      secrets: { AIRLOCK_ADMIN_TOKEN: ecs.Secret.fromSecretsManager(data.adminToken) },
      healthCommand: nodeHealth,
      readonlyRootFilesystem: false,
    });
    this.proxy = service('proxy', {
      image: runnerImage, cpu: 512, memory: 1024, desiredCount, port,
      command: ['proxy'],
      environment: runnerEnv('proxy'),
      healthCommand: nodeHealth,
      readonlyRootFilesystem: false,
    });
    const metricsLogGroup = new logs.LogGroup(this, 'MetricsLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.collector = service('collector', {
      image: collectorImage, cpu: 256, memory: 512, desiredCount: 1,
      environment: { AOT_CONFIG_CONTENT: collectorConfig(port, metricsLogGroup.logGroupName) },
      // The ADOT image ships /healthcheck, which asks the collector's health_check extension.
      healthCommand: ['CMD', '/healthcheck'],
      readonlyRootFilesystem: true,
    });

    // Who may talk to whom: the collector scrapes both; orchestrator and proxy reach environments.
    for (const svc of [this.orchestrator, this.proxy]) {
      svc.connections.allowFrom(this.collector, ec2.Port.tcp(port), 'Prometheus scrape of /metrics');
      data.environmentSecurityGroup.connections.allowFrom(svc, ec2.Port.allTcp(), 'Airlock runner to environment ports');
    }

    // Rights, each on exactly the resource it concerns.
    const orchestratorRole = this.orchestrator.taskDefinition.taskRole;
    data.table.grantReadWriteData(orchestratorRole);
    data.table.grantReadWriteData(this.proxy.taskDefinition.taskRole);
    data.environmentLogGroup.grantRead(orchestratorRole);
    data.environmentRepository.grant(orchestratorRole, 'ecr:DescribeImages', 'ecr:ListImages');
    grantEnvironmentControl(orchestratorRole, {
      cluster: cluster.cluster,
      runnerId,
      passRoles: [data.environmentExecutionRole, data.environmentTaskRole],
      fileSystem: data.fileSystem,
    });
    metricsLogGroup.grantWrite(this.collector.taskDefinition.taskRole);
    metricsLogGroup.grant(this.collector.taskDefinition.taskRole, 'logs:DescribeLogStreams');

    // Environment tasks and EC2 capacity reach AWS APIs through the endpoints too.
    endpoints.allowFrom(data.environmentSecurityGroup, 'Airlock environments');
    if (cluster.instanceSecurityGroup) endpoints.allowFrom(cluster.instanceSecurityGroup, 'Airlock EC2 capacity');

    this.loadBalancer = this.addLoadBalancer(props, port);
  }

  private addLoadBalancer(props: AirlockRunnerProps, port: number): elbv2.BaseLoadBalancer {
    const { network } = props;
    const vpc = network.vpc;
    const clientCidrs = props.clientCidrs ?? [network.vpcCidr];
    const sg = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', { vpc, description: 'Airlock load balancer: HTTPS from client networks', allowAllOutbound: false });
    for (const cidr of clientCidrs) sg.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS from developers');
    const certificate = props.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)
      : new acm.Certificate(this, 'Certificate', {
          domainName: props.domain,
          subjectAlternativeNames: [`*.${props.domain}`],
          validation: props.hostedZone
            ? acm.CertificateValidation.fromDns(route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', props.hostedZone))
            : acm.CertificateValidation.fromDns(),
        });
    const healthCheck = { path: '/api/v1/health', healthyHttpCodes: '200', interval: Duration.seconds(15), healthyThresholdCount: 2, unhealthyThresholdCount: 3 };

    if ((props.loadBalancer ?? 'alb') === 'nlb') {
      const nlb = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', { vpc, internetFacing: false, vpcSubnets: network.subnets, securityGroups: [sg], crossZoneEnabled: true });
      const listener = nlb.addListener('Tls', { port: 443, protocol: elbv2.Protocol.TLS, certificates: [elbv2.ListenerCertificate.fromCertificateManager(certificate)], sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS });
      listener.addTargets('Proxy', {
        port,
        protocol: elbv2.Protocol.TCP,
        targets: [this.proxy.loadBalancerTarget({ containerName: 'proxy', containerPort: port })],
        healthCheck: { ...healthCheck, protocol: elbv2.Protocol.HTTP, healthyHttpCodes: '200' },
      });
      this.proxy.connections.allowFrom(sg, ec2.Port.tcp(port), 'from the load balancer');
      sg.addEgressRule(this.proxy.connections.securityGroups[0]!, ec2.Port.tcp(port), 'to the proxy');
      return nlb;
    }

    const alb = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: false,
      vpcSubnets: network.subnets,
      securityGroup: sg,
      dropInvalidHeaderFields: true,
    });
    const listener = alb.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [certificate],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
    });
    // Environment hosts (`*.domain`) go to the proxy; the bare domain is the API and dashboard.
    listener.addTargets('Proxy', { port, protocol: elbv2.ApplicationProtocol.HTTP, targets: [this.proxy], healthCheck });
    listener.addTargets('Orchestrator', {
      port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.orchestrator],
      healthCheck,
      priority: 10,
      conditions: [elbv2.ListenerCondition.hostHeaders([props.domain])],
    });
    return alb;
  }
}

interface ServiceSpec {
  image: ecs.ContainerImage;
  cpu: number;
  memory: number;
  desiredCount: number;
  port?: number;
  command?: string[];
  environment: Record<string, string>;
  secrets?: Record<string, ecs.Secret>;
  healthCommand: string[];
  readonlyRootFilesystem: boolean;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** ADOT configuration: scrape both runner services, ship to CloudWatch as EMF. */
function collectorConfig(port: number, logGroupName: string): string {
  return [
    'extensions:',
    '  health_check:',
    'receivers:',
    '  prometheus:',
    '    config:',
    '      global:',
    '        scrape_interval: 30s',
    '      scrape_configs:',
    '        - job_name: airlock',
    '          metrics_path: /metrics',
    '          static_configs:',
    `            - targets: ['orchestrator.${NAMESPACE}:${port}', 'proxy.${NAMESPACE}:${port}']`,
    'exporters:',
    '  awsemf:',
    '    namespace: Airlock',
    `    log_group_name: '${logGroupName}'`,
    'service:',
    '  extensions: [health_check]',
    '  pipelines:',
    '    metrics:',
    '      receivers: [prometheus]',
    '      exporters: [awsemf]',
    '',
  ].join('\n');
}

function validate(props: AirlockRunnerProps, network: AirlockNetwork): void {
  if (!isDomain(props.domain)) propError(NAME, 'domain', `"${props.domain}" is not a DNS name`, 'pass the domain environments are served under, e.g. dev.example.com (it needs two labels or more)');
  const port = props.port ?? 7080;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) propError(NAME, 'port', `is ${port}`, 'use an unprivileged port, 1024 to 65535');
  if (props.runnerId !== undefined && !/^[a-zA-Z0-9_.-]{1,64}$/.test(props.runnerId)) propError(NAME, 'runnerId', `"${props.runnerId}" is not a valid runner id`, 'use 1 to 64 letters, digits, dots, hyphens or underscores');
  const count = props.desiredCount ?? 2;
  if (!Number.isInteger(count) || count < 1 || count > 10) propError(NAME, 'desiredCount', `is ${count}`, 'use 1 to 10 replicas (2 or more survive the loss of a task)');
  for (const [prop, img] of [['runnerImage', props.runnerImage], ['collectorImage', props.collectorImage]] as const) {
    if (!img) continue;
    const looksLikeUri = /(^|\.)dkr\.ecr\.|\.amazonaws\.com/.test(img.repositoryName);
    if (looksLikeUri || !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(img.repositoryName) || img.repositoryName.length > 256) {
      propError(NAME, `${prop}.repositoryName`, `"${img.repositoryName}" is not an ECR repository name`, 'use lowercase letters, digits and . _ - / (a name, not a URI)');
    }
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(img.tag)) propError(NAME, `${prop}.tag`, `"${img.tag}" is not an image tag`, 'use up to 128 letters, digits, _ . -');
  }
  if (props.certificateArn !== undefined && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/.test(props.certificateArn)) {
    propError(NAME, 'certificateArn', `"${props.certificateArn}" is not an ACM certificate ARN`, 'pass arn:aws:acm:<region>:<account>:certificate/<id>');
  }
  if (props.certificateArn !== undefined && props.hostedZone !== undefined) propError(NAME, 'hostedZone', 'is only used to validate a new certificate', 'leave it out when certificateArn is given');
  if (props.clientCidrs !== undefined) {
    if (props.clientCidrs.length === 0) propError(NAME, 'clientCidrs', 'is empty', `pass at least one CIDR range, or leave it out to allow the VPC (${network.vpcCidr})`);
    const bad = props.clientCidrs.find((c) => !isCidr(c));
    if (bad) propError(NAME, 'clientCidrs', `contains "${bad}", which is not a CIDR block`, 'pass ranges such as 10.0.0.0/8');
    if (props.clientCidrs.some((c) => c.endsWith('/0'))) propError(NAME, 'clientCidrs', 'contains a /0 range', 'the load balancer is internal: allow only your developers\' networks');
  }
}
