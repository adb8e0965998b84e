import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { isGroupAlive, isProcessAlive, readProcStat, signalGroup } from '../../../src/compute/local/processes.js';

test('readProcStat reads the state, group and start time; isProcessAlive checks the start time', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    const stat = readProcStat(child.pid!);
    assert.ok(stat, 'this machine has /proc');
    assert.match(stat.startTicks, /^\d+$/);
    assert.equal(stat.pgrp, readProcStat(process.pid)!.pgrp, 'not detached: it is in our group');
    assert.equal(readProcStat(2 ** 30), undefined);
    assert.equal(isProcessAlive(child.pid!, stat.startTicks), true);
    assert.equal(isProcessAlive(child.pid!, String(Number(stat.startTicks) + 1)), false, 'another start time is another process');
    assert.equal(isProcessAlive(process.pid), false, 'the runner itself is never an instance');
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

test('signalGroup refuses pid 0, 1, negatives and our own group', () => {
  const ownGroup = readProcStat(process.pid)!.pgrp;
  for (const pgid of [0, 1, -5, Number.NaN, ownGroup]) assert.equal(signalGroup(pgid, 'SIGTERM'), false, String(pgid));
});

test('isGroupAlive follows a detached group until every member is gone', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
  const pgid = child.pid!;
  try {
    assert.equal(isGroupAlive(pgid), true);
    assert.equal(signalGroup(pgid, 'SIGKILL'), true);
    await once(child, 'exit');
    assert.equal(isGroupAlive(pgid), false);
    assert.equal(signalGroup(pgid, 'SIGKILL'), false, 'a gone group reports false');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
