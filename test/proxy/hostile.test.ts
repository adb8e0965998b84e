import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { raw, send, startHarness, type Harness } from './harness.js';

let h: Harness;

before(async () => {
  h = await startHarness({ limits: { headersTimeoutMs: 600, requestTimeoutMs: 5000, checkIntervalMs: 100 } });
  await h.addEnv('demo', 'alice', 'running');
});
after(() => h.close());

/** Runs `fn` and asserts the upstream saw no request meanwhile. */
async function unseen<T>(fn: () => Promise<T>): Promise<T> {
  const before = h.upstream.seen.length;
  const out = await fn();
  assert.equal(h.upstream.seen.length, before, `the upstream saw: ${JSON.stringify(h.upstream.seen.slice(before).map((s) => s.url))}`);
  return out;
}

const status = (response: string) => Number(response.slice(9, 12));

describe('hostile input gets a clean refusal and reaches no upstream', () => {
  test('duplicate Host headers', async () => {
    const r = await unseen(() => raw(h.proxy.port, 'GET / HTTP/1.1\r\nHost: 4000--demo.localhost\r\nHost: 4000--other.localhost\r\n\r\n'));
    assert.equal(status(r), 400, r);
  });

  test('Host with a trailing dot is refused; uppercase is folded; a port is ignored', async () => {
    const dot = await unseen(() => send(h.proxy.port, '4000--demo.localhost.', '/'));
    assert.equal(dot.status, 400);
    const dotPort = await unseen(() => send(h.proxy.port, '4000--demo.localhost.:80', '/'));
    assert.equal(dotPort.status, 400);
    const upper = await send(h.proxy.port, '4000--DEMO.LocalHost:1234', '/up');
    assert.equal(upper.status, 200);
    assert.equal(JSON.parse(upper.body).url, '/up');
    const badPort = await unseen(() => send(h.proxy.port, '4000--demo.localhost:80x', '/'));
    assert.equal(badPort.status, 400);
  });

  test('Transfer-Encoding and Content-Length together', async () => {
    const r = await unseen(() =>
      raw(h.proxy.port, 'POST / HTTP/1.1\r\nHost: 4000--demo.localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: 4000--demo.localhost\r\n\r\n'),
    );
    assert.equal(status(r), 400, r);
    assert.ok(!h.upstream.seen.some((s) => s.url === '/smuggled'));
  });

  test('absolute-form request target', async () => {
    const r = await unseen(() => raw(h.proxy.port, `GET http://127.0.0.1:${h.upstream.port}/abs HTTP/1.1\r\nHost: 4000--demo.localhost\r\n\r\n`));
    assert.equal(status(r), 400, r);
  });

  test('CONNECT', async () => {
    const r = await unseen(() => raw(h.proxy.port, `CONNECT 127.0.0.1:${h.upstream.port} HTTP/1.1\r\nHost: 127.0.0.1:${h.upstream.port}\r\n\r\n`));
    assert.equal(status(r), 405, r);
  });

  test('header injection and markup in the environment name', async () => {
    for (const hostValue of ['de%0d%0amo.localhost', 'demo<script>alert(1)</script>.localhost', 'demo x.localhost', 'de\tmo.localhost', '4000--demo.localhost\u00ff']) {
      const r = await unseen(() => raw(h.proxy.port, `GET / HTTP/1.1\r\nHost: ${hostValue}\r\nAccept: text/html\r\n\r\n`));
      assert.equal(status(r), 400, `${JSON.stringify(hostValue)} → ${r.slice(0, 60)}`);
      assert.ok(!r.includes('<script>'), 'nothing from the Host is echoed unescaped');
    }
    const cr = await unseen(() => raw(h.proxy.port, 'GET / HTTP/1.1\r\nHost: demo\rX-Injected: 1.localhost\r\n\r\n'));
    assert.equal(status(cr), 400, cr);
  });

  test('nested labels and names that cannot exist', async () => {
    for (const name of ['a.demo.localhost', '4000--4000--demo.localhost', '0--demo.localhost', '99999--demo.localhost', '-demo.localhost', '4000--.localhost']) {
      const r = await unseen(() => send(h.proxy.port, name, '/'));
      assert.equal(r.status, 400, name);
    }
  });

  test('very long headers get 431', async () => {
    const r = await unseen(() => raw(h.proxy.port, `GET / HTTP/1.1\r\nHost: 4000--demo.localhost\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`));
    assert.equal(status(r), 431, r.slice(0, 80));
  });

  test('slowloris: headers trickled slower than headersTimeout are cut off', async () => {
    const { connect } = await import('node:net');
    const started = Date.now();
    const sock = connect(h.proxy.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => undefined);
    sock.write('GET / HTTP/1.1\r\nHost: 4000--demo.localhost\r\n');
    const drip = setInterval(() => sock.writable && sock.write('X-Slow: 1\r\n'), 100);
    await new Promise<void>((resolve) => sock.on('close', () => resolve()));
    clearInterval(drip);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 3000, `closed after ${elapsed} ms`);
    const answer = Buffer.concat(chunks).toString('latin1');
    assert.ok(answer === '' || status(answer) === 408, answer);
    assert.ok(!h.upstream.seen.some((s) => s.headers['x-slow']));
  });

  test('OPTIONS * and other non-path targets', async () => {
    const r = await unseen(() => raw(h.proxy.port, 'OPTIONS * HTTP/1.1\r\nHost: 4000--demo.localhost\r\n\r\n'));
    assert.equal(status(r), 400, r);
  });

  test('the proxy keeps serving after all of that', async () => {
    const r = await send(h.proxy.port, '4000--demo.localhost', '/still');
    assert.equal(r.status, 200);
  });
});
