/** AirlockStack: network, endpoints, cluster and runner composed into one deployable stack. */
import { CfnOutput, CfnRule, Fn, Stack, type StackProps, Tags, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DEPLOYMENT_MODES, type DeploymentMode } from '../core/config.js';
import { DEFAULT_FEATURES, isRegion, type Feature } from '../netcheck/catalog.js';
import { AirlockCluster, type Ec2CapacityProps } from './cluster.js';
import { AirlockEndpoints } from './endpoints.js';
import { AirlockNetwork, type ExistingVpcProps } from './network.js';
import { OUTPUT_KEYS } from './outputs.js';
import { AirlockRunner, type EcrImageRef } from './runner.js';
import { propError } from './validate.js';

export interface AirlockStackProps extends StackProps {
  /** How the VPC reaches AWS APIs. @default 'isolated' */
  readonly mode?: DeploymentMode;
  /** The Region the template is for: picks the endpoints and is checked at deploy time. */
  readonly targetRegion: string;
  /** Domain environments are served under. */
  readonly domain: string;
  /** Availability Zones of a new VPC. @default 2 */
  readonly azs?: number;
  /** CIDR block of a new VPC. @default '10.80.0.0/16' */
  readonly vpcCidr?: string;
  /** The VPC to use in existing-vpc mode. @default a new VPC */
  readonly existingVpc?: ExistingVpcProps;
  /** NAT gateways in nat mode. @default one per AZ */
  readonly natGateways?: number;
  /** Features in use; each may add endpoints. @default the catalog's DEFAULT_FEATURES */
  readonly features?: readonly Feature[];
  /** Add an EC2 capacity provider for large or GPU environments. @default false */
  readonly ec2Capacity?: boolean | Ec2CapacityProps;
  /** Create interface endpoints even in nat and public-ip modes (or skip them). @default per mode */
  readonly interfaceEndpoints?: boolean;
  /** The runner's image in private ECR. @default { repositoryName: 'airlock', tag: <version> } */
  readonly runnerImage?: EcrImageRef;
  /** The ADOT collector image in private ECR. @default { repositoryName: 'aws-otel-collector', tag: 'v0.47.0' } */
  readonly collectorImage?: EcrImageRef;
  /** Name tagged on every task the runner starts. @default 'airlock' */
  readonly runnerId?: string;
  /** Load balancer kind in front of the proxy. @default 'alb' */
  readonly loadBalancer?: 'alb' | 'nlb';
  /** Existing ACM certificate for domain and *.domain. @default a new DNS-validated certificate */
  readonly certificateArn?: string;
  /** Hosted zone that validates a new certificate. @default manual DNS validation */
  readonly hostedZone?: { hostedZoneId: string; zoneName: string };
  /** CIDR ranges allowed to reach the load balancer. @default the VPC's CIDR */
  readonly clientCidrs?: string[];
  /** Days to keep logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Keep the table, file system and repository on stack deletion. @default true */
  readonly retainData?: boolean;
}

/** Everything one Airlock deployment needs, with the outputs the runner's config reads. */
export class AirlockStack extends Stack {
  readonly network: AirlockNetwork;
  readonly endpoints: AirlockEndpoints;
  readonly cluster: AirlockCluster;
  readonly runner: AirlockRunner;
  readonly mode: DeploymentMode;

  constructor(scope: Construct, id: string, props: AirlockStackProps) {
    super(scope, id, { description: `Airlock: private development environments on ECS (${props.mode ?? 'isolated'} mode)`, ...props });
    const mode = props.mode ?? 'isolated';
    if (!DEPLOYMENT_MODES.includes(mode)) propError('AirlockStack', 'mode', `"${String(mode)}" is not a deployment mode`, `use one of ${DEPLOYMENT_MODES.join(', ')}`);
    if (!isRegion(props.targetRegion)) propError('AirlockStack', 'targetRegion', `"${props.targetRegion}" is not an AWS Region`, 'pass a Region name such as eu-west-1');
    this.mode = mode;
    const features = props.features ?? DEFAULT_FEATURES;

    this.network = new AirlockNetwork(this, 'Network', {
      mode,
      azs: props.azs,
      vpcCidr: props.vpcCidr,
      existingVpc: props.existingVpc,
      natGateways: props.natGateways,
      flowLogRetention: props.logRetention,
    });
    this.endpoints = new AirlockEndpoints(this, 'Endpoints', {
      network: this.network,
      region: props.targetRegion,
      features,
      ec2Capacity: Boolean(props.ec2Capacity),
      interfaceEndpoints: props.interfaceEndpoints,
    });
    this.cluster = new AirlockCluster(this, 'Cluster', {
      network: this.network,
      ec2Capacity: props.ec2Capacity,
      execLogging: features.includes('exec'),
      logRetention: props.logRetention,
    });
    this.runner = new AirlockRunner(this, 'Runner', {
      network: this.network,
      cluster: this.cluster,
      endpoints: this.endpoints,
      domain: props.domain,
      runnerImage: props.runnerImage,
      collectorImage: props.collectorImage,
      runnerId: props.runnerId,
      loadBalancer: props.loadBalancer,
      certificateArn: props.certificateArn,
      hostedZone: props.hostedZone,
      clientCidrs: props.clientCidrs,
      logRetention: props.logRetention,
      retainData: props.retainData,
      features,
    });

    // The endpoint list was chosen for one Region; refuse to deploy it into another.
    if (!this.regionIsConcrete()) {
      new CfnRule(this, 'TargetRegion', {
        assertions: [{
          assert: Fn.conditionEquals(this.region, props.targetRegion),
          assertDescription: `This template was synthesised for ${props.targetRegion}; run \`airlock synth --region <region>\` for another Region`,
        }],
      });
    }

    for (const key of OUTPUT_KEYS) {
      new CfnOutput(this, key, { value: this.runner.outputs[key], description: `runner configuration: ${key}` });
    }
    new CfnOutput(this, 'LoadBalancerDnsName', { value: this.runner.loadBalancer.loadBalancerDnsName, description: `point ${props.domain} and *.${props.domain} here (private DNS)` });
    new CfnOutput(this, 'EnvironmentRepositoryUri', { value: this.runner.data.environmentRepository.repositoryUri, description: 'push environment images here' });
    new CfnOutput(this, 'AdminTokenSecretArn', { value: this.runner.data.adminToken.secretArn, description: 'the admin token (read it once with the AWS CLI)' });
    Tags.of(this).add('airlock:deployment', id);
  }

  private regionIsConcrete(): boolean {
    return !Token.isUnresolved(this.region);
  }
}
