// The dashboard's only way to the runner: the same REST API the CLI uses.
// The session cookie goes along on its own (same origin).

/** An API error with the server's words, for showing inline. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let onUnauthorized = () => {};

/** What to do when a call answers 401 (the router sends the browser to sign in). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/**
 * Calls `/api/v1<path>`. JSON in and out; text when `as: 'text'`. Throws ApiError
 * with the server's message (or a plain one when the runner cannot be reached).
 */
export async function api(method, path, { body, as = 'json', signal, quiet401 = false } = {}) {
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'unreachable', 'The runner did not answer. Is `airlock up` still running?');
  }
  if (res.status === 401 && !quiet401) onUnauthorized();
  if (!res.ok) {
    let code = 'http_' + res.status;
    let message = `The runner answered ${res.status} ${res.statusText}.`;
    let field;
    try {
      const data = await res.json();
      if (data && data.error) {
        code = data.error.code ?? code;
        message = data.error.message ?? message;
        field = data.error.field;
      }
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, code, sentence(message), field);
  }
  if (res.status === 204) return undefined;
  return as === 'text' ? res.text() : res.json();
}

/** Starts a message with a capital and ends it with a full stop, for display. */
export function sentence(message) {
  const s = String(message).trim();
  if (!s) return s;
  const first = s[0].toUpperCase() + s.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** The message to show for any error thrown by `api`. */
export function describeError(err) {
  if (err instanceof ApiError) return err.message;
  return sentence(err && err.message ? err.message : String(err));
}
