/**
 * `airlock synth` benchmark: wall time of the command for the full isolated stack (3 AZs,
 * EC2 capacity, every feature), against an empty CDK app synthesised the same way in the
 * same run (the floor any CDK-based tool pays: loading aws-cdk-lib and its built-in
 * CloudFormation validation); and the template's size against CloudFormation's limits.
 *
 * `node dist/bench/synth.js` writes bench/results/synth.json and .md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FEATURES } from '../src/netcheck/catalog.js';
import { CFN_LIMITS, type TemplateSummary } from '../src/infra/summary.js';
import { round, writeResults, type BenchResult } from './result.js';

const RUNS = Math.max(1, Number(process.env.BENCH_SYNTH_RUNS ?? 2));
/** What a platform engineer waits for before reviewing templates, on 2 shared cores. */
const GOAL_MS = 60_000;

const FULL_ARGS = ['synth', '--mode', 'isolated', '--azs', '3', '--ec2-capacity', '--features', FEATURES.join(','), '--domain', 'dev.example.com'];

/** Node flags for a child that runs this file's siblings (tsx when running from .ts). */
function nodeFlags(): string[] {
  return process.execArgv.filter((a) => !a.startsWith('--test'));
}

/** Wall time of one child process running `script`; fails loudly if it fails. */
function timeChild(script: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...nodeFlags(), '--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`synth bench child failed (${r.status}): ${r.stderr}`);
  return ms;
}

function best(samples: number[]): number {
  return Math.min(...samples);
}

/** Runs the benchmark and returns its figures. */
export async function run(): Promise<BenchResult[]> {
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const out = mkdtempSync(join(tmpdir(), 'airlock-bench-synth-'));
  try {
    const synthScript = `const { main } = await import(${JSON.stringify(pathToFileURL(main).href)});
      process.exitCode = await main(${JSON.stringify([...FULL_ARGS, '--out', out])});`;
    // Same process shape, same built-in CloudFormation validation, an empty stack.
    const emptyScript = `const { App, Stack, CfnWaitConditionHandle } = await import('aws-cdk-lib');
      const app = new App({ outdir: ${JSON.stringify(join(out, 'empty'))} });
      new CfnWaitConditionHandle(new Stack(app, 'Empty'), 'Nothing');
      app.synth();`;
    const ours: number[] = [];
    const empty: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      empty.push(timeChild(emptyScript));
      ours.push(timeChild(synthScript));
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as TemplateSummary;
    const synthMs = best(ours);
    const emptyMs = best(empty);
    return [
      {
        name: 'airlock synth, full isolated stack (3 AZs, EC2 capacity, all features), best of runs',
        value: round(synthMs / 1000, 2),
        unit: 's',
        baseline: { name: 'empty CDK app synth in a fresh process (s)', value: round(emptyMs / 1000, 2) },
        ratio: round(synthMs / emptyMs, 2),
        goal: `< ${GOAL_MS / 1000} s`,
        pass: synthMs < GOAL_MS,
      },
      {
        name: 'template resources',
        value: summary.resourceCount,
        unit: 'resources',
        baseline: { name: 'CloudFormation limit', value: CFN_LIMITS.resources },
        ratio: round(summary.resourceCount / CFN_LIMITS.resources, 3),
        goal: '< 50% of the limit (room to grow)',
        pass: summary.resourceCount < CFN_LIMITS.resources / 2,
      },
      {
        name: 'template body, YAML',
        value: summary.bytes.yaml,
        unit: 'bytes',
        baseline: { name: 'limit via S3 (--template-url)', value: CFN_LIMITS.templateUrlBytes },
        ratio: round(summary.bytes.yaml / CFN_LIMITS.templateUrlBytes, 3),
        goal: '< 1 MB (deployable from S3)',
        pass: summary.bytes.yaml < CFN_LIMITS.templateUrlBytes,
      },
      {
        name: 'template body, minified JSON',
        value: summary.bytes.json,
        unit: 'bytes',
        baseline: { name: 'inline limit (--template-body)', value: CFN_LIMITS.templateBodyBytes },
        ratio: round(summary.bytes.json / CFN_LIMITS.templateBodyBytes, 3),
        goal: 'informational: above 1.0 means deploy via S3 (airlock deploy and aws cloudformation deploy --s3-bucket do)',
      },
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await run();
  await writeResults('synth', results, [
    `${RUNS} run(s) each, alternating; best wall time kept (BENCH_SYNTH_RUNS to change).`,
    'Both figures include starting Node and loading aws-cdk-lib; synthesis includes CDK\'s built-in CloudFormation validation, and ours adds cdk-nag.',
  ]);
  for (const r of results) process.stdout.write(`${r.name}: ${r.value} ${r.unit}${r.ratio !== undefined ? ` (${r.ratio}× ${r.baseline?.name})` : ''}${r.pass === undefined ? '' : r.pass ? ' ok' : ' GOAL MISSED'}\n`);
}
