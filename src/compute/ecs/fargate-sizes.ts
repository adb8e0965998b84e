import { ValidationError } from '../../core/errors.js';

/** Memory (MiB) Fargate accepts for each CPU size (Linux, platform 1.4.0). */
const FARGATE_SIZES: readonly { cpu: number; min: number; max: number; step: number; extra?: number[] }[] = [
  { cpu: 256, min: 1024, max: 2048, step: 1024, extra: [512] },
  { cpu: 512, min: 1024, max: 4096, step: 1024 },
  { cpu: 1024, min: 2048, max: 8192, step: 1024 },
  { cpu: 2048, min: 4096, max: 16384, step: 1024 },
  { cpu: 4096, min: 8192, max: 30720, step: 1024 },
  { cpu: 8192, min: 16384, max: 61440, step: 4096 },
  { cpu: 16384, min: 32768, max: 122880, step: 8192 },
];

/** Whether Fargate runs a task of this size. */
export function isValidFargateSize(cpu: number, memory: number): boolean {
  const row = FARGATE_SIZES.find((r) => r.cpu === cpu);
  if (!row) return false;
  if (row.extra?.includes(memory)) return true;
  return memory >= row.min && memory <= row.max && (memory - row.min) % row.step === 0;
}

/** Throws a ValidationError naming the valid memory sizes for the template's cpu. */
export function assertFargateSize(template: string, cpu: number, memory: number): void {
  if (isValidFargateSize(cpu, memory)) return;
  const row = FARGATE_SIZES.find((r) => r.cpu === cpu);
  if (!row) {
    throw new ValidationError(
      `template "${template}" asks for cpu ${cpu}, which Fargate does not offer; use one of ${FARGATE_SIZES.map((r) => r.cpu).join(', ')} (1024 = one vCPU)`,
      'cpu',
    );
  }
  const sizes = [...(row.extra ?? []), row.min, ...(row.max > row.min ? [row.max] : [])];
  throw new ValidationError(
    `template "${template}" asks for cpu ${cpu} with memory ${memory} MiB, which Fargate does not offer; with cpu ${cpu} use memory from ${row.min} to ${row.max} MiB in steps of ${row.step}${row.extra ? ` (or ${row.extra.join(', ')})` : ''}, e.g. ${sizes.join(' or ')}`,
    'memory',
  );
}
