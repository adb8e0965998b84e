/** `airlock netcheck` argument handling: bad input exits 2 before any DNS question or connection. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { nodeArgsFor } from '../helpers/netns.js';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...nodeArgsFor(import.meta.url, './cli-child.js'), 'netcheck', ...args], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

test('bad options exit 2 with a message naming each one', async () => {
  const r = await cli(['--region', 'moon-1', '--mode', 'vpn', '--timeout', '0', '--account', '12', '--resolver', 'dns.example', '--features', 'exec,nope']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--region: is not an AWS Region name/);
  assert.match(r.stderr, /--mode: /);
  assert.match(r.stderr, /--timeout: must be at least 1 ms/);
  assert.match(r.stderr, /--account: must be a 12-digit AWS account id/);
  assert.match(r.stderr, /--resolver: must be an IP address/);
  assert.match(r.stderr, /--features: /);
  assert.equal(r.stdout, '');
});

test('an unknown option exits 2; --help exits 0 and lists the options', async () => {
  const bad = await cli(['--bogus']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option '--bogus'/);
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  for (const o of ['--region', '--mode', '--resolver', '--timeout', '--json', '--account']) assert.ok(help.stdout.includes(o), o);
});
