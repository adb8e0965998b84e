import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/orchestrator/config-file.js';
import { ConfigError } from '../../src/core/errors.js';

const OUTPUTS = {
  ClusterName: 'airlock', SubnetIds: 'subnet-a, subnet-b', TaskSecurityGroupId: 'sg-1', ExecutionRoleArn: 'arn:aws:iam::1:role/exec',
  TaskRoleArn: 'arn:aws:iam::1:role/task', LogGroupName: '/airlock/env', FileSystemId: 'fs-1', TableName: 'airlock-state', Region: 'eu-west-1', Mode: 'isolated',
};

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-config-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('no file means the embedded defaults', withDir(async (dir) => {
  const { config, source } = await loadConfig({ dataDir: dir, path: undefined, env: {} });
  assert.equal(source, undefined);
  assert.equal(config.store.type, 'sqlite');
  assert.equal(config.compute.type, 'local');
}));

test('YAML syntax errors name the line; schema errors name the field', withDir(async (dir) => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'port: 7080\ntemplates:\n  - name: x\n   image: y\n');
  await assert.rejects(loadConfig({ dataDir: dir, path: bad, env: {} }), (e: unknown) => e instanceof ConfigError && /line \d+/.test(e.message));
  const wrong = join(dir, 'wrong.yaml');
  writeFileSync(wrong, 'templates:\n  - name: web\n    ports: [{ port: 99999 }]\n');
  await assert.rejects(loadConfig({ dataDir: dir, path: wrong, env: {} }), (e: unknown) => e instanceof ConfigError && e.field === 'templates[0].ports[0].port');
  const list = join(dir, 'list.yaml');
  writeFileSync(list, '- a\n- b\n');
  await assert.rejects(loadConfig({ dataDir: dir, path: list, env: {} }), /must hold a mapping/);
}));

test('stack outputs configure DynamoDB and ECS; the file and the environment override them', withDir(async (dir) => {
  const file = join(dir, 'airlock.yaml');
  writeFileSync(file, 'templates:\n  - { name: web, image: 1.dkr.ecr.eu-west-1.amazonaws.com/web:1 }\n');
  const { config } = await loadConfig({ dataDir: dir, path: file, env: { AIRLOCK_STACK_OUTPUTS: JSON.stringify(OUTPUTS), AIRLOCK_DOMAIN: 'dev.example.com', AIRLOCK_HOST: '0.0.0.0' } });
  assert.deepEqual(config.store, { type: 'dynamodb', table: 'airlock-state', region: 'eu-west-1', createTable: false });
  assert.equal(config.compute.type, 'ecs');
  if (config.compute.type === 'ecs') {
    assert.deepEqual(config.compute.subnets, ['subnet-a', 'subnet-b']);
    assert.deepEqual(config.compute.securityGroups, ['sg-1']);
    assert.equal(config.compute.mode, 'isolated');
    assert.equal(config.compute.fileSystemId, 'fs-1');
  }
  assert.equal(config.netcheck.enabled, true);
  assert.equal(config.netcheck.region, 'eu-west-1');
  assert.equal(config.domain, 'dev.example.com');
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.templates[0]!.name, 'web');
}));

test('incomplete stack outputs say which keys are missing', withDir(async (dir) => {
  const { TableName: _t, ...partial } = OUTPUTS;
  await assert.rejects(loadConfig({ dataDir: dir, env: { AIRLOCK_STACK_OUTPUTS: JSON.stringify(partial) } }), /AIRLOCK_STACK_OUTPUTS lacks or has invalid TableName/);
  await assert.rejects(loadConfig({ dataDir: dir, env: { AIRLOCK_STACK_OUTPUTS: 'not json' } }), /is not JSON/);
}));
