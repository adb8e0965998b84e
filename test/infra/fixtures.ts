/**
 * Shared helpers for the infra tests: synthesise a mode once, then query the template.
 * CDK synthesis takes seconds, so each test file synthesises each mode exactly once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synthesize, type SynthesizeOptions, type SynthesizeResult } from '../../src/infra/synth.js';

export interface Synthesised {
  result: SynthesizeResult;
  /** The template read back from the YAML file `airlock synth` wrote. */
  json: CfnTemplate;
  template: Template;
  /** cdk-nag findings that are neither fixed nor acknowledged. */
  nagErrors: string[];
  nagWarnings: string[];
}

export interface CfnResource { Type: string; Properties?: Record<string, any>; Condition?: string }
export interface CfnTemplate { Resources: Record<string, CfnResource>; Outputs?: Record<string, { Value: unknown }>; Rules?: Record<string, unknown>; Parameters?: Record<string, any> }

/** Synthesises like `airlock synth` does (nag checked separately so findings can be listed). */
export function synthMode(opts: Omit<SynthesizeOptions, 'outDir'>): Synthesised {
  const outDir = mkdtempSync(join(tmpdir(), 'airlock-infra-test-'));
  try {
    const result = synthesize({ ...opts, outDir, nag: false });
    const yamlFile = result.files.find((f) => f.endsWith('.template.yaml'));
    if (!yamlFile) throw new Error('synthesize wrote no template');
    const json = parse(readFileSync(yamlFile, 'utf8')) as CfnTemplate;
    const report = new AwsSolutionsChecks().validateScope(result.built.app);
    const describe = (v: (typeof report.violations)[number]) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`;
    return {
      result,
      json,
      template: Template.fromJSON(json as unknown as Record<string, unknown>),
      nagErrors: report.violations.filter((v) => v.severity === 'error').map(describe),
      nagWarnings: report.violations.filter((v) => v.severity !== 'error').map(describe),
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Resources of one type, by logical id. */
export function resourcesOf(t: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt: [id, …] }` points at. */
export function refId(v: unknown): string | undefined {
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.Ref === 'string') return o.Ref;
    const att = o['Fn::GetAtt'];
    if (Array.isArray(att) && typeof att[0] === 'string') return att[0];
  }
  return undefined;
}

/** `com.amazonaws.<region>.ecr.api` → `ecr.api`, for the endpoint's ServiceName (joined with the Region token). */
export function serviceSuffix(serviceName: unknown): string {
  if (typeof serviceName === 'string') return serviceName.replace(/^.*?amazonaws\.(?:[a-z0-9-]+\.)?/, '');
  const join = (serviceName as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return '';
  const last = join[1][join[1].length - 1];
  return typeof last === 'string' ? last.replace(/^\./, '') : '';
}

/** A security group's logical id by (part of) its description. */
export function securityGroupId(t: CfnTemplate, description: string): string {
  const hit = resourcesOf(t, 'AWS::EC2::SecurityGroup').find(([, r]) => String(r.Properties?.GroupDescription ?? '').includes(description));
  if (!hit) throw new Error(`no security group described "${description}"`);
  return hit[0];
}
