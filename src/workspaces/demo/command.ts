import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The command that runs the demo workspace: `node <compiled server.js>`. When running
 * from the TypeScript sources (tests under tsx) there is no server.js beside this file,
 * so the workload is started with the tsx loader instead.
 */
export function demoServerCommand(): string[] {
  const js = fileURLToPath(new URL('./server.js', import.meta.url));
  if (existsSync(js)) return [process.execPath, js];
  const ts = fileURLToPath(new URL('./server.ts', import.meta.url));
  return [process.execPath, '--import', import.meta.resolve('tsx'), ts];
}
