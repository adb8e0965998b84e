/**
 * Turns what DNS and TCP did for one endpoint into an access type, a status and,
 * for a failure, the one change most likely to fix it. The hints follow how AWS
 * networking actually fails: a public answer in an isolated VPC means the interface
 * endpoint's private DNS is off; a private answer that times out is a security group.
 */
import type { DeploymentMode } from '../core/config.js';
import type { ResolvedEndpoint } from './catalog.js';
import { modeNeedsInterfaceEndpoints, partitionOf } from './catalog.js';
import type { AccessType, AddressResult, EndpointResult, FailureReason } from './report.js';
import type { ResolveOutcome } from './probe.js';

export interface ClassifyContext {
  region: string;
  mode: DeploymentMode;
  /** Whether the task has a public IPv4 address (decides NAT vs internet gateway). */
  hasPublicIp: boolean;
  port: number;
}

const DNS_REASONS: ReadonlySet<FailureReason> = new Set(['nxdomain', 'no_answer', 'dns_timeout', 'dns_refused', 'dns_error']);

/** Builds the result for one endpoint from its DNS outcome and per-address TCP outcomes. */
export function classifyEndpoint(e: ResolvedEndpoint, dns: ResolveOutcome, tcp: AddressResult[], ctx: ClassifyContext): EndpointResult {
  const base = {
    id: e.id,
    title: e.title,
    hostname: e.hostname,
    vpcEndpointServiceName: e.vpcEndpointServiceName,
    kind: e.kind,
    need: e.need,
    required: e.required,
  };
  if (!dns.ok) {
    return {
      ...base,
      status: 'failed',
      access: 'unreachable',
      reason: dns.reason,
      addresses: [],
      dnsMs: round(dns.dnsMs),
      connectMs: null,
      detail: dnsDetail(dns.reason, e.hostname),
      fix: fixFor(e, dns.reason, 'none', ctx),
    };
  }

  const connected = tcp.filter((a) => a.outcome === 'connected');
  const answerScope = scopeOf(tcp);
  const shown = tcp.map((a) => a.address).join(', ');
  if (connected.length === 0) {
    const reason = worstReason(tcp);
    return {
      ...base,
      status: 'failed',
      access: 'unreachable',
      reason,
      addresses: tcp.map(roundAddress),
      dnsMs: round(dns.dnsMs),
      connectMs: null,
      detail: `${e.hostname} resolves to ${shown} (${answerScope}); TCP ${ctx.port}: ${reasonText(reason)}`,
      fix: fixFor(e, reason, answerScope, ctx, tcp[0]?.address),
    };
  }

  const access = accessOf(e, answerScope, ctx.hasPublicIp);
  const fastest = Math.min(...connected.map((a) => a.connectMs));
  const notes: string[] = [];
  const gatewayNote = access === 'gateway_endpoint_or_nat' ? gatewayEndpointNote(e, ctx) : undefined;
  if (gatewayNote) notes.push(gatewayNote);
  if (e.kind === 'interface' && (access === 'nat_gateway' || access === 'internet_gateway') && modeNeedsInterfaceEndpoints(ctx.mode)) {
    notes.push(`reached through public addresses although mode ${ctx.mode} expects the interface endpoint ${e.vpcEndpointServiceName} with private DNS`);
  }
  if (connected.length < tcp.length) {
    const failed = tcp.filter((a) => a.outcome !== 'connected').map((a) => `${a.address} ${reasonText(a.outcome as FailureReason)}`);
    notes.push(`${failed.length} of ${tcp.length} addresses did not connect (${failed.join('; ')})`);
  }
  return {
    ...base,
    status: 'ok',
    access,
    addresses: tcp.map(roundAddress),
    dnsMs: round(dns.dnsMs),
    connectMs: round(fastest),
    detail: `${e.hostname} resolves to ${shown} (${answerScope}); TCP ${ctx.port} connected in ${Math.round(fastest)} ms`,
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}

type AnswerScope = 'private' | 'public' | 'local' | 'none';

/** Public if any answer is public (the path then leaves the VPC's private space). */
function scopeOf(tcp: AddressResult[]): AnswerScope {
  if (tcp.length === 0) return 'none';
  if (tcp.some((a) => a.scope === 'public')) return 'public';
  if (tcp.some((a) => a.scope === 'private')) return 'private';
  return 'local';
}

function accessOf(e: ResolvedEndpoint, scope: AnswerScope, hasPublicIp: boolean): AccessType {
  if (scope === 'private') return 'vpc_endpoint';
  if (scope === 'local' || scope === 'none') return 'local';
  if (e.kind === 'gateway') return 'gateway_endpoint_or_nat';
  return hasPublicIp ? 'internet_gateway' : 'nat_gateway';
}

/** The reason to report when every address failed: the one an operator should look at first. */
function worstReason(tcp: AddressResult[]): FailureReason {
  const order: FailureReason[] = ['dns_sinkhole', 'timeout', 'blocked', 'refused', 'reset', 'no_route', 'connect_error'];
  for (const r of order) if (tcp.some((a) => a.outcome === r)) return r;
  return 'connect_error';
}

function gatewayEndpointNote(e: ResolvedEndpoint, ctx: ClassifyContext): string {
  const other = ctx.hasPublicIp ? 'an internet gateway' : 'a NAT gateway';
  const howToTell = `the subnet's route table has a route to the prefix list of ${e.vpcEndpointServiceName} targeting vpce-… when the gateway endpoint carries it; otherwise 0.0.0.0/0 sends it through ${other}`;
  const inIsolated = ctx.mode === 'isolated' ? ' (an isolated VPC has neither, so this is the gateway endpoint)' : '';
  return `${e.title} answers with public addresses even through a gateway endpoint, by design: ${howToTell}${inIsolated}`;
}

function dnsDetail(reason: FailureReason, hostname: string): string {
  switch (reason) {
    case 'nxdomain':
      return `${hostname} does not exist for this resolver (NXDOMAIN)`;
    case 'no_answer':
      return `${hostname} has no A or AAAA record`;
    case 'dns_timeout':
      return `no DNS answer for ${hostname} before the deadline`;
    case 'dns_refused':
      return `the DNS server refused to answer for ${hostname}`;
    default:
      return `DNS failed for ${hostname}`;
  }
}

/** A short phrase for a failure reason, for tables and details. */
export function reasonText(reason: FailureReason): string {
  const text: Record<FailureReason, string> = {
    nxdomain: 'name does not exist (NXDOMAIN)',
    no_answer: 'no A/AAAA answer',
    dns_timeout: 'DNS timed out',
    dns_refused: 'DNS refused',
    dns_error: 'DNS failed',
    dns_sinkhole: 'DNS firewall answered 0.0.0.0',
    timeout: 'timed out (no answer to SYN)',
    refused: 'connection refused',
    reset: 'connection reset',
    no_route: 'no route to the address',
    blocked: 'blocked by a local firewall or prohibit route',
    connect_error: 'connection failed',
  };
  return text[reason];
}

/** The one-line fix for a failure, given what DNS answered and the deployment mode. */
export function fixFor(e: ResolvedEndpoint, reason: FailureReason, scope: AnswerScope, ctx: ClassifyContext, address?: string): string {
  const svc = e.vpcEndpointServiceName;
  const dnsSuffix = partitionOf(ctx.region).dnsSuffix;
  const isolated = modeNeedsInterfaceEndpoints(ctx.mode);

  if (DNS_REASONS.has(reason)) {
    if (reason === 'nxdomain' || reason === 'no_answer') {
      if (e.kind === 'interface' && isolated) {
        return `Create the interface endpoint ${svc} with private DNS enabled (if the VPC uses its own DNS servers, forward ${dnsSuffix} to the Amazon resolver at the VPC base +2)`;
      }
      return `Check the Region (${ctx.region}) and the VPC's DNS servers: ${e.hostname} is a public AWS name and must resolve (forward ${dnsSuffix} to the Amazon resolver if DHCP options set custom servers)`;
    }
    return `Enable DNS resolution and DNS hostnames on the VPC (enableDnsSupport, enableDnsHostnames), or fix the DNS servers in its DHCP options set`;
  }
  if (reason === 'dns_sinkhole') {
    return `Allow ${e.hostname} in the Route 53 Resolver DNS Firewall rule group associated with the VPC`;
  }
  if (scope === 'public') {
    if (e.kind === 'gateway') {
      return `Associate the ${e.title} gateway endpoint ${svc} with the subnet's route table, and allow outbound ${ctx.port} to its prefix list in the task's security group`;
    }
    if (isolated) {
      return `Enable private DNS on the interface endpoint ${svc} (create it if missing): ${e.hostname} resolves to public addresses the subnet has no route to`;
    }
    if (ctx.mode === 'public-ip') {
      return `Give the task a public IP (assignPublicIp ENABLED) in a subnet whose route table sends 0.0.0.0/0 to an internet gateway, and allow outbound ${ctx.port} in its security group`;
    }
    return `Route the subnet's 0.0.0.0/0 to a NAT gateway and allow outbound ${ctx.port} in the task's security group (or create the interface endpoint ${svc} with private DNS)`;
  }
  switch (reason) {
    case 'timeout':
    case 'blocked':
      return `Allow inbound ${ctx.port} on the security group of the endpoint ${svc} from the task's security group (and outbound ${ctx.port} on the task's)`;
    case 'refused':
      return `${address ?? 'the address'} is not the endpoint: a Route 53 private hosted zone or hosts-file entry for ${e.hostname} is stale; remove it or recreate the endpoint ${svc}`;
    case 'reset':
      return `A firewall between the task and ${address ?? 'the endpoint'} resets the connection: allow ${ctx.port} to ${e.hostname} (AWS Network Firewall, Gateway Load Balancer appliances)`;
    case 'no_route':
      return `The task's subnet has no route to ${address ?? 'the endpoint'}: put the interface endpoint ${svc} in this VPC, or route to the VPC that has it (peering, transit gateway)`;
    default:
      return `Check the security groups and network ACLs between the task and the endpoint ${svc} for ${ctx.port}`;
  }
}

function round(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 10) / 10;
}

function roundAddress(a: AddressResult): AddressResult {
  return { ...a, connectMs: Math.round(a.connectMs * 10) / 10 };
}
