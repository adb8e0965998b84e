/** Network readiness: the endpoint catalog, the check, its report schema and the runner's monitor. */
export { runNetcheck, DEFAULT_TIMEOUT_MS, type NetcheckOptions } from './check.js';
export { NetcheckMonitor, type NetcheckMonitorOptions, type MonitorLogger } from './monitor.js';
export {
  netcheckReportSchema,
  endpointResultSchema,
  addressResultSchema,
  ACCESS_TYPES,
  FAILURE_REASONS,
  type NetcheckReport,
  type EndpointResult,
  type AddressResult,
  type AccessType,
  type FailureReason,
} from './report.js';
export { addressScope, isPrivateAddress, isPublicAddress, type AddressScope } from './address.js';
export { discoverOwnAddresses, type OwnAddresses } from './own-addresses.js';
