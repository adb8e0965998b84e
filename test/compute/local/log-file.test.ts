import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLog, tailLines } from '../../../src/compute/local/log-file.js';

async function tempFile(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-log-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'out.log');
}

test('tailLines reads the last lines across chunk boundaries, keeping multi-byte characters whole', async (t) => {
  const path = await tempFile(t);
  // ~200 KB: several 64 KiB chunks; every line holds a 3-byte character.
  const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ✓ ${'x'.repeat(30)}`);
  await writeFile(path, `${lines.join('\n')}\n`);
  assert.deepEqual(await tailLines(path, 3), lines.slice(-3));
  assert.deepEqual(await tailLines(path, 4000), lines.slice(-4000));
  assert.deepEqual(await tailLines(path, 10_000), lines);
  assert.deepEqual(await tailLines(path, 0), []);
  assert.deepEqual(await tailLines(join(path, '..', 'missing.log'), 5), []);
});

test('tailLines from an offset ignores what came before it (earlier starts)', async (t) => {
  const path = await tempFile(t);
  await writeFile(path, 'old 1\nold 2\n');
  const offset = Buffer.byteLength('old 1\nold 2\n');
  await appendFile(path, 'new 1\nnew 2 without newline');
  assert.deepEqual(await tailLines(path, 10, offset), ['new 1', 'new 2 without newline']);
});

test('readLog with follow yields whole lines as they are appended and stops on abort', async (t) => {
  const path = await tempFile(t);
  await writeFile(path, 'a\nb\n');
  const controller = new AbortController();
  const seen: string[] = [];
  const reading = (async () => {
    for await (const line of readLog(path, { tail: 1, follow: true, signal: controller.signal, pollMs: 10 })) seen.push(line);
  })();
  await new Promise((r) => setTimeout(r, 50));
  await appendFile(path, 'c\npart');
  await new Promise((r) => setTimeout(r, 50));
  await appendFile(path, 'ial é\n');
  for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
  controller.abort();
  await reading;
  assert.deepEqual(seen, ['b', 'c', 'partial é']);
});
