import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { spawn } from 'node:child_process';
import { RunnerProcess, ADMIN_TOKEN, BIN, freePort } from '../helpers/runner-process.js';

const SIZE = 50 * 1024 * 1024;

/** A workload with an owner port and a public port, each answering who it is. */
const WORKLOAD = `
const http = require('node:http');
for (const [name, port] of [['owner', process.env.AIRLOCK_PORT_8080], ['public', process.env.AIRLOCK_PORT_9090]]) {
  http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ port: name, cookie: req.headers.cookie ?? null, authorization: req.headers.authorization ?? null, xff: req.headers['x-forwarded-for'] ?? null, xfh: req.headers['x-forwarded-host'] ?? null }));
  }).listen(Number(port), '127.0.0.1');
}
`;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The end-to-end proxy: `airlock up` serving environment hosts on its one port. */
describe('the proxy inside airlock up', () => {
  let runner: RunnerProcess;
  let member = '';

  before(async () => {
    runner = new RunnerProcess();
    const script = join(runner.dataDir, 'workload.cjs');
    writeFileSync(script, WORKLOAD);
    const config = join(runner.dataDir, 'airlock.yaml');
    writeFileSync(config, [
      'activityInterval: 1s',
      'reconcileInterval: 1s',
      'templates:',
      '  - name: two-ports',
      `    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(script)}]`,
      '    ports:',
      '      - { port: 8080, protocol: tcp }',
      '      - { port: 9090, share: public, protocol: tcp }',
      '    idleTimeout: 4s',
      '',
    ].join('\n'));
    Object.assign(runner.env, { AIRLOCK_CONFIG: config });
    await runner.start();
    assert.equal(runner.cli(['env', 'create', 'demo', '--template', 'demo']).code, 0);
    assert.equal(runner.cli(['env', 'create', 'two', '--template', 'two-ports']).code, 0);
    const created = runner.cli(['token', 'user-create', 'bob', '--json']);
    assert.equal(created.code, 0, created.stderr);
    member = (JSON.parse(created.stdout) as { token: string }).token;
  });
  after(async () => {
    await runner.stop();
    runner.cleanup();
  });

  const get = (host: string, path = '/', headers: Record<string, string> = {}): Promise<Reply> =>
    new Promise((done, fail) => {
      const req = request({ host: '127.0.0.1', port: runner.port, path, headers: { host: `${host}:${runner.port}`, ...headers } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', fail);
      req.end();
    });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  test('an authorised GET reaches the environment; Airlock credentials are stripped, X-Forwarded-* set', async () => {
    const page = await get('8080--demo.localhost', '/browse/', bearer(ADMIN_TOKEN));
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/i);
    const echo = await get('two.localhost', '/', { ...bearer(ADMIN_TOKEN), cookie: 'airlock_session=abc; theirs=1' });
    assert.equal(echo.status, 200, echo.body);
    const seen = JSON.parse(echo.body) as Record<string, string | null>;
    assert.equal(seen.port, 'owner', '<name>.<domain> goes to the first (IDE) port');
    assert.equal(seen.authorization, null);
    assert.equal(seen.cookie, 'theirs=1');
    assert.equal(seen.xff, '127.0.0.1');
    assert.equal(seen.xfh, `two.localhost:${runner.port}`);
  });

  test('no credentials: a browser is sent to sign in, an API client gets 401', async () => {
    const browser = await get('8080--demo.localhost', '/some/page', { accept: 'text/html' });
    assert.equal(browser.status, 302);
    assert.match(String(browser.headers.location), new RegExp(`^http://localhost:${runner.port}/api/v1/auth/authorize\\?`));
    const api = await get('8080--demo.localhost', '/', { accept: 'application/json' });
    assert.equal(api.status, 401);
  });

  test('another user\'s owner port is 403; a public port needs no credentials', async () => {
    assert.equal((await get('8080--two.localhost', '/', bearer(member))).status, 403);
    const pub = await get('9090--two.localhost', '/');
    assert.equal(pub.status, 200);
    assert.equal((JSON.parse(pub.body) as { port: string }).port, 'public');
    assert.equal((await get('7777--two.localhost', '/', bearer(ADMIN_TOKEN))).status, 404, 'undeclared port');
    assert.equal((await get('nope.localhost', '/', bearer(ADMIN_TOKEN))).status, 404, 'unknown environment');
  });

  test('WebSocket echo round trip through the proxy, subprotocol intact', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${runner.port}/ws/echo`, ['airlock-test'], { headers: { host: `8080--demo.localhost:${runner.port}`, ...bearer(ADMIN_TOKEN) } });
    await new Promise<void>((done, fail) => { ws.once('open', () => done()); ws.once('error', fail); });
    assert.equal(ws.protocol, 'airlock-test');
    const got = await new Promise<string>((done) => { ws.once('message', (d) => done(String(d))); ws.send('hello through airlock'); });
    assert.equal(got, 'hello through airlock');
    const closed = new Promise<void>((done) => ws.once('close', () => done()));
    ws.close();
    await closed;
  });

  test('a 50 MiB download streams through with the runner\'s memory staying flat', async () => {
    const env = JSON.parse(runner.cli(['env', 'show', 'demo', '--json']).stdout) as { id: string };
    writeFileSync(join(runner.dataDir, 'homes', env.id, 'big.bin'), Buffer.alloc(SIZE, 7));
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${runner.child!.pid}/status`, 'utf8'))![1]) * 1024;
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
    const bytes = await new Promise<number>((done, fail) => {
      const req = request({ host: '127.0.0.1', port: runner.port, path: '/download/big.bin', headers: { host: `8080--demo.localhost:${runner.port}`, ...bearer(ADMIN_TOKEN) } }, (res) => {
        let n = 0;
        // Read slowly at first so back-pressure, not buffering, has to hold the data.
        res.pause();
        setTimeout(() => res.resume(), 300);
        res.on('data', (d: Buffer) => (n += d.length));
        res.on('end', () => done(n));
      });
      req.on('error', fail);
      req.end();
    });
    clearInterval(sampler);
    assert.equal(bytes, SIZE);
    // Buffering the body would cost at least its 50 MiB; streaming costs only GC churn, which does not grow with
    // the body (measured: ~30 MiB for 50 MiB and ~27 MiB for 200 MiB).
    assert.ok(peak - before < 45 * 1024 * 1024, `runner RSS grew by ${Math.round((peak - before) / 1048576)} MiB for a 50 MiB body`);
  });

  test('`airlock proxy` alone serves the same environments, reading routes from the store', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'proxy', '--port', String(port)], { env: runner.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    try {
      const deadline = Date.now() + 20_000;
      while (!/listening/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, /listening/, out);
      const viaProxy = (host: string, headers: Record<string, string> = {}) =>
        new Promise<number>((done, fail) => {
          const req = request({ host: '127.0.0.1', port, path: '/browse/', headers: { host: `${host}:${port}`, ...headers } }, (res) => {
            res.resume();
            res.on('end', () => done(res.statusCode!));
          });
          req.on('error', fail);
          req.end();
        });
      assert.equal(await viaProxy('8080--demo.localhost', bearer(ADMIN_TOKEN)), 200);
      assert.equal(await viaProxy('8080--demo.localhost', bearer(member)), 403);
      assert.equal(await viaProxy('8080--demo.localhost', { accept: 'application/json' }), 401);
      const health = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
      assert.equal(health.status, 200, 'the container health check reaches the standalone proxy');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  test('the idle timeout stops an environment; traffic postpones it', async () => {
    // `two` has a 4 s idle timeout. Keep it busy for 6 s: it must stay running.
    const until = Date.now() + 6000;
    while (Date.now() < until) {
      assert.equal((await get('9090--two.localhost', '/')).status, 200);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal((JSON.parse(runner.cli(['env', 'show', 'two', '--json']).stdout) as { state: string }).state, 'running');
    // Then leave it alone: it stops by itself, and the timeline says why.
    const deadline = Date.now() + 15_000;
    let shown: { state: string; events: { type: string; message: string }[] } = { state: '', events: [] };
    while (Date.now() < deadline) {
      shown = JSON.parse(runner.cli(['env', 'show', 'two', '--json']).stdout);
      if (shown.state === 'stopped') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(shown.state, 'stopped');
    assert.ok(shown.events.some((e) => e.type === 'idle_stop' && /without activity/.test(e.message)), JSON.stringify(shown.events));
    const page = await get('9090--two.localhost', '/', { accept: 'text/html' });
    assert.notEqual(page.status, 502, 'a stopped environment gets a page, not a bare 502');
    assert.match(page.body, /stopped/i);
  });
});
