import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_TOKEN, ROOT, RunnerProcess } from '../helpers/runner-process.js';
import { ErrorWatch, launchBrowser, screenshotDir } from '../web/browser.js';

/**
 * The dashboard as a person meets it: `airlock up` as a real process, Debian's Chromium,
 * the demo template on the local provider, the environment reached through the proxy.
 * SAVE_SCREENSHOT=1 also writes docs/screenshot.png (the README's picture).
 */
describe('dashboard, end to end (airlock up + Chromium)', () => {
  const runner = new RunnerProcess();
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

  test('the runner page shows version, mode, store, provider and network readiness', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runner' }).click();
    const facts = page.locator('#runner-facts');
    await facts.waitFor();
    assert.match(await facts.innerText(), /Mode\s+local[\s\S]*Store\s+sqlite[\s\S]*Compute provider\s+local/i);
    const status = page.locator('#network-status');
    await status.waitFor();
    const kind = await status.getAttribute('data-status');
    // A local runner has the network check off unless its config turns it on.
    if (kind === 'disabled') assert.match(await status.innerText(), /^Not checked\. The network check is off/);
    else {
      assert.match(String(kind), /^(ready|degraded|pending)$/);
      if (kind !== 'pending') assert.ok(await page.locator('#network-table tbody tr').count() > 0, 'a row per endpoint');
    }
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
