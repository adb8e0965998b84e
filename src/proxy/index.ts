/** The environment proxy's public surface (see docs/proxy.md). */
export { createProxy, AIRLOCK_COOKIES, CONTROL_PREFIX, type Proxy, type ProxyDeps } from './proxy.js';
export { RouteCache, toRoute, type Route, type RoutePort, type RouteCacheOptions } from './routes.js';
export { ActivityTracker, type ActivityCounters, type ActivityOptions } from './activity.js';
export { startProxyServer, serverOptions, DEFAULT_LIMITS, type ProxyServer, type ProxyServerOptions, type ServerLimits } from './server.js';
export { matchHost, canonicalHost, type HostMatch } from './host.js';
export { createUpstreamAgent } from './forward.js';
