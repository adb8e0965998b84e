import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { discoverOwnAddresses } from '../../src/netcheck/own-addresses.js';

/** A stand-in for the ECS task metadata endpoint v4, on loopback. */
async function metadataServer(task: unknown, status = 200) {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(task));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v4/abc-123`;
  return { uri, paths, close: () => new Promise((r) => server.close(r)) };
}

test('on ECS, addresses come from ${ECS_CONTAINER_METADATA_URI_V4}/task', async () => {
  const md = await metadataServer({
    Cluster: 'airlock',
    Containers: [
      { Name: 'runner', Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.3.17'], IPv6Addresses: ['2600:1f18::17'] }] },
      { Name: 'sidecar', Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.3.17'] }] },
    ],
  });
  try {
    const own = await discoverOwnAddresses({ env: { ECS_CONTAINER_METADATA_URI_V4: md.uri } });
    assert.deepEqual(own, { addresses: ['10.0.3.17', '2600:1f18::17'], hasPublicIp: true, source: 'ecs-metadata' });
    assert.deepEqual(md.paths, ['/v4/abc-123/task']);
  } finally {
    await md.close();
  }
});

test('a private-only task has no public IP unless the mode is public-ip or it is said so', async () => {
  const md = await metadataServer({ Containers: [{ Networks: [{ IPv4Addresses: ['10.0.3.17'] }] }] });
  try {
    const env = { ECS_CONTAINER_METADATA_URI_V4: md.uri };
    assert.equal((await discoverOwnAddresses({ env })).hasPublicIp, false);
    assert.equal((await discoverOwnAddresses({ env, mode: 'public-ip' })).hasPublicIp, true);
    assert.equal((await discoverOwnAddresses({ env, mode: 'public-ip', hasPublicIp: false })).hasPublicIp, false);
  } finally {
    await md.close();
  }
});

test('an unusable metadata endpoint falls back to the interfaces; given addresses win', async () => {
  const md = await metadataServer({ error: 'nope' }, 500);
  try {
    const own = await discoverOwnAddresses({ env: { ECS_CONTAINER_METADATA_URI_V4: md.uri } });
    assert.equal(own.source, 'interfaces');
    assert.ok(own.addresses.every((a) => !a.startsWith('127.') && a !== '::1' && !a.startsWith('fe80')));
  } finally {
    await md.close();
  }
  assert.deepEqual(await discoverOwnAddresses({ addresses: ['203.0.113.9'], env: {} }), { addresses: ['203.0.113.9'], hasPublicIp: true, source: 'given' });
});
