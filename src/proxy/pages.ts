import type { ServerResponse } from 'node:http';

/**
 * The pages the proxy answers with itself (unknown host, stopped, starting, failed,
 * upstream down...). Browsers get a small HTML page; API clients get the same
 * facts as `{ error: { code, message } }` JSON. Everything interpolated is escaped.
 */
export interface Page {
  status: number;
  /** Stable machine-readable code (JSON `error.code`). */
  code: string;
  title: string;
  /** One or two sentences: what happened and what to do. */
  message: string;
  /** Reload the page after this many seconds (starting environments). */
  refreshSeconds?: number;
  /** A form that POSTs to `action` (the Start button; the proxy checks the Origin on receipt). */
  form?: { action: string; label: string };
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** Writes `page` as HTML (browsers) or JSON (everything else). Closes nothing: keep-alive stays usable. */
export function sendPage(res: ServerResponse, page: Page, html: boolean): void {
  const body = html ? renderHtml(page) : JSON.stringify({ error: { code: page.code, message: page.message } });
  res.writeHead(page.status, {
    'content-type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(html ? { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" } : {}),
    ...(page.refreshSeconds ? { 'retry-after': String(page.refreshSeconds) } : {}),
    ...page.headers,
  });
  res.end(body);
}

/** Whether the client is a browser navigation (wants HTML). */
export function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('text/html');
}

function renderHtml(p: Page): string {
  const refresh = p.refreshSeconds ? `<meta http-equiv="refresh" content="${p.refreshSeconds}">` : '';
  const form = p.form
    ? `<form method="post" action="${esc(p.form.action)}"><button type="submit">${esc(p.form.label)}</button></form>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${refresh}<title>${esc(p.title)} · Airlock</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2328}h1{font-size:1.4rem}code{background:#f3f4f6;padding:0 .25rem}button{font:inherit;padding:.4rem 1.2rem;border-radius:6px;border:1px solid #1f6feb;background:#1f6feb;color:#fff;cursor:pointer}</style></head><body><h1>${esc(p.title)}</h1><p>${esc(p.message)}</p>${form}<p><small>Airlock proxy</small></p></body></html>`;
}

/** HTML-escapes text and attribute values. */
export function esc(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 38) rep = '&amp;';
    else if (c === 60) rep = '&lt;';
    else if (c === 62) rep = '&gt;';
    else if (c === 34) rep = '&quot;';
    else if (c === 39) rep = '&#39;';
    else if (c < 32 && c !== 9 && c !== 10) rep = '?';
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

// The pages, by situation. Names and reasons come from the store (validated) but are escaped anyway.

export const pages = {
  badRequest: (reason: string): Page => ({ status: 400, code: 'bad_request', title: 'Bad request', message: reason }),
  unknownHost: (host: string): Page => ({
    status: 404,
    code: 'not_found',
    title: 'No such environment',
    message: `There is no environment at ${host}. Check the name with \`airlock env list\`; environment hosts look like <port>--<name>.<domain>.`,
  }),
  notProxyHost: (): Page => ({
    status: 404,
    code: 'not_found',
    title: 'Not an environment host',
    message: 'This is the Airlock proxy; it serves environment hosts only (<port>--<name>.<domain>).',
  }),
  undeclaredPort: (name: string, port: number, declared: number[]): Page => ({
    status: 404,
    code: 'port_not_declared',
    title: 'Port not declared',
    message: `Environment "${name}" does not declare port ${port}${declared.length ? `; its ports are ${declared.join(', ')}` : ' and has no ports'}. Add it to the template's ports to reach it through the proxy.`,
  }),
  noPorts: (name: string): Page => ({
    status: 404,
    code: 'port_not_declared',
    title: 'No ports',
    message: `Environment "${name}" declares no ports, so there is nothing to open. Add ports to its template.`,
  }),
  unauthorized: (): Page => ({
    status: 401,
    code: 'unauthorized',
    title: 'Sign in required',
    message: 'This port is private: send "Authorization: Bearer <token>" (see `airlock login`) or open it in a browser to sign in.',
  }),
  forbidden: (name: string, port: number): Page => ({
    status: 403,
    code: 'forbidden',
    title: 'Not yours',
    message: `Port ${port} of environment "${name}" is shared with its owner only. Ask its owner to share it (share: org) or an admin for access.`,
  }),
  stopped: (name: string, canStart: boolean, offerStart: boolean): Page => ({
    status: 503,
    code: 'environment_stopped',
    title: `${name} is stopped`,
    message: canStart
      ? `Environment "${name}" is stopped. Start it to continue; your home directory was kept.`
      : `Environment "${name}" is stopped. Its owner can start it from the dashboard or with \`airlock env start ${name}\`.`,
    ...(canStart && offerStart ? { form: { action: '/__airlock/start', label: 'Start' } } : {}),
  }),
  starting: (name: string, state: string): Page => ({
    status: 503,
    code: 'environment_starting',
    title: `${name} is ${state === 'stopping' ? 'stopping' : 'starting'}…`,
    message: state === 'stopping'
      ? `Environment "${name}" is stopping. This page reloads itself.`
      : `Environment "${name}" is ${state}. This page reloads itself until it is ready.`,
    refreshSeconds: 2,
  }),
  failed: (name: string, reason: string | undefined, canStart: boolean, offerStart: boolean): Page => ({
    status: 503,
    code: 'environment_failed',
    title: `${name} failed`,
    message: `Environment "${name}" failed: ${reason ?? 'no reason was recorded'}.${canStart ? ' Start it again once the cause is fixed; `airlock env logs ' + name + '` shows its output.' : ''}`,
    ...(canStart && offerStart ? { form: { action: '/__airlock/start', label: 'Start again' } } : {}),
  }),
  deleting: (name: string): Page => ({
    status: 404,
    code: 'environment_deleting',
    title: `${name} is being deleted`,
    message: `Environment "${name}" is being deleted.`,
  }),
  upstreamDown: (name: string, port: number, why: string): Page => ({
    status: 502,
    code: 'upstream_unreachable',
    title: 'Nothing answered',
    message: `Environment "${name}" is running, but nothing answered on port ${port} (${why}). Is the program that should listen on port ${port} running? \`airlock env logs ${name}\` shows its output.`,
  }),
  codeRejected: (): Page => ({
    status: 400,
    code: 'sign_in_failed',
    title: 'Sign-in link expired',
    message: 'This sign-in link was already used, has expired, or is for another host. Reload the page you were opening to sign in again.',
  }),
  signedOut: (): Page => ({ status: 200, code: 'signed_out', title: 'Signed out', message: 'You are signed out of this environment host.' }),
  startRefused: (why: string): Page => ({ status: 403, code: 'forbidden', title: 'Cannot start', message: why }),
  startFailed: (name: string, why: string): Page => ({ status: 409, code: 'start_failed', title: `Could not start ${name}`, message: why }),
};
