import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { templateSchema, type Template, type TemplateInput } from '../../../src/core/template.js';
import type { StartRequest } from '../../../src/compute/provider.js';
import { LocalProvider } from '../../../src/compute/local/provider.js';
import type { Instance } from '../../../src/core/environment.js';

/** A validated template (defaults filled in). */
export function template(input: Partial<TemplateInput> & { command?: string[] }): Template {
  return templateSchema.parse({ name: 'test', ...input });
}

/** A command that runs a snippet of (CommonJS) JavaScript with this Node. */
export function nodeScript(code: string): string[] {
  return [process.execPath, '-e', code];
}

/** A start request for env `envId`. */
export function request(envId: string, spec: Template, generation = 1): StartRequest {
  return { envId, name: envId.replace(/_/g, '-'), owner: 'alice', generation, spec };
}

/** Whether `pid` is a live process (a zombie counts as gone). */
export { alive } from '../../helpers/runner-process.js';

/**
 * A temporary data dir and providers on it that remember every instance started, so
 * `cleanup()` can stop whatever a failing test left running.
 */
export async function workspace(opts: { stopGraceSeconds?: number } = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'airlock-local-'));
  const started: Instance[] = [];
  const providers: LocalProvider[] = [];
  const make = (grace = opts.stopGraceSeconds ?? 1) => {
    const p = new LocalProvider({ dataDir, stopGraceSeconds: grace });
    const start = p.start.bind(p);
    p.start = async (req) => {
      const instance = await start(req);
      started.push(instance);
      return instance;
    };
    providers.push(p);
    return p;
  };
  return {
    dataDir,
    provider: make,
    async cleanup() {
      const killer = new LocalProvider({ dataDir, stopGraceSeconds: 0 });
      for (const instance of started) await killer.stop(instance, 'test cleanup').catch(() => {});
      for (const p of providers) await p.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
