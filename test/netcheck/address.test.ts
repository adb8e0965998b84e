import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressScope, isPrivateAddress, isPublicAddress } from '../../src/netcheck/address.js';

test('RFC 1918, RFC 6598 and unique-local IPv6 are private, at their edges too', () => {
  for (const a of ['10.0.0.0', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.0.1', '192.168.255.255', '100.64.0.0', '100.127.255.255', 'fc00::1', 'fd12:3456:789a::5', 'fdff:ffff::1']) {
    assert.equal(addressScope(a), 'private', a);
    assert.equal(isPrivateAddress(a), true, a);
  }
});

test('neighbours of the private ranges are public', () => {
  for (const a of ['9.255.255.255', '11.0.0.0', '172.15.255.255', '172.32.0.0', '192.167.255.255', '192.169.0.0', '100.63.255.255', '100.128.0.0', 'fbff::1', 'fe00::1', '52.95.110.1', '2600:1f18::1', '198.51.100.20', '203.0.113.1']) {
    assert.equal(addressScope(a), 'public', a);
    assert.equal(isPublicAddress(a), true, a);
  }
});

test('loopback, link-local and unspecified addresses get their own scope', () => {
  assert.equal(addressScope('127.0.0.1'), 'loopback');
  assert.equal(addressScope('127.255.0.9'), 'loopback');
  assert.equal(addressScope('::1'), 'loopback');
  assert.equal(addressScope('169.254.170.2'), 'link_local');
  assert.equal(addressScope('fe80::1'), 'link_local');
  assert.equal(addressScope('febf::1'), 'link_local');
  assert.equal(addressScope('0.0.0.0'), 'unspecified');
  assert.equal(addressScope('::'), 'unspecified');
});

test('IPv4-mapped IPv6 addresses are classified by their IPv4 address', () => {
  assert.equal(addressScope('::ffff:10.1.2.3'), 'private');
  assert.equal(addressScope('::FFFF:52.1.2.3'), 'public');
  assert.equal(addressScope('::ffff:127.0.0.1'), 'loopback');
});

test('something that is not an IP address is refused', () => {
  assert.throws(() => addressScope('secretsmanager.eu-west-1.amazonaws.com'), /is not an IP address/);
  assert.throws(() => addressScope('10.0.0.256'), /is not an IP address/);
});
