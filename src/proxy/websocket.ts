import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Target } from './forward.js';

/** TCP keepalive probe delay on tunnelled sockets, so NATs and load balancers keep idle IDE sessions open. */
const KEEPALIVE_MS = 30_000;

export interface TunnelHooks {
  /** Every open tunnel's sockets, so closing the proxy can close them (upgraded sockets leave the HTTP server's books). */
  open: Set<Duplex>;
  /** Data passed through (either direction); `bytes` of one chunk. Not called for lone ping/pong frames. */
  onData(bytes: number): void;
  /** The upstream could not be reached or refused before answering. */
  onFailure(err: NodeJS.ErrnoException): void;
}

/**
 * Forwards an Upgrade request and, once the upstream answers 101, joins the two
 * sockets byte for byte (frames are never re-parsed, so extensions and
 * subprotocols pass untouched). Back-pressure comes from pipe(); when either side
 * closes or fails, both are destroyed.
 */
export function tunnel(req: IncomingMessage, socket: Duplex, head: Buffer, target: Target, headers: string[], hooks: TunnelHooks): void {
  const up = request({ host: target.address, port: target.port, method: req.method, path: req.url, headers, agent: false });
  let done = false;
  const onClientGone = () => {
    if (!done) up.destroy();
  };
  socket.once('close', onClientGone);
  socket.on('error', onClientGone);

  up.on('upgrade', (upRes: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
    done = true;
    socket.off('close', onClientGone);
    if (socket.destroyed) {
      upSocket.destroy();
      return;
    }
    socket.write(statusBlock(101, upRes.statusMessage || 'Switching Protocols', upRes.rawHeaders));
    if (upHead.length > 0) socket.write(upHead);
    if (head.length > 0) upSocket.write(head);
    join(socket, upSocket, hooks);
  });

  // The upstream declined the upgrade (e.g. 400 or 403): relay its answer and close.
  // The body is small in practice; it is read (up to 64 KiB) so it can be sent with a Content-Length.
  up.on('response', (upRes: IncomingMessage) => {
    done = true;
    const chunks: Buffer[] = [];
    let size = 0;
    upRes.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 65_536) chunks.push(c);
      else upRes.destroy();
    });
    upRes.on('end', () => {
      const body = Buffer.concat(chunks);
      socket.write(statusBlock(upRes.statusCode ?? 502, upRes.statusMessage ?? '', upRes.rawHeaders, body.length));
      socket.end(body);
    });
    upRes.on('error', () => socket.destroy());
    upRes.on('aborted', () => socket.destroy());
  });

  up.on('error', (err: NodeJS.ErrnoException) => {
    if (done) return;
    done = true;
    hooks.onFailure(err);
  });
  up.end();
}

function join(client: Duplex, upstream: Socket, hooks: TunnelHooks): void {
  for (const s of [client, upstream] as Duplex[]) {
    const sock = s as Partial<Socket>;
    sock.setKeepAlive?.(true, KEEPALIVE_MS);
    sock.setNoDelay?.(true);
    sock.setTimeout?.(0);
  }
  const count = (chunk: Buffer) => {
    if (!isLoneControlFrame(chunk)) hooks.onData(chunk.length);
  };
  client.on('data', count);
  upstream.on('data', count);
  hooks.open.add(client);
  hooks.open.add(upstream);
  const closeBoth = () => {
    hooks.open.delete(client);
    hooks.open.delete(upstream);
    client.destroy();
    upstream.destroy();
  };
  client.on('close', closeBoth);
  upstream.on('close', closeBoth);
  client.on('error', closeBoth);
  upstream.on('error', closeBoth);
  client.pipe(upstream);
  upstream.pipe(client);
}

/**
 * True when `chunk` is exactly one WebSocket control frame (ping 0x9 / pong 0xA):
 * keep-alive chatter that must not keep an idle environment awake. Close frames
 * (0x8) and data frames count. A chunk that holds several frames counts.
 */
export function isLoneControlFrame(chunk: Buffer): boolean {
  if (chunk.length < 2 || chunk.length > 131) return false;
  const opcode = chunk[0]! & 0x0f;
  if (opcode !== 0x9 && opcode !== 0xa) return false;
  const masked = (chunk[1]! & 0x80) !== 0;
  const len = chunk[1]! & 0x7f;
  return len <= 125 && chunk.length === 2 + (masked ? 4 : 0) + len;
}

const FRAMING = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * `HTTP/1.1 <status>` plus headers, for a raw socket. With `bodyLength` (a declined
 * upgrade) the framing headers are replaced: the body is sent whole and the socket closed.
 */
function statusBlock(status: number, message: string, raw: string[], bodyLength?: number): string {
  let s = `HTTP/1.1 ${status} ${message}\r\n`;
  for (let i = 0; i < raw.length; i += 2) {
    if (bodyLength !== undefined && FRAMING.has(raw[i]!.toLowerCase())) continue;
    s += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  if (bodyLength !== undefined) s += `connection: close\r\ncontent-length: ${bodyLength}\r\n`;
  return `${s}\r\n`;
}

/** A minimal HTTP answer on a raw socket (before or instead of an upgrade), then close. */
export function refuseSocket(socket: Duplex, status: number, reason: string, message: string, extra = ''): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code: reason, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};
