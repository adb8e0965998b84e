#!/usr/bin/env node
// Builds with tsc only when a source file changed since the last build, so `npm start`
// starts at once after the first time (type-checking the whole project takes ~20 s).
import { readdirSync, statSync, existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const STAMP = 'dist/.tsbuildinfo';

function newest(dir) {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    latest = Math.max(latest, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return latest;
}

const built = existsSync(STAMP) && existsSync('dist/src/cli/main.js') ? statSync(STAMP).mtimeMs : 0;
const sources = Math.max(...['src', 'test', 'bench'].filter((d) => existsSync(d)).map(newest), statSync('tsconfig.json').mtimeMs);
if (sources > built) {
  process.stderr.write(built ? 'Sources changed: building…\n' : 'Building Airlock (first run only, about a minute)…\n');
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // tsc leaves its build info untouched when nothing changed: mark this build as done.
  const now = new Date();
  utimesSync(STAMP, now, now);
}
