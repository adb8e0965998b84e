import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';

/** Where one request goes. */
export interface Target {
  address: string;
  port: number;
}

/** Why a forward failed before the upstream answered (for the 502 page). */
export type UpstreamFailure = (err: NodeJS.ErrnoException) => void;

/**
 * One keep-alive pool for every upstream (the agent keeps a socket list per
 * `address:port`). Free sockets are closed after 4 s, below Node's default 5 s
 * server keep-alive, so we rarely reuse a socket the upstream is closing; when we
 * do, idempotent requests are retried once.
 */
export function createUpstreamAgent(opts: { maxSockets?: number; maxFreeSockets?: number; freeSocketTimeoutMs?: number } = {}): Agent {
  return new Agent({
    keepAlive: true,
    keepAliveMsecs: 30_000,
    maxSockets: opts.maxSockets ?? 512,
    maxFreeSockets: opts.maxFreeSockets ?? 256,
    timeout: opts.freeSocketTimeoutMs ?? 4000,
    scheduling: 'lifo',
  });
}

/**
 * Streams `req` to the target and the answer back to `res`, both with back-pressure
 * (pipe pauses the source when the destination's buffer is full). If the client goes
 * away, the upstream request is destroyed; if the upstream dies mid-body, so is the
 * client's response (a truncated body must not look complete).
 */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  target: Target,
  headers: string[],
  hasBody: boolean,
  agent: Agent,
  filterResponse: (raw: string[]) => string[],
  onFailure: UpstreamFailure,
  retry = true,
): void {
  const up = request({ host: target.address, port: target.port, method: req.method, path: req.url, headers, agent });
  let answered = false;
  let failedEarly = false;
  up.on('response', (upRes: IncomingMessage) => {
    answered = true;
    try {
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, filterResponse(upRes.rawHeaders));
    } catch (err) {
      // A status or header Node will not send (e.g. a status outside 100-999): fail this exchange only.
      failedEarly = true;
      upRes.destroy();
      onFailure(Object.assign(err as Error, { code: 'EBADRESPONSE' }) as NodeJS.ErrnoException);
      return;
    }
    relay(upRes, res);
  });
  up.on('error', (err: NodeJS.ErrnoException) => {
    if (failedEarly) return;
    if (answered || res.headersSent) {
      res.destroy();
      return;
    }
    if (retry && !hasBody && up.reusedSocket && err.code === 'ECONNRESET' && isIdempotent(req.method)) {
      forward(req, res, target, headers, hasBody, agent, filterResponse, onFailure, false);
      return;
    }
    onFailure(err);
  });
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  if (hasBody) req.pipe(up);
  else up.end();
}

/**
 * upRes → res with back-pressure. Cheaper than pipe() per request (pipe wires and
 * unwires seven listeners on both streams): pause the upstream when the client's
 * buffer is full, resume on drain; a failure on either side tears down the other.
 */
function relay(upRes: IncomingMessage, res: ServerResponse): void {
  const resume = () => upRes.resume();
  upRes.on('data', (chunk: Buffer) => {
    if (!res.write(chunk)) {
      upRes.pause();
      res.once('drain', resume);
    }
  });
  upRes.on('end', () => res.end());
  upRes.on('error', () => res.destroy());
  upRes.on('aborted', () => res.destroy());
}

function isIdempotent(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}
