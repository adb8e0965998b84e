import { createServer, type Server, type ServerOptions } from 'node:http';
import { createProxy, type Proxy, type ProxyDeps } from './proxy.js';
import { pages, sendPage, wantsHtml } from './pages.js';

/** Connection limits for any server that carries proxy traffic (the runner's own server should use them too). */
export interface ServerLimits {
  /** Keep idle client connections longer than the load balancer does (ALB: 60 s), so it never reuses one we closed. @default 65000 */
  keepAliveTimeoutMs: number;
  /** Time allowed to receive the request headers; bounds slowloris. @default 20000 */
  headersTimeoutMs: number;
  /** Time allowed to receive a whole request (uploads); responses and WebSockets are not bounded by it. @default 600000 */
  requestTimeoutMs: number;
  /** Largest header block accepted; larger gets 431. @default 32768 */
  maxHeaderSize: number;
  /** How often Node checks the two timeouts above. @default 1000 */
  checkIntervalMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  keepAliveTimeoutMs: 65_000,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 600_000,
  maxHeaderSize: 32 * 1024,
  checkIntervalMs: 1000,
};

/** The node:http server options for `limits` (pass to createServer). */
export function serverOptions(limits: Partial<ServerLimits> = {}): ServerOptions {
  const l = { ...DEFAULT_LIMITS, ...limits };
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    maxHeaderSize: l.maxHeaderSize,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: l.checkIntervalMs,
    noDelay: true,
    // Refuse requests without Host (HTTP/1.1 requires it) before they reach us.
    requireHostHeader: true,
  };
}

export interface ProxyServerOptions extends ProxyDeps {
  port: number;
  /** @default 127.0.0.1 */
  host?: string;
  limits?: Partial<ServerLimits>;
}

export interface ProxyServer {
  server: Server;
  proxy: Proxy;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts a standalone proxy (`airlock proxy`): environment hosts only; anything else gets 404. */
export async function startProxyServer(opts: ProxyServerOptions): Promise<ProxyServer> {
  const { port, host = '127.0.0.1', limits, ...deps } = opts;
  const proxy = createProxy(deps);
  const server = createServer(serverOptions(limits));
  // `keepAliveTimeout` in the options is only honoured by newer Node versions.
  server.keepAliveTimeout = limits?.keepAliveTimeoutMs ?? DEFAULT_LIMITS.keepAliveTimeoutMs;
  server.on('request', (req, res) => {
    if (proxy.handleRequest(req, res)) return;
    // The container and load balancer health checks address the task itself, not an environment host.
    if (req.url === '/api/v1/health' || req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end('{"status":"ok","role":"proxy"}');
      return;
    }
    sendPage(res, pages.notProxyHost(), wantsHtml(req.headers.accept));
  });
  server.on('upgrade', (req, socket, head) => {
    if (!proxy.handleUpgrade(req, socket, head)) {
      socket.on('error', () => socket.destroy());
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    }
  });
  server.on('connect', (req, socket) => proxy.handleConnect(req, socket));
  // Malformed requests, 431 (headers too large) and 408 (headers/request timeout) are answered by Node itself.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  return {
    server,
    proxy,
    port: bound,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
