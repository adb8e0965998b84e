import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import WebSocket from 'ws';
import { createDemoServer, type DemoServer } from '../../src/workspaces/demo/app.js';
import { demoServerCommand } from '../../src/workspaces/demo/command.js';
import { freePort } from '../../src/compute/local/ports.js';

let home: string;
let outside: string;
let demo: DemoServer;
let base: string;
let port: number;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'airlock-demo-home-'));
  outside = await mkdtemp(join(tmpdir(), 'airlock-demo-outside-'));
  await writeFile(join(outside, 'secret.txt'), 'not yours');
  await writeFile(join(home, 'hello.txt'), 'Hello <world> & "friends"\n');
  await writeFile(join(home, '<b>odd & name.txt'), 'x');
  await mkdir(join(home, 'projects'));
  await writeFile(join(home, 'projects', 'readme.md'), '# readme');
  await symlink(outside, join(home, 'escape'));
  demo = await createDemoServer({ root: home });
  demo.server.listen(0, '127.0.0.1');
  await once(demo.server, 'listening');
  port = (demo.server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await demo.close();
  await rm(home, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

/** A request with the path sent exactly as given (fetch and URL would normalize `..`). */
function rawGet(path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('GET /healthz answers ok', async () => {
  const res = await fetch(`${base}/healthz`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
});

test('the home folder is listed with sizes, dates and escaped names; / redirects to it', async () => {
  const root = await fetch(`${base}/`, { redirect: 'manual' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), '/browse/');
  const res = await fetch(`${base}/browse/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await res.text();
  assert.match(html, /href="\/browse\/projects\/"/);
  assert.match(html, /href="\/download\/hello.txt"/);
  assert.match(html, /<td class="n">26 B<\/td>/, 'the size of hello.txt');
  assert.match(html, /\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  assert.ok(html.includes('&#60;b&#62;odd &#38; name.txt'), 'a name with markup is escaped');
  assert.ok(!html.includes('<b>odd'), 'and never injected');
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external assets');
  const sub = await (await fetch(`${base}/browse/projects/`)).text();
  assert.match(sub, /readme\.md/);
});

test('a text file is shown escaped; any file downloads with its length', async () => {
  const view = await (await fetch(`${base}/browse/hello.txt`)).text();
  assert.ok(view.includes('Hello &#60;world&#62; &#38; &#34;friends&#34;'));

  const bytes = randomBytes(300_000);
  bytes[10] = 0; // binary
  await writeFile(join(home, 'blob.bin'), bytes);
  const shown = await (await fetch(`${base}/browse/blob.bin`)).text();
  assert.match(shown, /binary file/);
  const res = await fetch(`${base}/download/blob.bin`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-length'), String(bytes.length));
  assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename\*=UTF-8''blob\.bin/);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes));
  assert.equal((await fetch(`${base}/download/nothing-here`)).status, 404);
});

test('an upload is streamed to disk and listed; a folder can be created', async () => {
  const bytes = randomBytes(2 * 1024 * 1024 + 7);
  const res = await fetch(`${base}/files/projects/upload%20one.bin`, { method: 'PUT', body: bytes });
  assert.equal(res.status, 201, await res.clone().text());
  assert.ok((await readFile(join(home, 'projects', 'upload one.bin'))).equals(bytes));
  const again = await fetch(`${base}/files/projects/upload%20one.bin`, { method: 'PUT', body: 'replaced' });
  assert.equal(again.status, 200);
  assert.equal(await readFile(join(home, 'projects', 'upload one.bin'), 'utf8'), 'replaced');
  assert.match(await (await fetch(`${base}/browse/projects/`)).text(), /upload one\.bin/);

  const made = await fetch(`${base}/mkdir/projects/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'new stuff' }) });
  assert.equal(made.status, 201);
  assert.ok(existsSync(join(home, 'projects', 'new stuff')));
  const twice = await fetch(`${base}/mkdir/projects/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'new stuff' }) });
  assert.equal(twice.status, 409);
  const dots = await fetch(`${base}/mkdir/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '..' }) });
  assert.equal(dots.status, 400);
  // A plain (cross-site) HTML form cannot send JSON: refused.
  const form = await fetch(`${base}/mkdir/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=evil' });
  assert.equal(form.status, 415);
  assert.equal(existsSync(join(home, 'evil')), false);
});

test('paths outside the home folder are refused: .., encoded .., and symbolic links', async () => {
  for (const path of ['/browse/../../../etc/passwd', '/download/../../../etc/passwd', '/download/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/download/projects%2f..%2f..%2fx', '/browse/escape/', '/download/escape/secret.txt']) {
    const res = await rawGet(path);
    assert.equal(res.status, 403, `${path} → ${res.status}`);
    assert.doesNotMatch(res.body, /root:|not yours/);
  }
  const up = await fetch(`${base}/files/escape/planted.txt`, { method: 'PUT', body: 'x' });
  assert.equal(up.status, 403);
  assert.equal(existsSync(join(outside, 'planted.txt')), false);
  const up2 = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/files/../planted.txt', method: 'PUT', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end('x');
  });
  assert.equal(up2, 403);
  const mk = await fetch(`${base}/mkdir/escape/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });
  assert.equal(mk.status, 403);
  assert.equal(existsSync(join(outside, 'x')), false);
});

test('unknown routes are 404 and wrong methods 405', async () => {
  assert.equal((await rawGet('/nope')).status, 404);
  assert.equal((await rawGet('/browse/', 'DELETE')).status, 405);
});

test('/ws/echo echoes text and binary messages and accepts the first offered protocol', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/echo`, ['airlock.v1', 'other']);
  await once(ws, 'open');
  assert.equal(ws.protocol, 'airlock.v1');
  const replies: { data: Buffer; isBinary: boolean }[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => replies.push({ data, isBinary }));
  const binary = randomBytes(70_000);
  ws.send('héllo');
  ws.send(binary);
  for (let i = 0; i < 200 && replies.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(replies.length, 2);
  assert.equal(replies[0]!.isBinary, false);
  assert.equal(replies[0]!.data.toString('utf8'), 'héllo');
  assert.equal(replies[1]!.isBinary, true);
  assert.ok(replies[1]!.data.equals(binary));
  ws.close();
  await once(ws, 'close');

  const plain = new WebSocket(`ws://127.0.0.1:${port}/ws/echo`);
  await once(plain, 'open');
  assert.equal(plain.protocol, '');
  plain.close();
  await once(plain, 'close');

  const wrong = new WebSocket(`ws://127.0.0.1:${port}/ws/other`);
  const [err] = (await once(wrong, 'error')) as [Error];
  assert.match(err.message, /404/);
});

test('the compiled entry point listens on $PORT, serves $HOME and exits cleanly on SIGTERM', async (t) => {
  const free = await freePort();
  const [cmd, ...args] = demoServerCommand();
  const child = spawn(cmd!, args, { env: { PATH: process.env.PATH, HOME: home, PORT: String(free) }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  let ok = false;
  for (let i = 0; i < 500 && !ok; i++) {
    ok = await fetch(`http://127.0.0.1:${free}/healthz`).then((r) => r.ok, () => false);
    if (!ok) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(ok, `the demo did not come up: ${output}`);
  assert.match(await (await fetch(`http://127.0.0.1:${free}/browse/`)).text(), /hello\.txt/);
  // An open WebSocket must not hold the exit.
  const ws = new WebSocket(`ws://127.0.0.1:${free}/ws/echo`);
  await once(ws, 'open');
  ws.on('error', () => {});
  child.kill('SIGTERM');
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.match(output, new RegExp(`demo workspace serving .* on http://127\\.0\\.0\\.1:${free}`));
  assert.equal(output.trim().split('\n')[0]?.includes('serving'), true, 'one line on start');
});
