import { connect } from 'node:net';
import { request } from 'node:http';

/** Whether something accepts a TCP connection at host:port within `timeoutMs`. */
export function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether GET `path` at host:port answers with a status below 500 within `timeoutMs`.
 * A 4xx still means the server is up (e.g. an IDE that wants a login).
 */
export function httpHealthy(host: string, port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(ok);
    };
    // No keep-alive agent: a probe must not hold a socket open in the workload.
    const req = request({ host, port, path, method: 'GET', agent: false, headers: { 'user-agent': 'airlock-health' } }, (res) => {
      res.resume();
      done((res.statusCode ?? 500) < 500);
    });
    const timer = setTimeout(() => done(false), timeoutMs);
    req.once('error', () => done(false));
    req.end();
  });
}
