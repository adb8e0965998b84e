import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { endpointsFor } from '../../src/netcheck/catalog.js';
import { ADMIN_TOKEN, ROOT, RunnerProcess } from '../helpers/runner-process.js';
import { startDnsServer, type FakeDnsServer } from '../helpers/dns-server.js';
import { ErrorWatch, launchBrowser, screenshotDir } from '../web/browser.js';

/** The endpoint the fake network cannot resolve, so the readiness table has a failure with its fix. */
const MISSING = 'secretsmanager';

/**
 * The dashboard as a person meets it: `airlock up` as a real process, Debian's Chromium,
 * the demo template on the local provider, the environment reached through the proxy.
 * SAVE_SCREENSHOT=1 also writes docs/screenshot.png (the README's picture).
 */
describe('dashboard, end to end (airlock up + Chromium)', () => {
  // The network check runs against a DNS server and a TCP listener on loopback: every
  // endpoint but one resolves to 127.0.0.1, so the runner page has a real report.
  const configDir = mkdtempSync(join(tmpdir(), 'airlock-dashboard-config-'));
  const configPath = join(configDir, 'airlock.yaml');
  const runner = new RunnerProcess({ configPath });
  let dns: FakeDnsServer;
  let listener: Server;
  const shots = screenshotDir('airlock-dashboard');
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: ErrorWatch;
  let step = 0;
  const shot = async (name: string, p: Page = page) => {
    const path = join(shots, `${String(++step).padStart(2, '0')}-${name}.png`);
    await p.screenshot({ path });
    return path;
  };
  const apiCall = (method: string, path: string, body?: unknown) =>
    fetch(`${runner.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  before(async () => {
    listener = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const probePort = (listener.address() as { port: number }).port;
    const records: Record<string, { A: string[] }> = {};
    for (const e of endpointsFor({ region: 'eu-west-1', features: [] })) if (e.id !== MISSING) records[e.hostname] = { A: ['127.0.0.1'] };
    dns = await startDnsServer({ records });
    const netcheck = { enabled: true, region: 'eu-west-1', features: [], resolver: dns.server, port: probePort, timeout: 2 };
    writeFileSync(configPath, JSON.stringify({ netcheck }));
    await runner.start();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
    context.setDefaultTimeout(15_000);
    errors = new ErrorWatch(context);
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await runner.stop();
    runner.cleanup();
    await dns?.close();
    listener?.close();
    rmSync(configDir, { recursive: true, force: true });
    if (process.env.KEEP_SCREENSHOTS) console.log(`screenshots kept in ${shots}`);
    else rmSync(shots, { recursive: true, force: true });
  });

  test('the runner serves the dashboard at /', async () => {
    const r = await fetch(`${runner.url}/`);
    assert.equal(r.status, 200, `GET / answered ${r.status}: is dashboardPlugin registered in the runner's rootPlugins?`);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await r.text(), /\/assets\/js\/main\.js/);
  });

  test('sign in with the admin token', async () => {
    await page.goto(`${runner.url}/`);
    await page.waitForURL(/\/signin\?next=%2F$/);
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await shot('signin');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Environments', level: 1 }).waitFor();
    await page.getByText('No environments yet — create one').waitFor();
    assert.match(await page.locator('.whoami').innerText(), /admin/);
    errors.check('sign in');
  });

  test('create an environment from the demo template and see it turn running without reloading', async () => {
    await page.locator('.live-dot.live-live').waitFor();
    await page.evaluate(() => { (window as unknown as { marker: string }).marker = 'same page'; });
    assert.match(await page.locator('#template-details').innerText(), /file browser/i);
    await page.getByLabel('Name', { exact: true }).fill('demo');
    await page.getByLabel('Template').selectOption('demo');
    await page.getByRole('button', { name: 'Create environment' }).click();
    const row = page.locator('tr[data-env="demo"]');
    await row.waitFor();
    await row.locator('[data-state="running"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: string }).marker), 'same page', 'no reload happened');
    assert.equal(await row.locator('[data-action="open"]').getAttribute('href'), `http://demo.localhost:${runner.port}/`);
    errors.check('create');
  });

  test('see the idle countdown tick', async () => {
    const idle = page.locator('tr[data-env="demo"] .col-idle-stop');
    const first = await idle.innerText();
    assert.match(first, /^in (29 min \d+ s|30 min)$/, 'the demo template stops after 30 idle minutes');
    await page.waitForFunction((before) => document.querySelector('tr[data-env="demo"] .col-idle-stop')?.textContent !== before, first);
    assert.match(await idle.innerText(), /^in 29 min \d+ s$/);
  });

  test('an environment created through the API (as the CLI does) appears live', async () => {
    const r = await apiCall('POST', '/environments', { name: 'notes', template: 'demo' });
    assert.equal(r.status, 201, await r.text());
    await page.locator('tr[data-env="notes"] [data-state="running"]').waitFor({ timeout: 30_000 });
    const names = await page.locator('#env-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.env));
    assert.deepEqual(names, ['demo', 'notes']);
    await shot('environments');
    errors.check('second environment');
  });

  test('the environment page links its port through the proxy, which shows the environment', async () => {
    await page.getByRole('link', { name: 'demo', exact: true }).click();
    await page.waitForURL(/\/environments\/demo$/);
    const link = page.locator('#ports-table a.port-link');
    const href = await link.getAttribute('href');
    assert.equal(href, `http://8080--demo.localhost:${runner.port}/`);
    await page.locator('#timeline li.timeline-ready').waitFor();
    assert.match(await page.locator('#timeline').innerText(), /\+\d/);
    await shot('environment');
    const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
    // No session on the environment host yet: the proxy sends the browser through the
    // runner's authorize route (signed in already) and back with a one-time code.
    const envOrigin = `http://8080--demo.localhost:${runner.port}`;
    await tab.waitForURL((u) => u.origin === envOrigin && !u.pathname.startsWith('/__airlock/'), { timeout: 15_000 });
    await tab.waitForLoadState('load');
    assert.match(await tab.title(), /demo workspace/);
    await shot('through-proxy', tab);
    await tab.close();
    errors.check('open through the proxy');
  });

  test('stop it: the page follows, and the idle countdown is gone', async () => {
    const toggle = page.locator('.page-head [data-action="toggle"]');
    await toggle.click();
    await page.locator('.title-badge [data-state="stopped"]').waitFor({ timeout: 30_000 });
    assert.equal(await toggle.innerText(), 'Start');
    assert.equal(await page.locator('#fact-idle-stop').innerText(), '—');
    await page.locator('#timeline li.timeline-stopped').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Environments' }).click();
    await page.locator('tr[data-env="demo"] [data-state="stopped"]').waitFor();
    assert.equal(await page.locator('tr[data-env="demo"] .col-idle-stop').innerText(), '—');
    // One running and one stopped environment: the picture the README shows.
    await page.locator('body').click({ position: { x: 5, y: 700 } });
    const path = await shot('stopped');
    if (process.env.SAVE_SCREENSHOT === '1') copyFileSync(path, join(ROOT, 'docs', 'screenshot.png'));
    errors.check('stop');
  });

  test('the runner page shows version, mode, store, provider and the readiness table', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runner' }).click();
    const facts = page.locator('#runner-facts');
    await facts.waitFor();
    assert.match(await facts.innerText(), /Mode\s+local[\s\S]*Store\s+sqlite[\s\S]*Compute provider\s+local/i);
    const status = page.locator('#network-status');
    await status.waitFor();
    // The first check runs in the background after start: refresh until it has reported.
    for (let i = 0; i < 20 && (await status.getAttribute('data-status')) === 'pending'; i++) {
      await page.waitForTimeout(500);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    assert.equal(await status.getAttribute('data-status'), 'degraded', await status.innerText());
    assert.match(await status.innerText(), /Degraded[\s\S]*1 required endpoint could not be reached/);
    const rows = page.locator('#network-table tbody tr');
    assert.ok((await rows.count()) >= 5, 'a row per endpoint');
    const missing = page.locator(`#network-table tr[data-endpoint="${MISSING}"]`);
    assert.match(await missing.innerText(), /Failed[\s\S]*Unreachable[\s\S]*name does not exist[\s\S]*Fix: /);
    const reachable = rows.filter({ has: page.locator('.badge-ok') });
    assert.equal(await reachable.count(), (await rows.count()) - 1);
    assert.match(await reachable.first().innerText(), /Local[\s\S]*DNS \d+ ms · TCP \d+ ms/);
    await shot('runner');
    errors.check('runner page');
  });

  test('the tokens page works for the signed-in admin', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).click();
    await page.locator('#users-table tr[data-user="admin"]').waitFor();
    await page.locator('#my-tokens tbody tr').first().waitFor();
    await shot('tokens');
    errors.check('tokens page');
  });

  test('sign out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin\?signedout=1$/);
    const me = await page.request.get(`${runner.url}/api/v1/me`);
    assert.equal(me.status(), 401, 'the session cookie no longer works');
    await page.goto(`${runner.url}/environments/demo`);
    await page.waitForURL(/\/signin\?next=%2Fenvironments%2Fdemo$/);
    errors.check('sign out');
    const del = await apiCall('DELETE', '/environments/notes');
    assert.equal(del.status, 202);
  });
});
