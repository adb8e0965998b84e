import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateName, newId } from '../../src/core/ids.js';
import { parseConfig } from '../../src/core/config.js';
import { parseDuration, formatDuration } from '../../src/core/duration.js';
import { ConfigError, ValidationError } from '../../src/core/errors.js';

test('valid names pass, invalid ones say why', () => {
  for (const ok of ['demo', 'a', 'my-env-2', 'x'.repeat(40)]) assert.equal(validateName(ok), ok);
  for (const bad of ['', 'Demo', '1abc', 'a_b', 'a--b', 'ab-', 'x'.repeat(41), 'a.b', 'a\r\nX-Evil: 1']) {
    assert.throws(() => validateName(bad), ValidationError, JSON.stringify(bad));
  }
  assert.throws(() => validateName('a\r\nSet-Cookie: x'), (e: Error) => !/[\r\n]/.test(e.message));
});

test('ids are unique and prefixed', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => newId('env')));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^env_[a-z2-7]{16}$/);
});

test('durations parse and format', () => {
  assert.equal(parseDuration('30m'), 1800);
  assert.equal(parseDuration('1h30m'), 5400);
  assert.equal(parseDuration('45'), 45);
  assert.equal(parseDuration(12), 12);
  assert.equal(parseDuration('3 weeks'), undefined);
  assert.equal(parseDuration('10x'), undefined);
  assert.equal(formatDuration(5400), '1h30m');
  assert.equal(formatDuration(0), '0s');
});

test('config defaults fill in and errors name the field', () => {
  const c = parseConfig({ templates: [{ name: 'web', command: ['node', 'x.js'], ports: [{ port: 3000 }] }] });
  assert.equal(c.port, 7080);
  assert.equal(c.store.type, 'sqlite');
  assert.equal(c.templates[0]!.ports[0]!.share, 'owner');
  assert.equal(c.templates[0]!.idleTimeout, 1800);
  assert.throws(
    () => parseConfig({ templates: [{ name: 'web', ports: [{ port: 3000, share: 'everyone' }] }] }, 'airlock.yaml'),
    (e: unknown) => e instanceof ConfigError && e.field === 'templates[0].ports[0].share' && /airlock\.yaml/.test(e.message),
  );
  assert.throws(() => parseConfig({ templates: [{ name: 'web', idleTimeout: 'soon' }] }), /templates\[0\]\.idleTimeout: "soon" is not a duration/);
  assert.throws(() => parseConfig({ prot: 1 }), /prot/);
  assert.throws(() => parseConfig({ templates: [{ name: 'a' }, { name: 'a' }] }), /declared twice/);
});
