import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { ADMIN_TOKEN, startHarness, type Harness } from './harness.js';

interface SseEvent {
  event: string;
  data: unknown;
}

/** An open event stream: parsed events as they arrive, comments counted. */
class Stream {
  readonly events: SseEvent[] = [];
  comments = 0;
  status = 0;
  headers: IncomingMessage['headers'] = {};
  private buffer = '';
  private waiters: (() => void)[] = [];
  private res: IncomingMessage | undefined;
  private req: ReturnType<typeof request> | undefined;

  open(url: string, token: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.req = request(`${url}/api/v1/environments/watch`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
        this.res = res;
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.feed(chunk));
        res.on('error', () => undefined);
        resolve();
      });
      this.req.on('error', reject);
      this.req.end();
    });
  }

  private feed(chunk: string) {
    this.buffer += chunk;
    let end;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let data: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments++;
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data !== undefined) this.events.push({ event, data: JSON.parse(data) });
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `check` holds (re-checked on every chunk), or fails after 5 s. */
  async until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** Calls `fn` when the server ends the response. */
  onEnd(fn: () => void) {
    this.res?.on('end', fn);
  }

  close() {
    this.req?.destroy();
    this.res?.destroy();
  }
}

const changesOf = (s: Stream) => s.events.filter((e) => e.event === 'change').map((e) => e.data as { env?: { name: string; state: string; version: number }; removed?: string });

describe('GET /api/v1/environments/watch (server-sent events)', () => {
  let h: Harness;
  let member = '';
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  before(async () => {
    h = await startHarness({ live: { heartbeatMs: 100 } });
    await h.listen();
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload: { name: 'mia', role: 'member' } });
    assert.equal(created.statusCode, 201, created.body);
    member = created.json().token;
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/environments', headers: admin, payload: { name: 'before', template: 'web' } });
    assert.equal(r.statusCode, 201, r.body);
  });
  after(() => h.close());

  test('needs a token like every other route', async () => {
    const r = await h.app.inject({ url: '/api/v1/environments/watch' });
    assert.equal(r.statusCode, 401);
  });

  test('sends the current list, then each change, and heartbeats; ends cleanly on disconnect', async () => {
    const baseline = h.orch.changes.size;
    const s = new Stream();
    await s.open(h.url, ADMIN_TOKEN);
    assert.equal(s.status, 200);
    assert.match(String(s.headers['content-type']), /^text\/event-stream/);
    assert.equal(s.headers['cache-control'], 'no-store');
    await s.until(() => s.events.some((e) => e.event === 'snapshot'), 'the snapshot');
    const snapshot = s.events[0]!;
    assert.equal(snapshot.event, 'snapshot');
    const items = (snapshot.data as { items: { name: string; url: string; ports: unknown[] }[] }).items;
    assert.deepEqual(items.map((e) => e.name), ['before']);
    assert.equal(items[0]!.url, 'http://before.localhost:7080/', 'the same DTO as GET /environments');
    assert.equal(h.orch.changes.size, baseline + 1, 'subscribed while open');

    const r = await h.app.inject({ method: 'POST', url: '/api/v1/environments', headers: admin, payload: { name: 'live-one', template: 'web' } });
    assert.equal(r.statusCode, 201);
    await s.until(() => changesOf(s).some((c) => c.env?.name === 'live-one' && c.env.state === 'running'), 'live-one running');
    const states = changesOf(s).filter((c) => c.env?.name === 'live-one').map((c) => c.env!.state);
    assert.deepEqual(states.slice(-1), ['running']);
    const versions = changesOf(s).filter((c) => c.env?.name === 'live-one').map((c) => c.env!.version);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b), 'versions only grow');

    await s.until(() => s.comments >= 2, 'heartbeats');

    s.close();
    const deadline = Date.now() + 2000;
    while (h.orch.changes.size !== baseline && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    assert.equal(h.orch.changes.size, baseline, 'the subscription ends with the connection');
  });

  test('a member sees only their own environments, and removals of those', async () => {
    const s = new Stream();
    await s.open(h.url, member);
    await s.until(() => s.events.some((e) => e.event === 'snapshot'), 'the snapshot');
    assert.deepEqual((s.events[0]!.data as { items: unknown[] }).items, [], 'admin environments are not listed');

    const mine = await h.app.inject({ method: 'POST', url: '/api/v1/environments', headers: { authorization: `Bearer ${member}` }, payload: { name: 'mias', template: 'web' } });
    assert.equal(mine.statusCode, 201);
    await s.until(() => changesOf(s).some((c) => c.env?.name === 'mias' && c.env.state === 'running'), 'mias running');

    // Admin activity elsewhere: neither the environment nor its removal reaches the member.
    await h.app.inject({ method: 'POST', url: '/api/v1/environments', headers: admin, payload: { name: 'secret-admin', template: 'web' } });
    await h.app.inject({ method: 'DELETE', url: '/api/v1/environments/before', headers: admin });
    const del = await h.app.inject({ method: 'DELETE', url: '/api/v1/environments/mias', headers: { authorization: `Bearer ${member}` } });
    assert.equal(del.statusCode, 202);
    await s.until(() => changesOf(s).some((c) => c.removed === 'mias'), 'the removal of mias');
    const names = new Set(changesOf(s).map((c) => c.env?.name ?? c.removed));
    assert.deepEqual([...names], ['mias']);
    s.close();
  });

  test('a stream ends after its maximum age, so a reconnect checks the session again', async () => {
    const h2 = await startHarness({ live: { maxAgeMs: 300 } });
    await h2.listen();
    try {
      const s = new Stream();
      const ended = new Promise<void>((resolve) => {
        void s.open(h2.url, ADMIN_TOKEN).then(() => s.onEnd(resolve));
      });
      const started = Date.now();
      await ended;
      assert.ok(Date.now() - started >= 250, 'not before its time');
      assert.equal(s.events[0]?.event, 'snapshot');
      assert.equal(h2.orch.changes.size, 0, 'unsubscribed');
    } finally {
      await h2.close();
    }
  });

  test('closing the app ends open streams', async () => {
    const h2 = await startHarness();
    await h2.listen();
    const s = new Stream();
    await s.open(h2.url, ADMIN_TOKEN);
    await s.until(() => s.events.length > 0, 'the snapshot');
    const started = Date.now();
    await h2.close();
    assert.ok(Date.now() - started < 3000, 'close did not wait for the stream');
    s.close();
  });
});
