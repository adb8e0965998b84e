import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus } from 'node:os';

/** One benchmark figure, ideally a ratio against a baseline measured in the same run. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  ratio?: number;
  goal?: string;
  pass?: boolean;
}

/** Sorted-sample percentile (nearest rank). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Writes `bench/results/<suite>.json` and `.md`. */
export async function writeResults(suite: string, results: BenchResult[], notes: string[] = []): Promise<void> {
  const dir = join(process.cwd(), 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const machine = `${cpus().length} cores, ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
  await writeFile(join(dir, `${suite}.json`), `${JSON.stringify({ suite, machine, results }, null, 2)}\n`);
  await writeFile(join(dir, `${suite}.md`), `${markdownTable(suite, results, machine)}${notes.length ? `\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`);
}

export function markdownTable(suite: string, results: BenchResult[], machine?: string): string {
  const rows = results.map((r) =>
    `| ${r.name} | ${fmt(r.value)} ${r.unit} | ${r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.value)}` : '-'} | ${r.ratio !== undefined ? `${fmt(r.ratio)}×` : '-'} | ${r.goal ?? '-'} | ${r.pass === undefined ? '-' : r.pass ? 'yes' : 'no'} |`,
  );
  return `### ${suite}${machine ? ` (${machine})` : ''}\n\n| figure | value | baseline | ratio | goal | met |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? String(Math.round(n)) : String(round(n, 2));
}
