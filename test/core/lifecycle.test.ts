import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertTransition, canTransition, ENV_STATES } from '../../src/core/lifecycle.js';
import { InvalidTransitionError } from '../../src/core/errors.js';

test('the happy path of a lifecycle is allowed', () => {
  const path = ['pending', 'starting', 'running', 'stopping', 'stopped', 'starting', 'running', 'deleting', 'deleted'] as const;
  for (let i = 1; i < path.length; i++) assert.ok(canTransition(path[i - 1]!, path[i]!), `${path[i - 1]} → ${path[i]}`);
});

test('failed is reachable from every working state but not from settled ones', () => {
  for (const s of ['pending', 'starting', 'running', 'stopping', 'deleting'] as const) assert.ok(canTransition(s, 'failed'), s);
  assert.equal(canTransition('stopped', 'failed'), false);
  assert.equal(canTransition('deleted', 'failed'), false);
});

test('deleted is terminal', () => {
  for (const s of ENV_STATES) assert.equal(canTransition('deleted', s), false, `deleted → ${s}`);
});

test('illegal transitions throw an error that names both states', () => {
  assert.throws(() => assertTransition('stopped', 'running', 'demo'), (err: unknown) => {
    assert.ok(err instanceof InvalidTransitionError);
    assert.match(err.message, /"demo" cannot go from stopped to running/);
    assert.equal(err.status, 409);
    return true;
  });
  assert.throws(() => assertTransition('pending', 'stopped'), InvalidTransitionError);
});
