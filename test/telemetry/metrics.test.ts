import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/telemetry/metrics.js';

test('counters and gauges render in the Prometheus text format', () => {
  const r = new Registry();
  const runs = r.counter({ name: 'airlock_runs_total', help: 'Runs', labelNames: ['status'] });
  const ready = r.gauge({ name: 'airlock_ready', help: 'Ready' });
  runs.inc({ status: 'ready' });
  runs.inc({ status: 'ready' }, 2);
  runs.inc({ status: 'degraded' });
  ready.set(1);
  assert.equal(
    r.render(),
    [
      '# HELP airlock_runs_total Runs',
      '# TYPE airlock_runs_total counter',
      'airlock_runs_total{status="ready"} 3',
      'airlock_runs_total{status="degraded"} 1',
      '# HELP airlock_ready Ready',
      '# TYPE airlock_ready gauge',
      'airlock_ready 1',
      '',
    ].join('\n'),
  );
});

test('label values are escaped; help text too', () => {
  const r = new Registry();
  r.gauge({ name: 'g', help: 'a\\b\nc', labelNames: ['v'] }).set({ v: 'say "hi"\\\n' }, 0.25);
  assert.equal(r.render(), '# HELP g a\\\\b\\nc\n# TYPE g gauge\ng{v="say \\"hi\\"\\\\\\n"} 0.25\n');
});

test('histograms count into cumulative buckets with sum and count', () => {
  const r = new Registry();
  const h = r.histogram({ name: 'lat_seconds', help: 'Latency', labelNames: ['route'], buckets: [0.1, 1] });
  h.observe({ route: '/x' }, 0.05);
  h.observe({ route: '/x' }, 0.5);
  h.observe({ route: '/x' }, 3);
  assert.deepEqual(r.render().split('\n').slice(2, 7), [
    'lat_seconds_bucket{route="/x",le="0.1"} 1',
    'lat_seconds_bucket{route="/x",le="1"} 2',
    'lat_seconds_bucket{route="/x",le="+Inf"} 3',
    'lat_seconds_sum{route="/x"} 3.55',
    'lat_seconds_count{route="/x"} 3',
  ]);
});

test('registering the same name returns the same metric; a different type or labels is refused', () => {
  const r = new Registry();
  const a = r.gauge({ name: 'x', help: 'x', labelNames: ['a'] });
  assert.equal(r.gauge({ name: 'x', help: 'x', labelNames: ['a'] }), a);
  assert.throws(() => r.counter({ name: 'x', help: 'x', labelNames: ['a'] }), /already registered as a gauge/);
  assert.throws(() => r.gauge({ name: 'x', help: 'x', labelNames: ['b'] }), /already registered/);
});

test('wrong labels, bad names and decreasing counters are refused', () => {
  const r = new Registry();
  const g = r.gauge({ name: 'g', help: 'g', labelNames: ['a'] });
  assert.throws(() => g.set({ b: '1' }, 1), /takes labels \{a\}/);
  assert.throws(() => g.set(1), /takes labels \{a\}/);
  assert.throws(() => r.gauge({ name: 'bad-name', help: '' }), /not valid/);
  assert.throws(() => r.gauge({ name: 'ok', help: '', labelNames: ['__x'] }), /not valid/);
  assert.throws(() => r.counter({ name: 'c', help: '' }).inc({}, -1), /only go up/);
});

test('remove and reset forget series; an empty registry renders nothing', () => {
  const r = new Registry();
  assert.equal(r.render(), '');
  const g = r.gauge({ name: 'g', help: 'g', labelNames: ['e'] });
  g.set({ e: 'a' }, 1);
  g.set({ e: 'b' }, 2);
  g.remove({ e: 'a' });
  assert.equal(g.get({ e: 'a' }), undefined);
  assert.equal(g.get({ e: 'b' }), 2);
  g.reset();
  assert.equal(r.render(), '# HELP g g\n# TYPE g gauge\n');
});
