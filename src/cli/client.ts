import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AirlockError } from '../core/errors.js';
import { readCliConfig } from './cli-config.js';

/** An error the runner answered with, or a failure to reach it. */
export class ApiError extends AirlockError {
  constructor(status: number, code: string, message: string, field?: string) {
    super(code, status, message, field);
  }
}

/**
 * A thin client for the runner's REST API (the CLI uses nothing else). It speaks
 * node:http directly: the global fetch loads undici on first use, which costs more
 * than the whole of `airlock env list` otherwise does.
 */
export class ApiClient {
  private readonly url: URL;

  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {
    this.url = new URL(baseUrl);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    const text = await readAll(res);
    const data = text ? (safeJson(text) as T) : (undefined as T);
    if ((res.statusCode ?? 500) >= 400) throw errorFrom(res.statusCode ?? 500, data, text);
    return data;
  }

  /** The raw response (for streams such as logs). Throws on HTTP errors. */
  async stream(path: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const res = await this.send('GET', path, undefined, signal);
    if ((res.statusCode ?? 500) >= 400) {
      const text = await readAll(res);
      throw errorFrom(res.statusCode ?? 500, safeJson(text), text);
    }
    return res;
  }

  private send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const base = this.url.pathname.replace(/\/+$/, '');
    return new Promise((resolve, reject) => {
      const req = request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port,
          method,
          path: `${base}/api/v1${path}`,
          headers,
          ...(signal ? { signal } : {}),
        },
        resolve,
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError') reject(err);
        else reject(new ApiError(0, 'unreachable', `cannot reach the runner at ${this.baseUrl} (${err.code ?? err.message}): is \`airlock up\` running? Set AIRLOCK_URL or run \`airlock login\` to point elsewhere`));
      });
      req.end(payload);
    });
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (text += d));
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorFrom(status: number, data: unknown, text: string): ApiError {
  const e = (data as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
  if (e?.message) return new ApiError(status, e.code ?? 'error', e.message, e.field);
  return new ApiError(status, 'http_error', `the runner answered ${status}: ${text.slice(0, 200)}`);
}

/** The runner URL and token from AIRLOCK_URL / AIRLOCK_TOKEN, else from `airlock login`'s file. */
export function clientFromEnvironment(opts: { requireToken?: boolean } = {}): ApiClient {
  const saved = readCliConfig();
  const url = (process.env.AIRLOCK_URL ?? saved?.url ?? 'http://localhost:7080').replace(/\/+$/, '');
  const token = process.env.AIRLOCK_TOKEN ?? (saved && (!process.env.AIRLOCK_URL || process.env.AIRLOCK_URL.replace(/\/+$/, '') === saved.url.replace(/\/+$/, '')) ? saved.token : undefined);
  if (!token && opts.requireToken !== false) {
    throw new ApiError(401, 'unauthorized', 'no token: set AIRLOCK_TOKEN, or run `airlock login` (the admin token is printed by the first `airlock up`)');
  }
  return new ApiClient(url, token);
}
