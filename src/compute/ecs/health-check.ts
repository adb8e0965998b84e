import type { Template } from '../../core/template.js';

/** A template's container health check (declared in the core template schema). */
export type TemplateHealthCheck = NonNullable<Template['healthCheck']>;

/** The ECS container health check for a template check. */
export function ecsHealthCheck(hc: TemplateHealthCheck): { command: string[]; interval?: number; timeout?: number; retries?: number; startPeriod?: number } {
  const first = hc.command[0];
  const command = first === 'CMD' || first === 'CMD-SHELL' ? hc.command : ['CMD', ...hc.command];
  return { command, interval: hc.interval, timeout: hc.timeout, retries: hc.retries, startPeriod: hc.startPeriod };
}
