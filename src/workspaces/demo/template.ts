import type { TemplateInput } from '../../core/template.js';
import { demoServerCommand } from './command.js';

/** The port the demo workspace declares (the provider maps it to a free local port). */
export const DEMO_PORT = 8080;

/** The built-in `demo` template: the demo workspace, run by the local provider. */
export function demoTemplate(): TemplateInput {
  return {
    name: 'demo',
    description: 'A file browser of the environment home folder, built in (local provider)',
    command: demoServerCommand(),
    ports: [{ port: DEMO_PORT, name: 'files', protocol: 'http', healthPath: '/healthz' }],
  };
}
