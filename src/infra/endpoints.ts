/**
 * AirlockEndpoints: the VPC endpoints a deployment needs, taken from the one endpoint
 * catalog the runner's network check also reads, so what is created is what is checked.
 */
import { Aws } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { FEATURES, endpointsFor, modeNeedsInterfaceEndpoints, type Feature, type ResolvedEndpoint } from '../netcheck/catalog.js';
import type { AirlockNetwork } from './network.js';
import { propError } from './validate.js';

export interface AirlockEndpointsProps {
  /** The network to put the endpoints in. */
  readonly network: AirlockNetwork;
  /** Region the catalog is resolved for (which services exist, partition prefix). */
  readonly region: string;
  /** Features the deployment uses; each may add endpoints. @default the catalog's DEFAULT_FEATURES */
  readonly features?: readonly Feature[];
  /** Whether environments also run on EC2 capacity (adds ecs-agent, ecs-telemetry). @default false */
  readonly ec2Capacity?: boolean;
  /** Create interface endpoints. @default true in isolated and existing-vpc modes, false in nat and public-ip */
  readonly interfaceEndpoints?: boolean;
  /** Create S3 and DynamoDB gateway endpoints on the subnets' route tables. @default true when route tables are known */
  readonly gatewayEndpoints?: boolean;
}

const NAME = 'AirlockEndpoints';

/** Interface endpoints (private DNS, one shared security group) and gateway endpoints. */
export class AirlockEndpoints extends Construct {
  /** The one group on every interface endpoint: 443 in, only from groups given to allowFrom. */
  readonly securityGroup: ec2.SecurityGroup;
  /** Catalog entries that got an endpoint, interface and gateway. */
  readonly created: ResolvedEndpoint[] = [];
  /** Catalog entries the deployment needs, whether or not this construct created them. */
  readonly required: ResolvedEndpoint[];

  constructor(scope: Construct, id: string, props: AirlockEndpointsProps) {
    super(scope, id);
    const { network } = props;
    const unknown = (props.features ?? []).find((f) => !FEATURES.includes(f));
    if (unknown) propError(NAME, 'features', `contains "${unknown}"`, `use only ${FEATURES.join(', ')}`);

    this.required = endpointsFor({
      region: props.region,
      mode: network.mode,
      features: props.features,
      capacity: props.ec2Capacity ? 'ec2' : 'fargate',
    }).filter((e) => e.required);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      description: 'Airlock VPC interface endpoints: HTTPS from Airlock task groups only',
      allowAllOutbound: false,
    });

    const wantInterface = props.interfaceEndpoints ?? modeNeedsInterfaceEndpoints(network.mode);
    const wantGateway = (props.gatewayEndpoints ?? true) && network.routeTableIds.length > 0;
    if (props.gatewayEndpoints === true && network.routeTableIds.length === 0) {
      propError(NAME, 'gatewayEndpoints', 'is true but the network has no known route tables', 'pass existingVpc.routeTableIds, or set gatewayEndpoints to false');
    }

    for (const e of this.required) {
      // Keep the template environment-agnostic: the Region part resolves at deploy time.
      const serviceName = e.global ? e.vpcEndpointServiceName : e.vpcEndpointServiceName.replace(`.${props.region}.`, `.${Aws.REGION}.`);
      const cid = endpointConstructId(e.id);
      if (e.kind === 'gateway') {
        if (!wantGateway) continue;
        new ec2.GatewayVpcEndpoint(this, cid, { vpc: network.vpc, service: { name: serviceName }, subnets: [network.subnets] });
      } else {
        if (!wantInterface) continue;
        new ec2.InterfaceVpcEndpoint(this, cid, {
          vpc: network.vpc,
          service: { name: serviceName, port: 443, privateDnsDefault: true },
          privateDnsEnabled: true,
          subnets: network.subnets,
          securityGroups: [this.securityGroup],
          // The default `open: true` adds the VPC CIDR on 443; only named groups may connect.
          open: false,
        });
      }
      this.created.push(e);
    }
  }

  /** Lets a task group reach every interface endpoint on 443. */
  allowFrom(peer: ec2.ISecurityGroup, description: string): void {
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(443), `HTTPS to AWS APIs from ${description}`);
  }
}

/** `ecr.api` → `EcrApi`: a stable construct id per catalog entry. */
function endpointConstructId(id: string): string {
  return id.split(/[.-]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}
