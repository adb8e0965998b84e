/**
 * What a synthesised template contains and what its network plumbing costs: resources by
 * type, endpoints created, monthly cost at the dated prices, and size against the
 * CloudFormation limits. Pure functions over the template, so tests and bench share them.
 */
import type { DeploymentMode } from '../core/config.js';
import { endpointsFor, type Feature } from '../netcheck/catalog.js';
import { networkCost, PRICES, type NetworkCost } from './pricing.js';

/** CloudFormation quotas a template must fit (checked 2025-11). */
export const CFN_LIMITS = {
  resources: 500,
  outputs: 200,
  /** Template body passed inline to CreateStack (`--template-body`). */
  templateBodyBytes: 51_200,
  /** Template uploaded to S3 first (`--template-url`, what CDK and `aws cloudformation deploy --s3-bucket` do). */
  templateUrlBytes: 1_000_000,
} as const;

export interface TemplateSummary {
  stackName: string;
  mode: DeploymentMode;
  region: string;
  resourceCount: number;
  outputCount: number;
  resourcesByType: Record<string, number>;
  interfaceEndpoints: string[];
  gatewayEndpoints: string[];
  cost: NetworkCost;
  /** The same deployment in the other new-VPC modes, for comparison before deploying. */
  alternatives: Array<{ mode: DeploymentMode; cost: NetworkCost }>;
  bytes: { json: number; yaml: number };
  prices: typeof PRICES;
}

interface CfnTemplate {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, unknown>;
}

export interface SummaryInput {
  stackName: string;
  mode: DeploymentMode;
  region: string;
  azs: number;
  natGateways: number;
  features: readonly Feature[];
  ec2Capacity: boolean;
  /** Catalog ids of the endpoints the stack created. */
  interfaceEndpoints: string[];
  gatewayEndpoints: string[];
  template: unknown;
  yaml: string;
}

/** Counts resources by type and prices the network plumbing of one template. */
export function summarise(input: SummaryInput): TemplateSummary {
  const t = input.template as CfnTemplate;
  const resourcesByType: Record<string, number> = {};
  for (const r of Object.values(t.Resources ?? {})) resourcesByType[r.Type] = (resourcesByType[r.Type] ?? 0) + 1;
  const sorted = Object.fromEntries(Object.entries(resourcesByType).sort(([a], [b]) => a.localeCompare(b)));
  const interfaceCount = resourcesByType['AWS::EC2::VPCEndpoint'] === undefined ? 0 : input.interfaceEndpoints.length;
  const natCount = resourcesByType['AWS::EC2::NatGateway'] ?? 0;
  const cost = networkCost(interfaceCount, input.azs, natCount);
  const needed = endpointsFor({ region: input.region, features: input.features, capacity: input.ec2Capacity ? 'ec2' : 'fargate' })
    .filter((e) => e.required && e.kind === 'interface').length;
  const alternatives = (['isolated', 'nat', 'public-ip'] as const)
    .filter((m) => m !== input.mode)
    .map((mode) => ({ mode, cost: networkCost(mode === 'isolated' ? needed : 0, input.azs, mode === 'nat' ? input.azs : 0) }));
  return {
    stackName: input.stackName,
    mode: input.mode,
    region: input.region,
    resourceCount: Object.keys(t.Resources ?? {}).length,
    outputCount: Object.keys(t.Outputs ?? {}).length,
    resourcesByType: sorted,
    interfaceEndpoints: input.interfaceEndpoints,
    gatewayEndpoints: input.gatewayEndpoints,
    cost,
    alternatives,
    bytes: { json: Buffer.byteLength(JSON.stringify(input.template)), yaml: Buffer.byteLength(input.yaml) },
    prices: PRICES,
  };
}

const usd = (n: number) => `$${n.toFixed(2)}`;
/** Unit prices keep their third decimal ($0.045). */
const price = (n: number) => `$${Number(n.toFixed(3))}`;

/** The short text summary `airlock synth` prints. */
export function formatSummary(s: TemplateSummary): string {
  const lines: string[] = [];
  lines.push(`${s.stackName} (${s.mode} mode, ${s.region}): ${s.resourceCount} resources, ${s.outputCount} outputs`);
  const width = Math.max(...Object.keys(s.resourcesByType).map((k) => k.length));
  for (const [type, n] of Object.entries(s.resourcesByType)) lines.push(`  ${type.padEnd(width)}  ${n}`);
  lines.push('');
  lines.push(`Interface endpoints (${s.interfaceEndpoints.length}): ${s.interfaceEndpoints.join(', ') || 'none'}`);
  lines.push(`Gateway endpoints (${s.gatewayEndpoints.length}, free): ${s.gatewayEndpoints.join(', ') || 'none'}`);
  lines.push('');
  const p = s.prices;
  lines.push(`Monthly network cost before data (prices ${p.region}, ${p.asOf}: interface endpoint ${price(p.interfaceEndpointPerAzHour)}/AZ-hour + ${price(p.interfaceEndpointPerGb)}/GB; NAT gateway ${price(p.natGatewayPerHour)}/hour + ${price(p.natGatewayPerGb)}/GB + public IPv4 ${price(p.publicIpv4PerHour)}/hour; 730 h/month):`);
  const row = (mode: string, c: NetworkCost, chosen: boolean) =>
    `  ${chosen ? '*' : ' '} ${mode.padEnd(12)} ${String(c.interfaceEndpoints).padStart(2)} endpoints x ${c.availabilityZones} AZ = ${usd(c.endpointsMonthly).padStart(8)}   ${c.natGateways} NAT = ${usd(c.natMonthly).padStart(7)}   total ${usd(c.totalMonthly).padStart(8)}/month  (+ ${price(c.perGb)}/GB)`;
  lines.push(row(s.mode, s.cost, true));
  for (const a of s.alternatives) lines.push(row(a.mode, a.cost, false));
  lines.push('');
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  lines.push(`Template size: ${kb(s.bytes.yaml)} YAML, ${kb(s.bytes.json)} JSON (limits: ${kb(CFN_LIMITS.templateBodyBytes)} inline, ${(CFN_LIMITS.templateUrlBytes / 1e6).toFixed(0)} MB from S3); resources ${s.resourceCount}/${CFN_LIMITS.resources}`);
  if (Math.min(s.bytes.yaml, s.bytes.json) > CFN_LIMITS.templateBodyBytes) lines.push('  (too large to pass inline: deploy with `aws cloudformation deploy --s3-bucket <bucket>` or `airlock deploy`)');
  else if (s.bytes.yaml > CFN_LIMITS.templateBodyBytes) lines.push('  (the YAML is too large to pass inline, minified JSON is not; or deploy from S3 with --s3-bucket)');
  return lines.join('\n');
}
