/**
 * The prices Airlock's cost summary uses, in one place, with the date they were read.
 * Source: the public AWS pricing pages for VPC (PrivateLink, NAT gateway) and public
 * IPv4 addresses, us-east-1, read in late 2025. Other Regions cost somewhat more; the
 * summary says which prices it used so a reader can rescale.
 */
export const PRICES = {
  /** When these figures were read, and for which Region. */
  asOf: '2025-11',
  region: 'us-east-1',
  currency: 'USD',
  /** An interface VPC endpoint, per endpoint per Availability Zone per hour. */
  interfaceEndpointPerAzHour: 0.01,
  /** Data processed by an interface endpoint, per GB (first PB tier). */
  interfaceEndpointPerGb: 0.01,
  /** Gateway endpoints (S3, DynamoDB) have no hourly or data charge. */
  gatewayEndpointPerHour: 0,
  /** A NAT gateway, per gateway per hour. */
  natGatewayPerHour: 0.045,
  /** Data processed by a NAT gateway, per GB. */
  natGatewayPerGb: 0.045,
  /** The public IPv4 address every NAT gateway holds, per hour. */
  publicIpv4PerHour: 0.005,
} as const;

/** Hours in an average month (730 = 8760 / 12), the figure AWS's calculator uses. */
export const HOURS_PER_MONTH = 730;

/** What a deployment's network plumbing costs per month, before data processing. */
export interface NetworkCost {
  interfaceEndpoints: number;
  availabilityZones: number;
  natGateways: number;
  /** Interface endpoints: count × AZs × hourly price × 730. */
  endpointsMonthly: number;
  /** NAT gateways: count × (hourly price + public IPv4) × 730. */
  natMonthly: number;
  totalMonthly: number;
  /** Data charge per GB through this path (interface endpoint or NAT). */
  perGb: number;
}

/** Monthly fixed cost of interface endpoints and NAT gateways, at PRICES. */
export function networkCost(interfaceEndpoints: number, availabilityZones: number, natGateways: number): NetworkCost {
  const endpointsMonthly = round2(interfaceEndpoints * availabilityZones * PRICES.interfaceEndpointPerAzHour * HOURS_PER_MONTH);
  const natMonthly = round2(natGateways * (PRICES.natGatewayPerHour + PRICES.publicIpv4PerHour) * HOURS_PER_MONTH);
  const perGb = natGateways > 0 ? PRICES.natGatewayPerGb : interfaceEndpoints > 0 ? PRICES.interfaceEndpointPerGb : 0;
  return {
    interfaceEndpoints,
    availabilityZones,
    natGateways,
    endpointsMonthly,
    natMonthly,
    totalMonthly: round2(endpointsMonthly + natMonthly),
    perGb,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
