import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
let envId: string;

before(async () => {
  h = await startHarness();
  envId = (await h.addEnv('demo', 'alice', 'running')).id;
  await h.addEnv('sleepy', 'alice', 'stopped');
});
after(() => h.close());

function open(label: string, headers: Record<string, string> = {}, protocols: string[] = []): WebSocket {
  return new WebSocket(`ws://127.0.0.1:${h.proxy.port}/socket?x=1`, protocols, {
    headers: { host: `${label}.localhost:${h.proxy.port}`, ...headers },
  });
}

const alice = () => ({ authorization: `Bearer ${h.users.alice.token}` });

/** Resolves with the HTTP status of a refused upgrade. */
function refusedWith(ws: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('open', () => reject(new Error('the upgrade should have been refused')));
    ws.on('error', () => undefined);
  });
}

function until(cond: () => boolean, ms = 2000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (cond() ? resolve() : Date.now() - start > ms ? reject(new Error('condition not met in time')) : setTimeout(tick, 10));
    tick();
  });
}

describe('WebSocket through the proxy', () => {
  test('echo round trip with the subprotocol negotiated end to end and credentials stripped', async () => {
    const ws = open('demo', { ...alice(), cookie: 'airlock_env_session=x; app=1' }, ['proto-a', 'proto-b']);
    await once(ws, 'open');
    assert.equal(ws.protocol, 'proto-a');
    const seen = h.upstream.seen.filter((s) => s.method === 'WS').pop()!;
    assert.equal(seen.url, '/socket?x=1');
    assert.equal(seen.headers['sec-websocket-protocol'], 'proto-a,proto-b', 'passed as the client sent it');
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(seen.headers.cookie, 'app=1');
    assert.equal(seen.headers['x-forwarded-host'], `demo.localhost:${h.proxy.port}`);
    for (const msg of ['hello', 'x'.repeat(200_000)]) {
      ws.send(msg);
      const [data] = await once(ws, 'message');
      assert.equal(String(data), msg);
    }
    ws.send(Buffer.from([1, 2, 3]));
    const [bin, isBinary] = await once(ws, 'message');
    assert.equal(isBinary, true);
    assert.deepEqual([...(bin as Buffer)], [1, 2, 3]);
    ws.close();
    await once(ws, 'close');
  });

  test('closing the client closes the upstream side', async () => {
    const ws = open('4000--demo');
    await once(ws, 'open');
    await until(() => h.upstream.wss.clients.size === 1);
    ws.terminate();
    await until(() => h.upstream.wss.clients.size === 0);
  });

  test('the upstream closing closes the client', async () => {
    const ws = open('4000--demo');
    await once(ws, 'open');
    await until(() => h.upstream.wss.clients.size === 1);
    for (const c of h.upstream.wss.clients) c.terminate();
    const [code] = await once(ws, 'close');
    assert.equal(code, 1006, 'abrupt upstream loss is seen as an abnormal close');
  });

  test('upgrades are authenticated like requests', async () => {
    assert.equal(await refusedWith(open('demo')), 401);
    assert.equal(await refusedWith(open('demo', { authorization: `Bearer ${h.users.bob.token}` })), 403);
    assert.equal(await refusedWith(open('nosuch', alice())), 404);
    assert.equal(await refusedWith(open('sleepy', alice())), 503);
  });

  test('data counts as activity; an open but silent socket and ping/pong do not', async () => {
    const ws = open('4000--demo');
    await once(ws, 'open');
    const base = h.activity.counters(envId)!;
    await new Promise((r) => setTimeout(r, 150));
    ws.ping();
    await once(ws, 'pong');
    await new Promise((r) => setTimeout(r, 50));
    const idle = h.activity.counters(envId)!;
    assert.equal(idle.wsFrames, base.wsFrames, 'silence and ping/pong are not activity');
    assert.equal(idle.lastSeen, base.lastSeen);
    ws.send('work');
    await once(ws, 'message');
    const busy = h.activity.counters(envId)!;
    assert.ok(busy.wsFrames >= base.wsFrames + 2, 'both directions counted');
    assert.ok(busy.wsBytes > base.wsBytes);
    ws.close();
    await once(ws, 'close');
  });
});
