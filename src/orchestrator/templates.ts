import type { Template } from '../core/template.js';
import { templateSchema } from '../core/template.js';
import { NotFoundError } from '../core/errors.js';
import { demoTemplate } from '../workspaces/demo/template.js';

/** Templates every runner offers. Config templates with the same name replace them. */
export function builtinTemplates(): Template[] {
  return [
    templateSchema.parse({
      ...demoTemplate(),
      // On ECS the same workspace runs from an image mirrored into private ECR.
      image: 'airlock/demo-workspace:latest',
      cpu: 256,
      memory: 512,
      idleTimeout: '30m',
      startTimeout: '30s',
    }),
  ];
}

/** The templates a runner offers, by name. */
export class TemplateCatalog {
  private readonly byName = new Map<string, Template>();

  constructor(configured: readonly Template[], builtins: readonly Template[] = builtinTemplates()) {
    for (const t of builtins) this.byName.set(t.name, t);
    for (const t of configured) this.byName.set(t.name, t);
  }

  list(): Template[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The template called `name`, or a NotFoundError that lists the ones that exist. */
  get(name: string): Template {
    const t = this.byName.get(name);
    if (!t) throw new NotFoundError('template', name, `Available: ${this.list().map((x) => x.name).join(', ')}`);
    return t;
  }
}
