import type { Agent, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { User } from '../core/environment.js';
import { isUserError } from '../core/errors.js';
import type { Logger } from '../telemetry/logger.js';
import { ENV_COOKIE, RUNNER_COOKIE, clearCookie, readCookie, sessionCookie, type SessionManager } from '../auth/sessions.js';
import type { ActivityTracker } from './activity.js';
import { createUpstreamAgent, forward } from './forward.js';
import { downstreamHeaders, scanHeaders, upstreamHeaders, type RequestFacts } from './headers.js';
import { matchHost } from './host.js';
import { pages, sendPage, wantsHtml, type Page } from './pages.js';
import type { Route, RouteCache, RoutePort } from './routes.js';
import { refuseSocket, tunnel } from './websocket.js';

/** What the proxy needs from the rest of the runner. */
export interface ProxyDeps {
  /** Environment routes, in memory. */
  routes: Pick<RouteCache, 'get'>;
  /** Browser sessions on environment hosts. */
  sessions: Pick<SessionManager, 'verify' | 'exchangeCode' | 'revoke'>;
  /** Resolves an API token to its user; undefined (or a rejection) when it is not valid. */
  verifyBearer(secret: string): Promise<{ user: User } | undefined>;
  /** Marks environments active from traffic. */
  activity: Pick<ActivityTracker, 'request' | 'frames'>;
  /** The environment domain, lowercase (`localhost` locally). */
  domain: string;
  /** The runner's public URL (e.g. `http://localhost:7080`), for the sign-in redirect. */
  runnerUrl: string;
  /** Starts a stopped environment for the Start button; without it the button is not offered. */
  startEnvironment?(name: string, user: User): Promise<void>;
  logger?: Pick<Logger, 'warn' | 'error' | 'debug'>;
  /** Keep incoming X-Forwarded-* (only when a trusted load balancer sits in front). @default false */
  trustForwarded?: boolean;
  /** Upstream connection pool. @default a keep-alive agent from createUpstreamAgent() */
  agent?: Agent;
}

/** The proxy as an HTTP server uses it. */
export interface Proxy {
  /** Handles the request if its Host is an environment host (or is malformed); false means "not mine" (the API's). */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Same for an Upgrade (WebSocket) request. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Refuses CONNECT: Airlock is not a forward proxy. Attach to the server's 'connect' event. */
  handleConnect(req: IncomingMessage, socket: Duplex): void;
  /** Whether a Host header value is one the proxy answers for. */
  isProxyHost(host: string | undefined): boolean;
  /** Closes pooled upstream connections. */
  close(): void;
}

/** Airlock's own cookies: never forwarded to an environment. */
export const AIRLOCK_COOKIES: readonly string[] = [RUNNER_COOKIE, ENV_COOKIE];

/** Paths on environment hosts that the proxy answers itself. */
export const CONTROL_PREFIX = '/__airlock/';

interface Caller {
  user: User;
  via: 'bearer' | 'cookie';
}

/** Creates the environment proxy. */
export function createProxy(deps: ProxyDeps): Proxy {
  const agent = deps.agent ?? createUpstreamAgent();
  const { routes, domain, activity } = deps;
  const proto = deps.runnerUrl.startsWith('https:') ? 'https' : 'http';
  const secure = proto === 'https';
  const trustForwarded = deps.trustForwarded ?? false;
  const runnerBase = deps.runnerUrl.replace(/\/+$/, '');
  const tunnels = new Set<Duplex>();

  async function authenticate(facts: RequestFacts, host: string): Promise<Caller | undefined> {
    const secret = bearerSecret(facts.authorization);
    if (secret !== undefined) {
      const found = await deps.verifyBearer(secret).catch(() => undefined);
      if (found) return { user: found.user, via: 'bearer' };
    }
    const cookie = readCookie(facts.cookie, ENV_COOKIE);
    if (cookie !== undefined && cookie.length > 0) {
      const user = await deps.sessions.verify(cookie, host).catch(() => undefined);
      if (user) return { user, via: 'cookie' };
    }
    return undefined;
  }

  function signInUrl(hostHeader: string, url: string): string {
    return `${runnerBase}/api/v1/auth/authorize?host=${encodeURIComponent(hostHeader)}&return=${encodeURIComponent(url)}`;
  }

  /** The page for an environment that is not ready, or undefined when it can be dialled. */
  /** The request's headers as the environment gets them: Airlock's credentials out, X-Forwarded-* in. */
  function forwardedHeaders(req: IncomingMessage, facts: RequestFacts, caller: Caller | undefined, upgrade: boolean): string[] {
    return upstreamHeaders(req.rawHeaders, facts, {
      cookieNames: AIRLOCK_COOKIES,
      stripAuthorization: caller?.via === 'bearer' || isAirlockBearer(facts.authorization),
      remoteAddress: req.socket.remoteAddress ?? '',
      proto,
      trustForwarded,
      upgrade,
    });
  }

  function statePage(route: Route, caller: Caller | undefined): Page | undefined {
    const canStart = caller !== undefined && canManage(caller.user, route);
    const offerStart = deps.startEnvironment !== undefined;
    switch (route.state) {
      case 'running':
        return route.address === undefined ? pages.starting(route.name, 'starting') : undefined;
      case 'pending':
      case 'starting':
      case 'stopping':
        return pages.starting(route.name, route.state);
      case 'stopped':
        return pages.stopped(route.name, canStart, offerStart);
      case 'failed':
        return pages.failed(route.name, route.reason, canStart, offerStart);
      case 'deleting':
      case 'deleted':
        return pages.deleting(route.name);
    }
  }

  function proceed(req: IncomingMessage, res: ServerResponse, route: Route, port: number, p: RoutePort, facts: RequestFacts, caller: Caller | undefined, html: boolean): void {
    const page = statePage(route, caller);
    if (page !== undefined) {
      sendPage(res, page, html);
      return;
    }
    activity.request(route.envId);
    const headers = forwardedHeaders(req, facts, caller, false);
    const hasBody = facts.transferEncoding !== undefined || (facts.contentLength !== undefined && facts.contentLength !== '0');
    // The upstream's own Date header is relayed.
    res.sendDate = false;
    forward(req, res, { address: route.address!, port: p.target }, headers, hasBody, agent, downstreamHeaders, (err) => {
      deps.logger?.warn({ env: route.name, port, code: err.code }, 'upstream unreachable');
      if (hasBody) req.resume();
      res.sendDate = true;
      sendPage(res, pages.upstreamDown(route.name, port, describe(err)), html);
    });
  }

  function handleEnv(req: IncomingMessage, res: ServerResponse, name: string, portInHost: number | undefined, host: string, facts: RequestFacts): void {
    const url = req.url ?? '';
    const html = wantsHtml(facts.accept);
    if (url.charCodeAt(0) !== 47) {
      refuse(res, pages.badRequest('only origin-form request targets (a path starting with "/") are accepted; this is not a forward proxy'), html);
      return;
    }
    if (facts.transferEncoding !== undefined && facts.contentLength !== undefined) {
      refuse(res, pages.badRequest('a request may not carry both Transfer-Encoding and Content-Length'), html);
      return;
    }
    if (url.charCodeAt(1) === 95 && url.startsWith(CONTROL_PREFIX)) {
      control(req, res, name, host, facts, html).catch((err: unknown) => internalError(res, err, html));
      return;
    }
    const route = routes.get(name);
    if (route === undefined || route.state === 'deleted') {
      sendPage(res, pages.unknownHost(host), html);
      return;
    }
    const port = portInHost ?? route.defaultPort;
    if (port === undefined) {
      sendPage(res, pages.noPorts(route.name), html);
      return;
    }
    const p = route.ports.get(port);
    if (p === undefined) {
      sendPage(res, pages.undeclaredPort(route.name, port, [...route.ports.keys()]), html);
      return;
    }
    if (p.share === 'public') {
      proceed(req, res, route, port, p, facts, undefined, html);
      return;
    }
    authenticate(facts, host).then(
      (caller) => {
        if (caller === undefined) {
          if (html && (req.method === 'GET' || req.method === 'HEAD')) {
            res.writeHead(302, { location: signInUrl(facts.host!, url), 'cache-control': 'no-store', 'content-length': 0 });
            res.end();
          } else {
            sendPage(res, pages.unauthorized(), html);
          }
          return;
        }
        if (p.share === 'owner' && !canManage(caller.user, route)) {
          sendPage(res, pages.forbidden(route.name, port), html);
          return;
        }
        proceed(req, res, route, port, p, facts, caller, html);
      },
      (err: unknown) => internalError(res, err, html),
    );
  }

  async function control(req: IncomingMessage, res: ServerResponse, name: string, host: string, facts: RequestFacts, html: boolean): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    switch (url.pathname) {
      case `${CONTROL_PREFIX}callback`: {
        const issued = await deps.sessions.exchangeCode(url.searchParams.get('code') ?? '', host);
        if (!issued) {
          sendPage(res, pages.codeRejected(), true);
          return;
        }
        res.writeHead(302, {
          location: safeReturnPath(url.searchParams.get('return')),
          'set-cookie': sessionCookie(ENV_COOKIE, issued.value, { secure, maxAgeSeconds: issued.maxAgeSeconds }),
          'cache-control': 'no-store',
          'content-length': 0,
        });
        res.end();
        return;
      }
      case `${CONTROL_PREFIX}signout`: {
        const cookie = readCookie(facts.cookie, ENV_COOKIE);
        if (cookie) await deps.sessions.revoke(cookie);
        sendPage(res, { ...pages.signedOut(), headers: { 'set-cookie': clearCookie(ENV_COOKIE, secure) } }, html);
        return;
      }
      case `${CONTROL_PREFIX}start`: {
        req.resume();
        if (req.method !== 'POST') {
          sendPage(res, { ...pages.badRequest('use POST to start an environment'), status: 405, headers: { allow: 'POST' } }, html);
          return;
        }
        const route = routes.get(name);
        if (!route) {
          sendPage(res, pages.unknownHost(host), html);
          return;
        }
        const caller = await authenticate(facts, host);
        if (!caller || !canManage(caller.user, route)) {
          sendPage(res, pages.startRefused(`only the owner of "${route.name}" (or an admin) can start it`), html);
          return;
        }
        // A cookie rides along on cross-site requests; a form post must come from this very host.
        if (caller.via === 'cookie' && !sameOrigin(facts, `${proto}://${facts.host}`)) {
          sendPage(res, pages.startRefused('this start request did not come from the environment page itself (cross-site request refused)'), html);
          return;
        }
        if (!deps.startEnvironment) {
          sendPage(res, pages.startFailed(route.name, `this proxy cannot start environments; run \`airlock env start ${route.name}\``), html);
          return;
        }
        try {
          await deps.startEnvironment(route.name, caller.user);
        } catch (err) {
          sendPage(res, pages.startFailed(route.name, isUserError(err) ? err.message : 'the runner could not start it; its logs have the details'), html);
          if (!isUserError(err)) deps.logger?.error({ err, env: route.name }, 'start from the proxy failed');
          return;
        }
        res.writeHead(303, { location: '/', 'cache-control': 'no-store', 'content-length': 0 });
        res.end();
        return;
      }
      default:
        sendPage(res, { ...pages.badRequest(`no such Airlock path ${url.pathname}`), status: 404, code: 'not_found' }, html);
    }
  }

  function internalError(res: ServerResponse, err: unknown, html: boolean): void {
    deps.logger?.error({ err }, 'proxy request failed');
    if (res.headersSent) res.destroy();
    else sendPage(res, { status: 500, code: 'internal', title: 'Proxy error', message: 'The proxy failed to handle this request; the runner logs have the details.' }, html);
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const facts = scanHeaders(req.rawHeaders);
    if (facts.hostCount > 1) {
      refuse(res, pages.badRequest('the request has more than one Host header'), wantsHtml(facts.accept));
      return true;
    }
    const m = matchHost(facts.host, domain);
    switch (m.kind) {
      case 'env':
        handleEnv(req, res, m.name, m.port, m.host, facts);
        return true;
      case 'bad':
        refuse(res, pages.badRequest(m.reason), wantsHtml(facts.accept));
        return true;
      default:
        return false;
    }
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const facts = scanHeaders(req.rawHeaders);
    if (facts.hostCount > 1) {
      refuseSocket(socket, 400, 'bad_request', 'the request has more than one Host header');
      return true;
    }
    const m = matchHost(facts.host, domain);
    if (m.kind === 'runner' || m.kind === 'other') return false;
    socket.on('error', () => socket.destroy());
    if (m.kind === 'bad') {
      refuseSocket(socket, 400, 'bad_request', m.reason);
      return true;
    }
    const url = req.url ?? '';
    if (url.charCodeAt(0) !== 47) {
      refuseSocket(socket, 400, 'bad_request', 'only origin-form request targets are accepted');
      return true;
    }
    const route = routes.get(m.name);
    const port = m.port ?? route?.defaultPort;
    const p = port === undefined ? undefined : route?.ports.get(port);
    if (route === undefined || route.state === 'deleted' || port === undefined || p === undefined) {
      refuseSocket(socket, 404, 'not_found', `no environment port at ${m.host}`);
      return true;
    }
    const go = (caller: Caller | undefined) => {
      if (route.state !== 'running' || route.address === undefined) {
        refuseSocket(socket, 503, 'environment_not_running', `environment "${route.name}" is ${route.state}`, 'retry-after: 2\r\n');
        return;
      }
      activity.request(route.envId);
      const headers = forwardedHeaders(req, facts, caller, true);
      const envId = route.envId;
      tunnel(req, socket, head, { address: route.address, port: p.target }, headers, {
        open: tunnels,
        onData: (bytes) => activity.frames(envId, bytes),
        onFailure: (err) => {
          deps.logger?.warn({ env: route.name, port, code: err.code }, 'upstream unreachable (websocket)');
          refuseSocket(socket, 502, 'upstream_unreachable', `environment "${route.name}" is running, but nothing answered on port ${port} (${describe(err)})`);
        },
      });
    };
    if (p.share === 'public') {
      go(undefined);
      return true;
    }
    authenticate(facts, m.host).then(
      (caller) => {
        if (caller === undefined) refuseSocket(socket, 401, 'unauthorized', 'sign in first: open this environment in the browser, or send "Authorization: Bearer <token>"');
        else if (p.share === 'owner' && !canManage(caller.user, route)) refuseSocket(socket, 403, 'forbidden', `port ${port} of "${route.name}" is shared with its owner only`);
        else go(caller);
      },
      (err: unknown) => {
        deps.logger?.error({ err }, 'proxy upgrade failed');
        socket.destroy();
      },
    );
    return true;
  }

  return {
    handleRequest,
    handleUpgrade,
    handleConnect(_req, socket) {
      socket.on('error', () => socket.destroy());
      refuseSocket(socket, 405, 'method_not_allowed', 'CONNECT is not supported: Airlock is a reverse proxy for environment hosts, not a forward proxy');
    },
    isProxyHost(host) {
      const kind = matchHost(host, domain).kind;
      return kind === 'env' || kind === 'bad';
    },
    close() {
      agent.destroy();
      for (const s of tunnels) s.destroy();
      tunnels.clear();
    },
  };
}

/** Owner or admin. */
function canManage(user: User, route: Pick<Route, 'owner'>): boolean {
  return user.role === 'admin' || user.name === route.owner;
}

/** The secret of `Authorization: Bearer <secret>`, or undefined. */
function bearerSecret(header: string | undefined): string | undefined {
  if (header === undefined || header.length < 8) return undefined;
  const b = header.charCodeAt(0) | 0x20;
  if (b !== 98 || (header.charCodeAt(6) !== 32) || header.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  const secret = header.slice(7).trim();
  return secret.length > 0 ? secret : undefined;
}

/** An Authorization header that carries a generated Airlock token (stripped even on public ports). */
function isAirlockBearer(header: string | undefined): boolean {
  const s = bearerSecret(header);
  return s !== undefined && s.startsWith('alk_');
}

/** A same-host path to return to after sign-in; anything else (other hosts, `//x`, `/\x`) becomes `/`. */
export function safeReturnPath(ret: string | null): string {
  if (!ret || ret.charCodeAt(0) !== 47 || ret.length > 4096) return '/';
  const second = ret.charCodeAt(1);
  if (second === 47 || second === 92) return '/';
  for (let i = 0; i < ret.length; i++) {
    const c = ret.charCodeAt(i);
    if (c < 33 || c === 127 || c === 92) return '/';
  }
  return ret;
}

/** Whether a state-changing request came from `origin` itself. */
function sameOrigin(facts: RequestFacts, origin: string): boolean {
  if (facts.origin !== undefined) return facts.origin.toLowerCase() === origin.toLowerCase();
  return facts.secFetchSite === 'same-origin';
}

/** Answers and closes the connection: after a malformed request, the stream may not be trusted. */
function refuse(res: ServerResponse, page: Page, html: boolean): void {
  res.shouldKeepAlive = false;
  sendPage(res, { ...page, headers: { ...page.headers, connection: 'close' } }, html);
}

/** A short description of a connect error for the 502 page. */
function describe(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'EBADRESPONSE':
      return 'it sent a response that cannot be relayed';
    default:
      return err.code ?? 'connection failed';
  }
}
