import { AirlockError } from '../core/errors.js';
import { readCliConfig } from './cli-config.js';

/** An error the runner answered with, or a failure to reach it. */
export class ApiError extends AirlockError {
  constructor(status: number, code: string, message: string, field?: string) {
    super(code, status, message, field);
  }
}

/** A thin client for the runner's REST API (the CLI uses nothing else). */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, body);
    const text = await res.text();
    const data = text ? (safeJson(text) as T) : (undefined as T);
    if (!res.ok) throw errorFrom(res.status, data, text);
    return data;
  }

  /** The raw response (for streams such as logs). Throws on HTTP errors. */
  async stream(path: string, signal?: AbortSignal): Promise<Response> {
    const res = await this.fetch('GET', path, undefined, signal);
    if (!res.ok) {
      const text = await res.text();
      throw errorFrom(res.status, safeJson(text), text);
    }
    return res;
  }

  private async fetch(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(`${this.baseUrl}/api/v1${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ApiError(0, 'unreachable', `cannot reach the runner at ${this.baseUrl} (${cause}): is \`airlock up\` running? Set AIRLOCK_URL or run \`airlock login\` to point elsewhere`);
    }
  }
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
