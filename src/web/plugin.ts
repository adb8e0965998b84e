import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** The dashboard's page routes: each answers with index.html and the browser picks the page. */
export const PAGE_ROUTES = ['/', '/signin', '/environments/:name', '/runner', '/tokens'] as const;

/** Where assets are served from (relative to the site root). */
export const ASSET_PREFIX = '/assets/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Everything the page may load comes from this origin: no inline scripts or styles,
 * no third-party fonts or scripts (the runner often has no internet), no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export interface DashboardOptions {
  /** Folder holding index.html and the assets. @default the `static` folder beside this module's source */
  root?: string;
}

/**
 * Finds the static folder: beside this file when run from source (`src/web/static`),
 * or back in the source tree when run from the compiled `dist/src/web/plugin.js`
 * (tsc does not copy the browser files, and they need no compiling).
 */
export function staticRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [join(here, 'static'), join(here, '..', '..', '..', 'src', 'web', 'static')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`the dashboard's files are missing: looked for index.html in ${candidates.join(' and ')}; reinstall Airlock`);
  return found;
}

/** Reads every file under `root` once: the dashboard is small, and memory beats a disk read per request. */
function loadAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const type = TYPES[extname(name).toLowerCase()];
        if (!type) continue; // only known kinds of file are served
        const body = readFileSync(path);
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
        assets.set(relative(root, path).split(sep).join('/'), { body, type, etag });
      }
    }
  };
  walk(root);
  return assets;
}

/**
 * The dashboard at `/`: index.html for each page route (the browser router picks the
 * page) and the files under /assets/. It registers only those routes, so /api and
 * /metrics keep their own handlers and 404s.
 */
export function dashboardPlugin(opts: DashboardOptions = {}): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const assets = loadAssets(opts.root ?? staticRoot());
    const index = assets.get('index.html');
    if (!index) throw new Error('the dashboard has no index.html; reinstall Airlock');

    const send = (req: FastifyRequest, reply: FastifyReply, asset: Asset) => {
      void reply
        .header('content-type', asset.type)
        // Asset names carry no hash, so browsers revalidate every time (a cheap 304).
        .header('cache-control', 'no-cache')
        .header('etag', asset.etag)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'same-origin');
      if (asset.type.startsWith('text/html')) {
        void reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('x-frame-options', 'DENY');
      }
      if (matchesEtag(req.headers['if-none-match'], asset.etag)) return reply.status(304).send();
      return reply.send(asset.body);
    };

    for (const route of PAGE_ROUTES) {
      app.get(route, { schema: { hide: true } }, (req, reply) => send(req, reply, index));
    }
    app.get(`${ASSET_PREFIX}*`, { schema: { hide: true } }, (req, reply) => {
      const name = (req.params as { '*': string })['*'];
      const asset = name === 'index.html' ? undefined : assets.get(name);
      if (!asset) return reply.status(404).header('content-type', 'text/plain; charset=utf-8').send(`no dashboard file ${ASSET_PREFIX}${name}`);
      return send(req, reply, asset);
    });
    app.get('/favicon.ico', { schema: { hide: true } }, (req, reply) => {
      const icon = assets.get('icon.svg');
      return icon ? send(req, reply, icon) : reply.status(404).send();
    });
  };
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
