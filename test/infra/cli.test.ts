/**
 * The synth, deploy and destroy commands offline: argument handling, the credential check
 * that fails at once, pricing, and aws-cdk-lib loading only for these commands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appOptionsFrom, parseInfraArgs } from '../../src/infra/cli-options.js';
import { findCredentialSource, parseIni, requireCredentials, type CredentialEnvironment } from '../../src/infra/credentials.js';
import { networkCost, PRICES } from '../../src/infra/pricing.js';
import { pickOutputs, OUTPUT_KEYS } from '../../src/infra/outputs.js';
import { ConfigError, ValidationError } from '../../src/core/errors.js';

test('synth options: defaults, lists and images are parsed into app options', () => {
  const a = parseInfraArgs('synth', []);
  assert.deepEqual({ mode: a.mode, out: a.out, json: a.json }, { mode: 'isolated', out: 'cdk.out/airlock', json: false });
  const o = appOptionsFrom(parseInfraArgs('synth', ['--mode', 'nat', '--region', 'eu-west-1', '--azs', '3', '--ec2-capacity', '--features', 'ecs-provider,exec', '--runner-image', 'team/airlock:1.2.3', '--client-cidrs', '10.0.0.0/8, 192.168.0.0/16']), {});
  assert.equal(o.mode, 'nat');
  assert.equal(o.region, 'eu-west-1');
  assert.equal(o.azs, 3);
  assert.equal(o.ec2Capacity, true);
  assert.deepEqual(o.features, ['ecs-provider', 'exec']);
  assert.deepEqual(o.runnerImage, { repositoryName: 'team/airlock', tag: '1.2.3' });
  assert.deepEqual(o.clientCidrs, ['10.0.0.0/8', '192.168.0.0/16']);
  assert.equal(appOptionsFrom(parseInfraArgs('synth', []), { AWS_REGION: 'ap-south-1' }).region, 'ap-south-1');
});

test('synth options: bad values name the option', () => {
  assert.throws(() => parseInfraArgs('synth', ['--mode', 'open']), (e: unknown) => e instanceof ConfigError && /--mode/.test(e.message));
  assert.throws(() => parseInfraArgs('synth', ['--azs', '4']), (e: unknown) => e instanceof ConfigError && /--azs/.test(e.message));
  assert.throws(() => parseInfraArgs('synth', ['--region', 'moon']), (e: unknown) => e instanceof ConfigError && /--region: not an AWS Region/.test(e.message));
  assert.throws(() => parseInfraArgs('synth', ['--features', 'gpu']), (e: unknown) => e instanceof ConfigError && /--features/.test(e.message));
  assert.throws(() => parseInfraArgs('synth', ['--runner-image', 'airlock']), (e: unknown) => e instanceof ConfigError && /<repository>:<tag>/.test(e.message));
  assert.throws(() => parseInfraArgs('synth', ['--mode', 'existing-vpc']), (e: unknown) => e instanceof ValidationError && /--vpc-id, --subnet-ids/.test(e.message));
  assert.throws(() => parseInfraArgs('synth', ['--vpc-id', 'vpc-1']), (e: unknown) => e instanceof ValidationError && /only apply with --mode existing-vpc/.test(e.message));
  assert.throws(() => parseInfraArgs('synth', ['extra']), /no positional arguments/);
  assert.throws(() => parseInfraArgs('synth', ['--bogus']), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION');
});

function credEnv(env: Record<string, string>, files: Record<string, string> = {}): CredentialEnvironment {
  return { env: { AWS_EC2_METADATA_DISABLED: 'true', ...env }, home: '/home/u', readFile: (p) => files[p] };
}

test('credentials: each source of the default chain is recognised without a network call', () => {
  assert.equal(findCredentialSource(credEnv({})), undefined);
  assert.match(findCredentialSource(credEnv({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's' }))!.source, /environment variables/);
  assert.equal(findCredentialSource(credEnv({ AWS_ACCESS_KEY_ID: 'AKIA' })), undefined, 'a key id alone is not credentials');
  assert.match(findCredentialSource(credEnv({}, { '/home/u/.aws/credentials': '[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n' }))!.source, /profile "default"/);
  assert.match(findCredentialSource(credEnv({ AWS_PROFILE: 'dev' }, { '/home/u/.aws/config': '[profile dev]\nsso_session = corp\nsso_account_id = 1\n' }))!.source, /profile "dev" in \/home\/u\/.aws\/config/);
  assert.match(findCredentialSource(credEnv({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' }))!.source, /container/);
  assert.match(findCredentialSource(credEnv({ AWS_WEB_IDENTITY_TOKEN_FILE: '/t', AWS_ROLE_ARN: 'arn:aws:iam::1:role/r' }))!.source, /web identity/);
  const ec2: CredentialEnvironment = { env: {}, home: '/h', readFile: (p) => (p.endsWith('sys_vendor') ? 'Amazon EC2\n' : undefined) };
  assert.match(findCredentialSource(ec2)!.source, /instance metadata/);
  assert.throws(() => findCredentialSource(credEnv({ AWS_PROFILE: 'nope' })), /AWS profile "nope" .*aws configure --profile nope/);
  assert.throws(() => requireCredentials('deploy', credEnv({})), /airlock deploy needs AWS credentials .*`aws configure`/);
  assert.deepEqual([...parseIni('# c\n[a]\nK = v = w\n').get('a')!], [['k', 'v = w']]);
});

test('pricing: monthly cost of endpoints and NAT gateways from the dated constants', () => {
  assert.equal(PRICES.asOf, '2025-11');
  const iso = networkCost(8, 2, 0);
  assert.equal(iso.endpointsMonthly, 116.8);
  assert.equal(iso.natMonthly, 0);
  const nat = networkCost(0, 3, 3);
  assert.equal(nat.natMonthly, 109.5); // 3 × (0.045 + 0.005) × 730
  assert.equal(nat.perGb, 0.045);
});

test('outputs: the runner keys are picked, a missing key is an error', () => {
  const all = Object.fromEntries([...OUTPUT_KEYS, 'LoadBalancerDnsName'].map((k) => [k, `v-${k}`]));
  assert.deepEqual(Object.keys(pickOutputs(all)), [...OUTPUT_KEYS]);
  assert.throws(() => pickOutputs({ ClusterName: 'c' }), /lack SubnetIds/);
});

/** Runs the CLI in a child with no AWS credentials and reports whether aws-cdk-lib was loaded. */
function cli(args: string[]): { status: number | null; stderr: string; stdout: string; cdkLoaded: boolean } {
  const home = mkdtempSync(join(tmpdir(), 'airlock-nocreds-'));
  try {
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'config'), '[default]\nregion = eu-west-1\n');
    const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const script = `
      import { createRequire } from 'node:module';
      const { main } = await import(${JSON.stringify(main)});
      const code = await main(${JSON.stringify(args)});
      const cache = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write('\\nCDK_LOADED=' + cache.some((k) => k.includes('/aws-cdk-lib/')) + '\\n');
      process.exitCode = code;`;
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1' };
    const r = spawnSync(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--test')), '--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stderr: r.stderr, stdout: r.stdout, cdkLoaded: /CDK_LOADED=true/.test(r.stdout) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

test('deploy without credentials fails at once with a clear message, before loading aws-cdk-lib', () => {
  const r = cli(['deploy', '--domain', 'dev.example.com']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /airlock deploy needs AWS credentials .*aws configure.*airlock synth/);
  assert.equal(r.cdkLoaded, false);
});

test('deploy and destroy check their arguments offline', () => {
  const noDomain = cli(['deploy']);
  assert.equal(noDomain.status, 1);
  assert.match(noDomain.stderr, /needs --domain/);
  const unconfirmed = cli(['destroy']);
  assert.equal(unconfirmed.status, 1);
  assert.match(unconfirmed.stderr, /pass --yes to confirm/);
  const destroyNoCreds = cli(['destroy', '--yes', '--region', 'eu-west-1']);
  assert.equal(destroyNoCreds.status, 1);
  assert.match(destroyNoCreds.stderr, /airlock destroy needs AWS credentials/);
  const badMode = cli(['deploy', '--domain', 'dev.example.com', '--mode', 'open']);
  assert.equal(badMode.status, 1);
  assert.match(badMode.stderr, /--mode/);
  const unknown = cli(['destroy', '--force']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /Unknown option '--force'/);
  const help = cli(['deploy', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: airlock deploy/);
  for (const r of [noDomain, unconfirmed, destroyNoCreds, badMode, help]) assert.equal(r.cdkLoaded, false);
});
