/**
 * The shape of a network readiness report, as a zod schema so the API can
 * declare it as its response schema (`GET /api/v1/runner/network`) and the
 * CLI can validate a report it reads back.
 */
import { z } from 'zod';
import { DEPLOYMENT_MODES } from '../core/config.js';

/**
 * How the runner reaches an endpoint.
 * - `vpc_endpoint`: every answer is private (an interface endpoint with private DNS)
 * - `gateway_endpoint_or_nat`: S3/DynamoDB answered with public addresses, which a gateway
 *   endpoint does by design; the route table tells whether a gateway endpoint or a NAT carries it
 * - `nat_gateway`: public answers and the task has no public IP
 * - `internet_gateway`: public answers and the task has a public IP
 * - `local`: loopback or link-local answers (a local forwarder or a hosts-file override)
 * - `unreachable`: no DNS answer or no TCP connection; see `reason`
 */
export const ACCESS_TYPES = ['vpc_endpoint', 'gateway_endpoint_or_nat', 'nat_gateway', 'internet_gateway', 'local', 'unreachable'] as const;
export type AccessType = (typeof ACCESS_TYPES)[number];

/** Why an endpoint could not be reached. DNS reasons first, then TCP reasons. */
export const FAILURE_REASONS = [
  'nxdomain',
  'no_answer',
  'dns_timeout',
  'dns_refused',
  'dns_error',
  'dns_sinkhole',
  'timeout',
  'refused',
  'reset',
  'no_route',
  'blocked',
  'connect_error',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export const addressScopeSchema = z.enum(['private', 'public', 'loopback', 'link_local', 'unspecified']);

export const addressResultSchema = z.object({
  address: z.string(),
  family: z.union([z.literal(4), z.literal(6)]),
  scope: addressScopeSchema,
  /** `connected`, or why the TCP connection to this address failed. */
  outcome: z.union([z.literal('connected'), z.enum(FAILURE_REASONS)]),
  /** Milliseconds until connected or failed. */
  connectMs: z.number().nonnegative(),
});
export type AddressResult = z.infer<typeof addressResultSchema>;

export const endpointResultSchema = z.object({
  /** Catalog id, e.g. `ecr.api`. */
  id: z.string(),
  title: z.string(),
  hostname: z.string(),
  /** e.g. `com.amazonaws.eu-west-1.ecr.api`. */
  vpcEndpointServiceName: z.string(),
  kind: z.enum(['interface', 'gateway']),
  /** `core`, or the feature that needs it. */
  need: z.string(),
  /** A failure of a required endpoint makes the report `degraded`. */
  required: z.boolean(),
  status: z.enum(['ok', 'failed']),
  access: z.enum(ACCESS_TYPES),
  reason: z.enum(FAILURE_REASONS).optional(),
  /** Every A and AAAA answer and what a TCP connection to it did. */
  addresses: z.array(addressResultSchema),
  /** Milliseconds for the A and AAAA answers (null when DNS never answered in time). */
  dnsMs: z.number().nonnegative().nullable(),
  /** Milliseconds for the first successful TCP connection (null when none). */
  connectMs: z.number().nonnegative().nullable(),
  /** One line on what was found. */
  detail: z.string(),
  /** Something worth knowing that is not a failure (gateway endpoints, partial reachability). */
  note: z.string().optional(),
  /** One line on what to change, for a failure. */
  fix: z.string().optional(),
});
export type EndpointResult = z.infer<typeof endpointResultSchema>;

export const netcheckReportSchema = z.object({
  /** `ready` when every required endpoint is reachable. */
  status: z.enum(['ready', 'degraded']),
  region: z.string(),
  partition: z.string(),
  mode: z.enum(DEPLOYMENT_MODES),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  /** The bound on the whole check. */
  timeoutMs: z.number().positive(),
  port: z.number().int(),
  /** DNS servers asked. */
  resolvers: z.array(z.string()),
  task: z.object({
    addresses: z.array(z.string()),
    hasPublicIp: z.boolean(),
    /** Where the addresses came from. */
    source: z.enum(['ecs-metadata', 'interfaces', 'given']),
  }),
  summary: z.object({
    endpoints: z.number().int(),
    required: z.number().int(),
    reachable: z.number().int(),
    failedRequired: z.number().int(),
    failedOptional: z.number().int(),
  }),
  endpoints: z.array(endpointResultSchema),
});
export type NetcheckReport = z.infer<typeof netcheckReportSchema>;
