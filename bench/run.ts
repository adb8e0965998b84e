/**
 * `npm run bench`: runs every benchmark, each in its own process so none disturbs
 * another, then gathers their tables into bench/results/summary.md.
 * `npm run bench -- proxy store` runs only those.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SUITES = ['local-runner', 'proxy', 'netcheck', 'store', 'reconcile-ecs', 'synth'] as const;

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !SUITES.includes(w as (typeof SUITES)[number]));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${SUITES.join(', ')}`);
  process.exit(2);
}
const suites = wanted.length > 0 ? (wanted as (typeof SUITES)[number][]) : [...SUITES];
const here = fileURLToPath(new URL('.', import.meta.url));
const results = join(process.cwd(), 'bench', 'results');
mkdirSync(results, { recursive: true });

let failed = 0;
for (const suite of suites) {
  console.log(`\n=== ${suite} ===`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(here, `${suite}.js`)], {
    stdio: 'inherit',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  console.log(`=== ${suite}: ${r.status === 0 ? 'done' : `FAILED (exit ${r.status})`} in ${Math.round((Date.now() - started) / 1000)} s`);
  if (r.status !== 0) failed++;
}

const tables = SUITES.map((s) => join(results, `${s}.md`)).filter((p) => existsSync(p)).map((p) => readFileSync(p, 'utf8').trim());
writeFileSync(join(results, 'summary.md'), `# Benchmark results\n\nProduced by \`npm run bench\`. Each figure is set against a baseline measured in the same run.\n\n${tables.join('\n\n')}\n`);
console.log(`\nwrote ${join('bench', 'results', 'summary.md')}`);
process.exit(failed > 0 ? 1 : 0);
