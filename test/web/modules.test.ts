import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { staticRoot } from '../../src/web/plugin.js';

// The browser modules that hold no DOM code run in Node as they are.
interface Validate {
  nameProblem(name: string): string;
  safeNext(next: string | null, origin: string): string;
  MAX_NAME: number;
}
interface Format {
  ago(iso: string, now?: number): string;
  age(iso: string, now?: number): string;
  timeLeft(iso: string, now?: number): string;
  span(ms: number): string;
  duration(ms: number): string;
  cpu(units: number): string;
  memory(mib: number): string;
  idleTimeout(seconds: number): string;
}

const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(staticRoot(), 'js', file)).href)) as T;

describe('dashboard browser modules', () => {
  test('environment names are checked with the API\'s rule, and the message says what to change', async () => {
    const { nameProblem, MAX_NAME } = await load<Validate>('validate.js');
    for (const ok of ['a', 'demo', 'my-api-2', 'x'.repeat(MAX_NAME)]) assert.equal(nameProblem(ok), '', ok);
    const cases: [string, RegExp][] = [
      ['', /Enter a name/],
      ['x'.repeat(41), /at most 40 characters \(this one has 41\)/],
      ['Demo', /lowercase/],
      ['2fast', /Start with a letter/],
      ['-a', /Start with a letter/],
      ['my_api', /only lowercase letters, digits and hyphens/],
      ['my api', /no spaces/],
      ['a--b', /single hyphens/],
      ['ab-', /not a hyphen/],
    ];
    for (const [name, message] of cases) assert.match(nameProblem(name), message, name);
  });

  test('safeNext follows only same-origin paths (no open redirect)', async () => {
    const { safeNext } = await load<Validate>('validate.js');
    const origin = 'http://localhost:7080';
    assert.equal(safeNext('/runner', origin), '/runner');
    assert.equal(safeNext('/environments/demo?x=1#logs', origin), '/environments/demo?x=1#logs');
    const authorize = '/api/v1/auth/authorize?host=8080--demo.localhost%3A7080&return=%2F';
    assert.equal(safeNext(authorize, origin), authorize);
    for (const bad of [null, '', 'https://evil.example/', '//evil.example/x', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)',
      '/\t/evil.example', 'http://localhost:7080/ok', ' /x', '/signin?next=/x']) {
      assert.equal(safeNext(bad, origin), '/', String(bad));
    }
  });

  test('times and durations read naturally', async () => {
    const f = await load<Format>('format.js');
    const now = Date.parse('2026-01-01T12:00:00Z');
    const at = (ms: number) => new Date(now + ms).toISOString();
    assert.equal(f.ago(at(-2000), now), 'just now');
    assert.equal(f.ago(at(-45_000), now), '45 s ago');
    assert.equal(f.ago(at(-12 * 60_000), now), '12 min ago');
    assert.equal(f.ago(at(-3 * 3600_000), now), '3 h ago');
    assert.equal(f.ago('not a date', now), '—');
    assert.equal(f.age(at(-(3 * 3600_000 + 5 * 60_000)), now), '3 h 5 min');
    assert.equal(f.timeLeft(at(29 * 60_000 + 12_000), now), '29 min 12 s');
    assert.equal(f.timeLeft(at(3600_000 + 4 * 60_000), now), '1 h 4 min');
    assert.equal(f.timeLeft(at(-1), now), 'due now');
    assert.equal(f.span(2 * 86_400_000), '2 d');
    assert.equal(f.duration(350), '350 ms');
    assert.equal(f.duration(1234), '1.2 s');
    assert.equal(f.duration(123_000), '2 min 3 s');
    assert.equal(f.cpu(512), '0.5 vCPU');
    assert.equal(f.memory(2048), '2 GiB');
    assert.equal(f.memory(512), '512 MiB');
    assert.equal(f.idleTimeout(0), 'never');
    assert.equal(f.idleTimeout(1800), '30 min');
  });
});
