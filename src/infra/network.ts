/**
 * AirlockNetwork: the VPC Airlock runs in. A new VPC shaped by the deployment mode, or
 * an existing VPC and subnets (for example routed through a transit gateway).
 */
import { Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DeploymentMode } from '../core/config.js';
import { DEPLOYMENT_MODES } from '../core/config.js';
import { isCidr, propError } from './validate.js';

/** An existing VPC and the subnets Airlock may use (`existing-vpc` mode). */
export interface ExistingVpcProps {
  /** The VPC id, `vpc-…`. */
  readonly vpcId: string;
  /** Private subnets for the runner, the load balancer, endpoints and environments (one per AZ). */
  readonly subnetIds: string[];
  /** Route tables of those subnets, where the S3 and DynamoDB gateway endpoints attach. @default no gateway endpoints are created */
  readonly routeTableIds?: string[];
  /** The VPC's CIDR block, allowed to reach the load balancer unless `clientCidrs` says otherwise. */
  readonly vpcCidr: string;
}

export interface AirlockNetworkProps {
  /** How the VPC reaches AWS APIs. @default 'isolated' */
  readonly mode?: DeploymentMode;
  /** Availability Zones for a new VPC (2 or 3). @default 2 */
  readonly azs?: number;
  /** CIDR block of a new VPC. @default '10.80.0.0/16' */
  readonly vpcCidr?: string;
  /** NAT gateways in `nat` mode (one per AZ keeps each AZ independent). @default one per AZ */
  readonly natGateways?: number;
  /** The VPC to use in `existing-vpc` mode (required there, refused elsewhere). @default a new VPC */
  readonly existingVpc?: ExistingVpcProps;
  /** Days to keep VPC flow logs. @default logs.RetentionDays.ONE_MONTH */
  readonly flowLogRetention?: logs.RetentionDays;
}

const NAME = 'AirlockNetwork';

/** The VPC, the subnets Airlock uses in it, and how tasks reach the internet (if at all). */
export class AirlockNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  readonly mode: DeploymentMode;
  /** Subnets for the runner's tasks, environments, endpoints, EFS and the load balancer. */
  readonly subnets: ec2.SubnetSelection;
  /** Route tables of those subnets (gateway endpoints attach here). */
  readonly routeTableIds: string[];
  /** The CIDR of the VPC (literal), used as the default client range of the load balancer. */
  readonly vpcCidr: string;
  /** Whether tasks need a public IP to reach AWS (only `public-ip`). */
  readonly assignPublicIp: boolean;
  readonly availabilityZones: number;
  readonly natGateways: number;

  constructor(scope: Construct, id: string, props: AirlockNetworkProps = {}) {
    super(scope, id);
    const mode = props.mode ?? 'isolated';
    if (!DEPLOYMENT_MODES.includes(mode)) propError(NAME, 'mode', `"${String(mode)}" is not a deployment mode`, `use one of ${DEPLOYMENT_MODES.join(', ')}`);
    this.mode = mode;
    this.assignPublicIp = mode === 'public-ip';

    if (mode === 'existing-vpc') {
      const ex = props.existingVpc;
      if (!ex) propError(NAME, 'existingVpc', 'is required in existing-vpc mode', 'pass { vpcId, subnetIds, vpcCidr } of the VPC to use (CLI: --vpc-id, --subnet-ids, --vpc-cidr)');
      if (!/^vpc-[0-9a-f]{8,17}$/.test(ex.vpcId)) propError(NAME, 'existingVpc.vpcId', `"${ex.vpcId}" is not a VPC id`, 'pass an id like vpc-0123456789abcdef0');
      if (ex.subnetIds.length < 2) propError(NAME, 'existingVpc.subnetIds', `has ${ex.subnetIds.length} subnet(s)`, 'pass at least two subnets in different Availability Zones (the load balancer needs two)');
      const bad = ex.subnetIds.find((s) => !/^subnet-[0-9a-f]{8,17}$/.test(s));
      if (bad) propError(NAME, 'existingVpc.subnetIds', `contains "${bad}", which is not a subnet id`, 'pass ids like subnet-0123456789abcdef0');
      if (!isCidr(ex.vpcCidr)) propError(NAME, 'existingVpc.vpcCidr', `"${ex.vpcCidr}" is not a CIDR block`, 'pass the VPC\'s CIDR, e.g. 10.0.0.0/16');
      if (ex.routeTableIds && ex.routeTableIds.length !== ex.subnetIds.length) {
        propError(NAME, 'existingVpc.routeTableIds', `has ${ex.routeTableIds.length} entries for ${ex.subnetIds.length} subnets`, 'pass one route table id per subnet, in the same order');
      }
      if (props.azs !== undefined || props.natGateways !== undefined || props.vpcCidr !== undefined) {
        propError(NAME, props.azs !== undefined ? 'azs' : props.natGateways !== undefined ? 'natGateways' : 'vpcCidr', 'only applies to a new VPC', 'leave it out in existing-vpc mode');
      }
      // The AZ names only label imported subnets inside the CDK app; they reach no template.
      const azNames = ex.subnetIds.map((_, i) => `existing-az-${i + 1}`);
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: ex.vpcId,
        vpcCidrBlock: ex.vpcCidr,
        availabilityZones: azNames,
        isolatedSubnetIds: ex.subnetIds,
        isolatedSubnetRouteTableIds: ex.routeTableIds,
      });
      this.subnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
      this.routeTableIds = ex.routeTableIds ?? [];
      this.vpcCidr = ex.vpcCidr;
      this.availabilityZones = ex.subnetIds.length;
      this.natGateways = 0;
      return;
    }

    if (props.existingVpc) propError(NAME, 'existingVpc', `is only used in existing-vpc mode, not ${mode}`, 'set mode to existing-vpc or leave existingVpc out');
    const azs = props.azs ?? 2;
    if (azs !== 2 && azs !== 3) propError(NAME, 'azs', `is ${azs}`, 'use 2 or 3 Availability Zones');
    const cidr = props.vpcCidr ?? '10.80.0.0/16';
    if (!isCidr(cidr)) propError(NAME, 'vpcCidr', `"${cidr}" is not a CIDR block`, 'pass a block such as 10.80.0.0/16');
    if (Number(cidr.split('/')[1]) > 22) propError(NAME, 'vpcCidr', `"${cidr}" is too small for ${azs} subnets of /24 or more`, 'use a /22 or larger block');
    const natGateways = mode === 'nat' ? (props.natGateways ?? azs) : 0;
    if (props.natGateways !== undefined && mode !== 'nat') propError(NAME, 'natGateways', `only applies in nat mode, not ${mode}`, 'leave it out, or set mode to nat');
    if (mode === 'nat' && (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > azs)) {
      propError(NAME, 'natGateways', `is ${natGateways}`, `use 1 to ${azs} (one per AZ keeps each AZ independent)`);
    }

    // Environment-agnostic: the AZs resolve at deploy time, so 3 AZs work without a lookup.
    const availabilityZones = Array.from({ length: azs }, (_, i) => Fn.select(i, Fn.getAzs()));
    const privateType = mode === 'nat' ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
    const subnetConfiguration: ec2.SubnetConfiguration[] =
      mode === 'public-ip'
        ? [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20, mapPublicIpOnLaunch: false }]
        : mode === 'nat'
          ? [
              { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
              { name: 'Private', subnetType: privateType, cidrMask: 20 },
            ]
          : [{ name: 'Private', subnetType: privateType, cidrMask: 20 }];

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      availabilityZones,
      natGateways,
      subnetConfiguration,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      // Only modes with public subnets get an internet gateway; isolated has none at all.
      createInternetGateway: mode === 'nat' || mode === 'public-ip',
      // Restricting the default group needs a custom-resource Lambda (an asset); Airlock
      // attaches its own groups everywhere and never uses the default one.
      restrictDefaultSecurityGroup: false,
    });
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    this.vpc = vpc;
    const subnetType = mode === 'public-ip' ? ec2.SubnetType.PUBLIC : privateType;
    this.subnets = { subnetType };
    this.routeTableIds = vpc.selectSubnets({ subnetType }).subnets.map((s) => s.routeTable.routeTableId);
    this.vpcCidr = cidr;
    this.availabilityZones = azs;
    this.natGateways = natGateways;
  }
}
