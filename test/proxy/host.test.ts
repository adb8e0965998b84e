import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchHost } from '../../src/proxy/host.js';

test('environment hosts: default port, explicit port, case folding, port suffix', () => {
  assert.deepEqual(matchHost('demo.localhost:7080', 'localhost'), { kind: 'env', name: 'demo', port: undefined, host: 'demo.localhost' });
  assert.deepEqual(matchHost('8080--demo.localhost:7080', 'localhost'), { kind: 'env', name: 'demo', port: 8080, host: '8080--demo.localhost' });
  assert.deepEqual(matchHost('3000--My-Env.Dev.Example.COM', 'dev.example.com'), { kind: 'env', name: 'my-env', port: 3000, host: '3000--my-env.dev.example.com' });
});

test('the runner host and foreign hosts are not the proxy\'s', () => {
  assert.equal(matchHost('localhost:7080', 'localhost').kind, 'runner');
  assert.equal(matchHost('LOCALHOST', 'localhost').kind, 'runner');
  assert.equal(matchHost('127.0.0.1:7080', 'localhost').kind, 'other');
  assert.equal(matchHost('[::1]:7080', 'localhost').kind, 'other');
  assert.equal(matchHost('notlocalhost', 'localhost').kind, 'other');
  assert.equal(matchHost('demo.example.com', 'localhost').kind, 'other');
});

test('malformed hosts are refused, never guessed', () => {
  for (const h of [
    '', 'demo.localhost.', 'demo.localhost.:80', 'demo.localhost:', 'demo.localhost:123456', 'demo.localhost:8o',
    'a.b.localhost', 'de_mo.localhost', 'demo\r\n.localhost', 'demo .localhost', '1demo.localhost', 'demo-.localhost',
    '0--demo.localhost', '08080--demo.localhost', '65536--demo.localhost', '--demo.localhost', '80--.localhost',
    '80--demo--x.localhost', 'x--demo.localhost', `${'a'.repeat(41)}.localhost`, `${'a'.repeat(300)}.localhost`,
  ]) {
    assert.equal(matchHost(h, 'localhost').kind, 'bad', JSON.stringify(h));
  }
  assert.equal(matchHost(undefined, 'localhost').kind, 'bad');
});
