/**
 * Header handling on the hot path: one pass over `rawHeaders` collects what the
 * proxy decides on, a second builds the upstream header list. Names are compared
 * case-insensitively by character code, so no header name is lowercased (allocated)
 * and no regular expression runs per request.
 */

/** The request headers the proxy looks at, gathered in one pass. */
export interface RequestFacts {
  host: string | undefined;
  hostCount: number;
  authorization: string | undefined;
  cookie: string | undefined;
  accept: string | undefined;
  contentLength: string | undefined;
  transferEncoding: string | undefined;
  connection: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
}

/** Compares a header name with a lowercase literal, ignoring ASCII case. */
export function nameIs(name: string, lower: string): boolean {
  const n = lower.length;
  if (name.length !== n) return false;
  for (let i = 0; i < n; i++) {
    if ((name.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** `Proxy-*` headers are for this hop only. */
function isProxyHeader(name: string): boolean {
  if (name.length <= 6 || (name.charCodeAt(0) | 0x20) !== 112) return false;
  const lit = 'proxy-';
  for (let i = 1; i < 6; i++) if ((name.charCodeAt(i) | 0x20) !== lit.charCodeAt(i)) return false;
  return true;
}

/** Collects the headers the proxy decides on. Repeated cookie headers are joined as RFC 9110 says. */
export function scanHeaders(raw: string[]): RequestFacts {
  const f: RequestFacts = {
    host: undefined,
    hostCount: 0,
    authorization: undefined,
    cookie: undefined,
    accept: undefined,
    contentLength: undefined,
    transferEncoding: undefined,
    connection: undefined,
    origin: undefined,
    secFetchSite: undefined,
  };
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    switch (name.length) {
      case 4:
        if (nameIs(name, 'host')) {
          f.hostCount++;
          f.host ??= raw[i + 1];
        }
        break;
      case 6:
        if (nameIs(name, 'cookie')) f.cookie = f.cookie === undefined ? raw[i + 1] : `${f.cookie}; ${raw[i + 1]}`;
        else if (nameIs(name, 'accept')) f.accept ??= raw[i + 1];
        else if (nameIs(name, 'origin')) f.origin ??= raw[i + 1];
        break;
      case 10:
        if (nameIs(name, 'connection')) f.connection = f.connection === undefined ? raw[i + 1] : `${f.connection}, ${raw[i + 1]}`;
        break;
      case 13:
        if (nameIs(name, 'authorization')) f.authorization ??= raw[i + 1];
        break;
      case 14:
        if (nameIs(name, 'content-length')) f.contentLength ??= raw[i + 1];
        else if (nameIs(name, 'sec-fetch-site')) f.secFetchSite ??= raw[i + 1];
        break;
      case 17:
        if (nameIs(name, 'transfer-encoding')) f.transferEncoding = f.transferEncoding === undefined ? raw[i + 1] : `${f.transferEncoding}, ${raw[i + 1]}`;
        break;
    }
  }
  return f;
}

/** How the upstream request's headers are formed. */
export interface ForwardOptions {
  /** Cookie names that are Airlock's own (removed before forwarding). */
  cookieNames: readonly string[];
  /** Remove the Authorization header (it carried an Airlock token). */
  stripAuthorization: boolean;
  /** Client address for X-Forwarded-For. */
  remoteAddress: string;
  /** Scheme the client used (X-Forwarded-Proto). */
  proto: string;
  /** Keep and extend incoming X-Forwarded-* (only behind a trusted load balancer). */
  trustForwarded: boolean;
  /** Forward `Upgrade` and send `Connection: upgrade` (WebSocket). */
  upgrade: boolean;
}

/**
 * The header list (rawHeaders format) to send upstream: hop-by-hop headers removed
 * (RFC 9110 §7.6.1: Connection and what it names, Keep-Alive, TE, Trailer,
 * Transfer-Encoding, Upgrade, Proxy-*), Airlock's cookies and token removed,
 * X-Forwarded-For/-Proto/-Host set. Host is kept as the client sent it, since
 * apps such as code-server compare it with Origin.
 */
export function upstreamHeaders(raw: string[], facts: RequestFacts, o: ForwardOptions): string[] {
  const out: string[] = [];
  const named = facts.connection !== undefined ? connectionTokens(facts.connection) : undefined;
  let xff: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  let cookieDone = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    switch (name.length) {
      case 2:
        if (nameIs(name, 'te')) continue;
        break;
      case 6:
        if (nameIs(name, 'cookie')) {
          if (!cookieDone && facts.cookie !== undefined) {
            cookieDone = true;
            const kept = withoutCookies(facts.cookie, o.cookieNames);
            if (kept.length > 0) out.push('cookie', kept);
          }
          continue;
        }
        if (nameIs(name, 'expect')) continue;
        break;
      case 7:
        if (nameIs(name, 'trailer')) continue;
        if (nameIs(name, 'upgrade')) {
          if (o.upgrade) out.push(name, value);
          continue;
        }
        break;
      case 9:
        if (nameIs(name, 'forwarded') && !o.trustForwarded) continue;
        break;
      case 10:
        if (nameIs(name, 'connection') || nameIs(name, 'keep-alive')) continue;
        break;
      case 13:
        if (o.stripAuthorization && nameIs(name, 'authorization')) continue;
        break;
      case 15:
        if (nameIs(name, 'x-forwarded-for')) {
          if (o.trustForwarded) xff = xff === undefined ? value : `${xff}, ${value}`;
          continue;
        }
        break;
      case 16:
        if (nameIs(name, 'x-forwarded-host')) {
          if (o.trustForwarded) xfHost ??= value;
          continue;
        }
        break;
      case 17:
        if (nameIs(name, 'transfer-encoding')) continue;
        if (nameIs(name, 'x-forwarded-proto')) {
          if (o.trustForwarded) xfProto ??= value;
          continue;
        }
        break;
    }
    if (isProxyHeader(name)) continue;
    if (named !== undefined && named.has(name.toLowerCase())) continue;
    out.push(name, value);
  }
  // Node's parser has already de-chunked the body; ask the client side to chunk it again.
  if (facts.transferEncoding !== undefined) out.push('transfer-encoding', 'chunked');
  if (o.upgrade) out.push('connection', 'upgrade');
  out.push(
    'x-forwarded-for', xff === undefined ? o.remoteAddress : `${xff}, ${o.remoteAddress}`,
    'x-forwarded-proto', xfProto ?? o.proto,
    'x-forwarded-host', xfHost ?? facts.host ?? '',
  );
  return out;
}

/** The upstream response's headers for the client: hop-by-hop ones removed. */
export function downstreamHeaders(raw: string[]): string[] {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (nameIs(raw[i]!, 'connection')) (named ??= new Set()).add(raw[i + 1]!);
  }
  const tokens = named === undefined ? undefined : connectionTokens([...named].join(','));
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    switch (name.length) {
      case 7:
        if (nameIs(name, 'trailer') || nameIs(name, 'upgrade')) continue;
        break;
      case 10:
        if (nameIs(name, 'connection') || nameIs(name, 'keep-alive')) continue;
        break;
      case 17:
        if (nameIs(name, 'transfer-encoding')) continue;
        break;
    }
    if (isProxyHeader(name)) continue;
    if (tokens !== undefined && tokens.has(name.toLowerCase())) continue;
    out.push(name, raw[i + 1]!);
  }
  return out;
}

/**
 * The header names a Connection header lists, lowercase. Returns undefined for the
 * common values (`keep-alive`, `close`, `upgrade`) that name nothing else to drop.
 */
function connectionTokens(value: string): Set<string> | undefined {
  let set: Set<string> | undefined;
  for (const part of value.split(',')) {
    const t = part.trim().toLowerCase();
    if (t.length === 0 || t === 'keep-alive' || t === 'close' || t === 'upgrade') continue;
    (set ??= new Set()).add(t);
  }
  return set;
}

/** A Cookie header value without the named cookies (`a=1; b=2`). */
export function withoutCookies(header: string, names: readonly string[]): string {
  // Fast path: none of ours present.
  let any = false;
  for (const n of names) if (header.includes(n)) any = true;
  if (!any) return header;
  const kept: string[] = [];
  for (const part of header.split(';')) {
    const p = part.trim();
    if (p.length === 0) continue;
    const eq = p.indexOf('=');
    const name = eq < 0 ? p : p.slice(0, eq).trim();
    if (!names.includes(name)) kept.push(p);
  }
  return kept.join('; ');
}
