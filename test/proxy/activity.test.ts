import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActivityTracker } from '../../src/proxy/activity.js';

function fakeStore() {
  const writes: Array<[string, string]> = [];
  return { writes, touchActivity: async (id: string, at: string) => void writes.push([id, at]) };
}

test('coalesces to at most one store write per environment per interval, keeping the latest time', async () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const store = fakeStore();
  const t = new ActivityTracker(store, { intervalMs: 30_000, now: () => now, timer: false });
  t.request('env_a'); // leading edge: written at once
  assert.deepEqual(store.writes, [['env_a', '2026-01-01T00:00:00.000Z']]);
  for (let i = 1; i <= 100; i++) {
    now += 100;
    t.request('env_a');
  }
  t.frames('env_b', 10);
  assert.equal(store.writes.length, 2, 'one write for a, one for b');
  t.flushDue();
  assert.equal(store.writes.length, 2, 'nothing more before the interval ends');
  now = Date.parse('2026-01-01T00:00:31Z');
  t.flushDue();
  // the trailing write carries the last traffic time, not the flush time
  assert.deepEqual(store.writes[2], ['env_a', '2026-01-01T00:00:10.000Z']);
  assert.equal(store.writes.length, 3, 'b saw nothing since its write');
  assert.deepEqual(t.counters('env_a'), { requests: 101, wsFrames: 0, wsBytes: 0, lastSeen: Date.parse('2026-01-01T00:00:10Z') });
  assert.deepEqual(t.counters('env_b'), { requests: 0, wsFrames: 1, wsBytes: 10, lastSeen: Date.parse('2026-01-01T00:00:00.000Z') + 10_000 });
});

test('no traffic, no writes; close flushes what is pending', async () => {
  let now = 0;
  const store = fakeStore();
  const t = new ActivityTracker(store, { intervalMs: 1000, now: () => now, timer: false });
  now = 5000;
  t.flushDue();
  assert.equal(store.writes.length, 0);
  t.request('env_a');
  now += 10;
  t.request('env_a');
  assert.equal(store.writes.length, 1);
  await t.close();
  assert.equal(store.writes.length, 2);
  assert.equal(store.writes[1]![1], new Date(5010).toISOString());
});

test('the timer writes trailing activity on its own', async () => {
  const store = fakeStore();
  const t = new ActivityTracker(store, { intervalMs: 60 });
  t.request('env_a');
  t.request('env_a');
  assert.equal(store.writes.length, 1);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(store.writes.length, 2);
  await t.close();
});

test('a failing store write is logged, not thrown', async () => {
  const warned: unknown[] = [];
  const t = new ActivityTracker({ touchActivity: async () => Promise.reject(new Error('down')) }, { timer: false, logger: { warn: (o: unknown) => void warned.push(o) } });
  t.request('env_a');
  await t.flush();
  await new Promise((r) => setImmediate(r));
  assert.equal(warned.length, 1);
});
