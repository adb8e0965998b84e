/** docs/netcheck.md must describe the code as it is: the catalog table, access types and reasons. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG } from '../../src/netcheck/catalog.js';
import { ACCESS_TYPES, FAILURE_REASONS } from '../../src/netcheck/report.js';
import { catalogRow } from './docs-row.js';

/** The repository root: the first parent with package.json (works from test/ and dist/test/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'docs'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found above the test file');
    dir = up;
  }
  return dir;
}

const doc = readFileSync(join(repoRoot(), 'docs', 'netcheck.md'), 'utf8');

test('the catalog table lists every entry exactly as the code has it, in order', () => {
  const rows = doc.split('\n').filter((l) => /^\| `[a-z0-9.-]+` \| /.test(l) && l.split('|').length === 9);
  assert.deepEqual(rows, CATALOG.map(catalogRow));
});

test('every access type and failure reason is explained', () => {
  for (const a of ACCESS_TYPES) assert.ok(doc.includes(`| \`${a}\` |`), a);
  for (const r of FAILURE_REASONS) assert.ok(doc.includes(`\`${r}\``), r);
});
