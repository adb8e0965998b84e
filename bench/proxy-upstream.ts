/**
 * The upstream every proxy benchmark targets (direct, nginx, Airlock): `/` answers a
 * small text body, `/1m` one MiB, and WebSocket connections echo. Run as its own
 * process; prints `{ "port": n }` once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const small = Buffer.from('hello from the upstream\n');
const big = Buffer.alloc(1024 * 1024, 97);

const server = createServer((req, res) => {
  if (req.url === '/1m') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length });
    res.end(big);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': small.length });
  res.end(small);
});
server.keepAliveTimeout = 65_000;
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
