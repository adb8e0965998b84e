/** The docs/netcheck.md catalog table row of one entry (the docs test checks the table against the code). */
import type { CatalogEntry } from '../../src/netcheck/catalog.js';

export function catalogRow(e: CatalogEntry): string {
  const host = e.host.replace('{region}', '<region>').replace('{dns}', 'amazonaws.com').replace('{account}', '<account>');
  const service = e.global ? `com.amazonaws.${e.endpointService}` : `com.amazonaws.<region>.${e.endpointService}`;
  return `| \`${e.id}\` | ${e.title} | \`${host}\` | \`${service}\` | ${e.kind} | ${e.need} | ${e.purpose} |`;
}
