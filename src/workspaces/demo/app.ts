import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { EchoEndpoint } from './echo.js';
import { HttpError, isPlainName, relativeToHome, resolveInHome } from './home-paths.js';
import { binaryPage, folderPage, textPage, type Entry } from './pages.js';

/** Files larger than this are offered for download instead of shown. */
const MAX_INLINE_BYTES = 1024 * 1024;
const MAX_JSON_BYTES = 4096;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  // Everything is inline and same-origin: nothing may be loaded from anywhere else.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'",
  'referrer-policy': 'same-origin',
};

/** The demo workspace: an HTTP server, and how to shut it down with its WebSockets. */
export interface DemoServer {
  server: Server;
  close(): Promise<void>;
}

/**
 * A file browser over `root` (the environment's home): list folders, view text files,
 * download and upload files (streamed), create folders; plus GET /healthz and a
 * WebSocket echo at /ws/echo. Call `server.listen` to start it.
 */
export async function createDemoServer(opts: { root: string }): Promise<DemoServer> {
  const root = await realpath(opts.root);
  const echo = new EchoEndpoint();
  const server = createServer((req, res) => {
    handle(root, req, res).catch((err: unknown) => sendError(res, err));
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    if (pathOf(req) === '/ws/echo') {
      echo.handleUpgrade(req, socket, head).catch(() => socket.destroy());
    } else {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    }
  });
  server.once('listening', () => echo.warm());
  return {
    server,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([closed, echo.close()]);
    },
  };
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = pathOf(req);
  const method = req.method ?? 'GET';
  if (path === '/healthz') return send(res, 200, 'ok');
  if (path === '/' || path === '/browse') return redirect(res, '/browse/');
  const [, route = '', ...rest] = path.split('/');
  const rel = rest.join('/');
  switch (`${method} ${route}`) {
    case 'GET browse':
    case 'HEAD browse':
      return browse(root, rel, res);
    case 'GET download':
    case 'HEAD download':
      return download(root, rel, req, res);
    case 'PUT files':
      return upload(root, rel, req, res);
    case 'POST mkdir':
      return makeFolder(root, rel, req, res);
  }
  if (['browse', 'download', 'files', 'mkdir'].includes(route)) throw new HttpError(405, `${method} is not allowed on /${route}/`);
  throw new HttpError(404, `nothing at ${path}; the files are under /browse/`);
}

async function browse(root: string, rel: string, res: ServerResponse): Promise<void> {
  const target = await resolveInHome(root, rel);
  const info = await statOr404(target);
  const shown = relativeToHome(root, target);
  if (info.isDirectory()) {
    const names = await readdir(target);
    const entries: Entry[] = [];
    for (const name of names) {
      // lstat first so a dangling link is listed rather than failing the page.
      const s = await stat(join(target, name)).catch(() => lstat(join(target, name)).catch(() => undefined));
      if (s) entries.push({ name, isDir: s.isDirectory(), size: s.size, modified: s.mtime });
    }
    return sendHtml(res, folderPage(root, shown, entries));
  }
  if (!info.isFile()) throw new HttpError(415, 'only regular files and folders can be shown');
  if (info.size > MAX_INLINE_BYTES) return sendHtml(res, binaryPage(root, shown, info.size, 'This file is too large to show here'));
  const handle = await open(target, 'r');
  let bytes: Buffer;
  try {
    bytes = await handle.readFile();
  } finally {
    await handle.close();
  }
  if (bytes.subarray(0, 8192).includes(0)) return sendHtml(res, binaryPage(root, shown, info.size, 'This looks like a binary file'));
  return sendHtml(res, textPage(root, shown, bytes.toString('utf8')));
}

async function download(root: string, rel: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = await resolveInHome(root, rel);
  const info = await statOr404(target);
  if (!info.isFile()) throw new HttpError(400, 'only files can be downloaded; open folders under /browse/');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'application/octet-stream',
    'content-length': info.size,
    'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(basename(target))}`,
    'last-modified': info.mtime.toUTCString(),
  });
  if (req.method === 'HEAD') return void res.end();
  await pipeline(createReadStream(target), res);
}

/** PUT /files/<path>: the raw body becomes the file, written to a temporary name then renamed. */
async function upload(root: string, rel: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = await resolveInHome(root, rel);
  if (target === root || !isPlainName(basename(target))) throw new HttpError(400, 'name the file to upload: PUT /files/<folder>/<name>');
  const parent = await statOr404(dirname(target), 'the folder to upload into does not exist');
  if (!parent.isDirectory()) throw new HttpError(409, 'the folder to upload into is a file');
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new HttpError(409, `"${basename(target)}" is a folder`);
  const temp = join(dirname(target), `.${basename(target)}.upload-${randomBytes(4).toString('hex')}`);
  try {
    await pipeline(req, createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  const { size } = await stat(target);
  send(res, existing ? 200 : 201, `saved ${relativeToHome(root, target)} (${size} bytes)\n`);
}

/** POST /mkdir/<folder> with JSON {"name": "..."}: a JSON body cannot come from a plain cross-site form. */
async function makeFolder(root: string, rel: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpError(415, 'send {"name": "<folder name>"} as application/json');
  }
  const body = await readSmallBody(req, MAX_JSON_BYTES);
  let name: unknown;
  try {
    name = (JSON.parse(body) as { name?: unknown }).name;
  } catch {
    throw new HttpError(400, 'the body is not JSON; send {"name": "<folder name>"}');
  }
  if (typeof name !== 'string' || !isPlainName(name.trim())) {
    throw new HttpError(400, 'the folder name must be one name: no "/", not "." or ".."');
  }
  const parent = await resolveInHome(root, rel);
  const target = await resolveInHome(root, `${rel}/${encodeURIComponent(name.trim())}`);
  if (!(await statOr404(parent, 'the parent folder does not exist')).isDirectory()) throw new HttpError(409, 'the parent is a file');
  try {
    await mkdir(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new HttpError(409, `"${name.trim()}" already exists`);
    throw err;
  }
  send(res, 201, `created ${relativeToHome(root, target)}/\n`);
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

async function statOr404(path: string, message = 'no such file or folder') {
  try {
    return await stat(path);
  } catch {
    throw new HttpError(404, message);
  }
}

async function readSmallBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `the body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendHtml(res: ServerResponse, html: string): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : html);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-length': 0 });
  res.end();
}

function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy(); // mid-stream: the client sees a short body, not a wrong one
    return;
  }
  if (err instanceof HttpError) return send(res, err.status, `${err.message}\n`);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return send(res, 403, 'permission denied\n');
  if (code === 'ENOENT') return send(res, 404, 'no such file or folder\n');
  console.error(err);
  send(res, 500, 'internal error; see the workspace log\n');
}
