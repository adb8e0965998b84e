import { z } from 'zod';
import type { Template } from '../../core/template.js';
import { ValidationError } from '../../core/errors.js';

/**
 * A container health check a template may declare. The core template schema does not
 * carry this field yet; until it does, it is read defensively (validated here).
 */
export const templateHealthCheckSchema = z.object({
  /** `["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]`, or a plain argv (run as `CMD`). */
  command: z.array(z.string().min(1)).min(1),
  /** Seconds between checks (5–300). @default 30 */
  interval: z.number().int().min(5).max(300).optional(),
  /** Seconds a check may take (2–60). @default 5 */
  timeout: z.number().int().min(2).max(60).optional(),
  /** Failures before UNHEALTHY (1–10). @default 3 */
  retries: z.number().int().min(1).max(10).optional(),
  /** Grace period after start (0–300 s). */
  startPeriod: z.number().int().min(0).max(300).optional(),
}).strict();
export type TemplateHealthCheck = z.infer<typeof templateHealthCheckSchema>;

/** The template's health check, if it declares one. */
export function healthCheckOf(spec: Template): TemplateHealthCheck | undefined {
  const raw = (spec as Template & { healthCheck?: unknown }).healthCheck;
  if (raw === undefined) return undefined;
  const r = templateHealthCheckSchema.safeParse(raw);
  if (!r.success) {
    throw new ValidationError(`template "${spec.name}" has an invalid healthCheck: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`, 'healthCheck');
  }
  return r.data;
}

/** The ECS container health check for a template check. */
export function ecsHealthCheck(hc: TemplateHealthCheck): { command: string[]; interval?: number; timeout?: number; retries?: number; startPeriod?: number } {
  const first = hc.command[0];
  const command = first === 'CMD' || first === 'CMD-SHELL' ? hc.command : ['CMD', ...hc.command];
  return { command, interval: hc.interval, timeout: hc.timeout, retries: hc.retries, startPeriod: hc.startPeriod };
}
