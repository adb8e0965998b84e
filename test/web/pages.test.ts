import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { NetcheckReport } from '../../src/netcheck/report.js';
import { ADMIN_TOKEN, startHarness, type Harness } from './harness.js';
import { ErrorWatch, contrastProblems, launchBrowser, screenshotDir } from './browser.js';

/** A degraded report: one endpoint through a VPC endpoint, one unreachable with a fix. */
function report(): NetcheckReport {
  const base = { vpcEndpointServiceName: '', kind: 'interface' as const, need: 'core', required: true, addresses: [], note: undefined };
  return {
    status: 'degraded', region: 'eu-west-1', partition: 'aws', mode: 'isolated', startedAt: new Date().toISOString(), durationMs: 42,
    timeoutMs: 3000, port: 443, resolvers: ['10.0.0.2'], task: { addresses: ['10.0.1.5'], hasPublicIp: false, source: 'given' },
    summary: { endpoints: 2, required: 2, reachable: 1, failedRequired: 1, failedOptional: 0 },
    endpoints: [
      { ...base, id: 'logs', title: 'CloudWatch Logs', hostname: 'logs.eu-west-1.amazonaws.com', status: 'ok', access: 'vpc_endpoint', dnsMs: 3, connectMs: 2, detail: 'resolves to 10.0.3.4 (private)' },
      { ...base, id: 'ecr.api', title: 'ECR API', hostname: 'api.ecr.eu-west-1.amazonaws.com', status: 'failed', access: 'unreachable', reason: 'timeout', dnsMs: 4, connectMs: null,
        detail: 'resolves to public addresses; no connection within 3 s', fix: 'add an interface endpoint for com.amazonaws.eu-west-1.ecr.api with private DNS' },
    ],
  };
}

describe('dashboard pages in a browser (in-process runner)', () => {
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: ErrorWatch;
  const shots = screenshotDir('airlock-pages');
  let step = 0;
  const shot = (name: string) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });

  before(async () => {
    h = await startHarness({ network: { latest: report, history: () => [] } });
    h.provider.readyDelayMs = 1200;
    await h.listen();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(8000);
    errors = new ErrorWatch(context);
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
    if (process.env.KEEP_SCREENSHOTS) console.log(`screenshots kept in ${shots}`);
    else rmSync(shots, { recursive: true, force: true });
  });

  test('a page that needs a session sends the browser to sign in, keeping where it was going', async () => {
    await page.goto(`${h.url}/runner`);
    await page.waitForURL(/\/signin\?next=%2Frunner$/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.locator('#topbar').isHidden(), true);
    errors.check('redirect to sign-in');
  });

  test('sign-in: a wrong token is refused in words; the right one goes on to `next`', async () => {
    await page.getByLabel('API token').fill('alk_wrong_token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /not accepted/);
    assert.equal(await page.getByLabel('API token').getAttribute('aria-invalid'), 'true');
    errors.allow(/status of 401/);
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${h.url}/runner`);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'airlock_session');
    assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
    errors.check('sign-in');
  });

  test('runner page: version and mode, and the readiness table with the fix for what fails', async () => {
    await page.locator('#runner-facts').waitFor();
    assert.match(await page.locator('#runner-facts').innerText(), /9\.9\.9-test[\s\S]*local[\s\S]*sqlite[\s\S]*fake/);
    const status = page.locator('#network-status');
    await status.waitFor();
    assert.equal(await status.getAttribute('data-status'), 'degraded');
    assert.match(await status.innerText(), /Degraded[\s\S]*1 required endpoint could not be reached/);
    const rows = page.locator('#network-table tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(0).innerText(), /CloudWatch Logs[\s\S]*Reachable[\s\S]*VPC endpoint[\s\S]*DNS 3 ms · TCP 2 ms/);
    assert.match(await rows.nth(1).innerText(), /ECR API[\s\S]*Failed[\s\S]*Unreachable[\s\S]*connection timed out[\s\S]*Fix: add an interface endpoint/);
    await shot('runner');
    assert.deepEqual(await contrastProblems(page), [], 'text contrast on the runner page');
    errors.check('runner page');
  });

  test('environments: the empty state, then the name checked inline before anything is sent', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Environments' }).click();
    await page.waitForURL(`${h.url}/`);
    await page.getByText('No environments yet — create one').waitFor();
    assert.match(await page.locator('#template-details').innerText(), /A small web workspace[\s\S]*1 vCPU[\s\S]*8080 \(ide\), 3000[\s\S]*30 min/);
    const name = page.getByLabel('Name', { exact: true });
    await name.fill('Bad_Name');
    await page.getByRole('button', { name: 'Create environment' }).click();
    assert.equal(await page.locator('#env-name-error').innerText(), 'Use lowercase letters only.');
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    await name.fill('a--b');
    assert.match(await page.locator('#env-name-error').innerText(), /single hyphens/);
    assert.equal((await h.store.listEnvironments({})).length, 0, 'nothing was sent');
    await shot('empty');
    errors.check('validation');
  });

  test('create: the row appears and turns running without a reload; the idle countdown runs', async () => {
    await page.evaluate(() => { (window as unknown as { marker: number }).marker = 42; });
    await page.getByLabel('Name', { exact: true }).fill('demo');
    await page.getByRole('button', { name: 'Create environment' }).click();
    const row = page.locator('tr[data-env="demo"]');
    await row.waitFor();
    await row.locator('[data-state="starting"], [data-state="pending"]').first().waitFor();
    await row.locator('[data-state="running"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'the page was not reloaded');
    const idle = row.locator('.col-idle-stop');
    const first = await idle.innerText();
    assert.match(first, /^in (29 min \d+ s|30 min)$/);
    await page.waitForFunction((before) => document.querySelector('tr[data-env="demo"] .col-idle-stop')?.textContent !== before, first);
    assert.equal(await page.locator('#announcer').innerText(), 'demo is running.');
    await shot('running');
    assert.deepEqual(await contrastProblems(page), [], 'text contrast on the environments page');
    errors.check('create');
  });

  test('an error from the API is shown next to the field, in words', async () => {
    // Someone else took the name: the API refuses it (the local check cannot know).
    await h.app.inject({ method: 'POST', url: '/api/v1/environments', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { name: 'taken', template: 'web' } });
    errors.allow(/status of 409/);
    await page.getByLabel('Name', { exact: true }).fill('taken');
    await page.getByRole('button', { name: 'Create environment' }).click();
    await page.locator('#env-name-error', { hasText: 'already exists' }).waitFor();
    assert.match(await page.locator('#env-name-error').innerText(), /^Environment "taken" already exists; choose another name/i);
    await page.getByLabel('Template').focus();
    assert.match(await page.locator('#env-name-error').innerText(), /already exists/, 'leaving the field keeps the message');
    await page.getByLabel('Name', { exact: true }).fill('taken-2');
    assert.equal(await page.locator('#env-name-error').innerText(), '', 'a new name clears it');
    errors.check('API error');
  });

  test('one environment: ports as links with share levels, timeline with durations, log tail', async () => {
    await page.getByRole('link', { name: 'demo', exact: true }).click();
    await page.waitForURL(`${h.url}/environments/demo`);
    await page.getByRole('heading', { name: /demo/, level: 1 }).waitFor();
    const ports = page.locator('#ports-table tbody tr');
    await ports.first().waitFor();
    assert.equal(await ports.count(), 2);
    assert.equal(await ports.nth(0).getByRole('link').getAttribute('href'), 'http://8080--demo.localhost:7080/');
    assert.match(await ports.nth(0).innerText(), /8080[\s\S]*ide[\s\S]*Only the owner \(owner\)/);
    assert.match(await ports.nth(1).innerText(), /3000[\s\S]*Anyone with the link \(public\)/);
    await page.locator('#timeline li').nth(1).waitFor();
    const timeline = await page.locator('#timeline').innerText();
    assert.match(timeline, /Created/);
    assert.match(timeline, /Ready/);
    assert.match(timeline, /\+(\d+ ms|\d+\.\d s)/);
    await page.locator('#logs').waitFor();
    assert.ok((await page.locator('#logs').innerText()).length > 0);
    await shot('environment');
    assert.deepEqual(await contrastProblems(page), [], 'text contrast on the environment page');
    errors.check('environment page');
  });

  test('stop asks nothing, delete asks first; both update the page live', async () => {
    const toggle = page.locator('.page-head [data-action="toggle"]');
    assert.equal(await toggle.innerText(), 'Stop');
    await toggle.click();
    await page.locator('.title-badge [data-state="stopped"]').waitFor({ timeout: 10_000 });
    assert.equal(await toggle.innerText(), 'Start');
    assert.equal(await page.locator('#fact-idle-stop').innerText(), '—');
    await page.locator('.page-head [data-action="delete"]').click();
    const dialog = page.getByRole('dialog', { name: 'Delete demo?' });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'the safe choice has the focus');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(await h.store.getEnvironment('demo'), 'Escape cancelled the delete');
    await page.locator('.page-head [data-action="delete"]').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(`${h.url}/`);
    await page.locator('tr[data-env="demo"]').waitFor({ state: 'detached', timeout: 10_000 });
    errors.check('stop and delete');
  });

  test('tokens: create one (the secret is shown once) and revoke it; admins create users', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).click();
    await page.getByRole('heading', { name: 'Tokens and users' }).waitFor();
    await page.locator('#tokens-admin-label').fill('laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.locator('#new-secret').innerText();
    assert.match(secret, /^alk_/);
    const row = page.locator('#my-tokens tbody tr', { hasText: 'laptop' });
    await row.waitFor();
    await row.getByRole('button', { name: /Revoke token laptop/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('Revoked').waitFor();
    await page.getByLabel('New user name').fill('bob');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.locator('#users-table tr[data-user="bob"]').waitFor();
    assert.match(await page.locator('.notice-success').last().innerText(), /bob was created/);
    await page.getByRole('button', { name: 'Show the tokens of bob' }).click();
    await page.locator('#tokens-of-bob tbody tr', { hasText: 'first token' }).waitFor();
    await shot('tokens');
    assert.deepEqual(await contrastProblems(page), [], 'text contrast on the tokens page');
    errors.check('tokens');
  });

  test('works at 640 px wide without the page scrolling sideways, and by keyboard', async () => {
    await page.setViewportSize({ width: 640, height: 800 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Environments' }).click();
    await page.locator('tr[data-env="taken"]').waitFor();
    await page.reload();
    await page.locator('tr[data-env="taken"]').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.equal(outline, 'solid', 'focus is visible');
    await shot('narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
    errors.check('narrow');
  });

  test('sign out ends the session: pages send the browser back to sign in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin\?signedout=1$/);
    await page.getByText('You are signed out.').waitFor();
    const r = await page.request.get(`${h.url}/api/v1/me`);
    assert.equal(r.status(), 401);
    await page.goto(`${h.url}/tokens`);
    await page.waitForURL(/\/signin\?next=%2Ftokens$/);
    errors.check('sign out');
  });
});

describe('dashboard for a member', () => {
  test('sees only their own environments, no owner column, and no user management', async () => {
    const h = await startHarness();
    await h.listen();
    const browser = await launchBrowser();
    try {
      const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const user = await h.app.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload: { name: 'mia' } });
      const token = user.json().token as string;
      await h.app.inject({ method: 'POST', url: '/api/v1/environments', headers: admin, payload: { name: 'admins-env', template: 'web' } });
      await h.app.inject({ method: 'POST', url: '/api/v1/environments', headers: { authorization: `Bearer ${token}` }, payload: { name: 'mias-env', template: 'web' } });
      const context = await browser.newContext();
      context.setDefaultTimeout(8000);
      const errors = new ErrorWatch(context);
      const page = await context.newPage();
      await page.goto(`${h.url}/signin`);
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('tr[data-env="mias-env"]').waitFor();
      assert.equal(await page.locator('#env-table tbody tr').count(), 1);
      assert.equal(await page.locator('#env-table th.col-owner').count(), 0);
      assert.doesNotMatch(await page.locator('.whoami').innerText(), /admin/);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).click();
      await page.getByRole('heading', { name: 'Tokens', level: 1 }).waitFor();
      await page.locator('#my-tokens tbody tr', { hasText: 'first token' }).waitFor();
      assert.equal(await page.locator('#users-table').count(), 0);
      errors.check('member');
    } finally {
      await browser.close();
      await h.close();
    }
  });
});

describe('dashboard without the live stream', () => {
  test('falls back to polling and still shows changes without a reload', async () => {
    const h = await startHarness({ live: false });
    await h.listen();
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      context.setDefaultTimeout(8000);
      const errors = new ErrorWatch(context);
      errors.allow(/status of 404/); // the missing stream
      errors.allow(/EventSource's response has a MIME type/);
      const page = await context.newPage();
      await page.goto(`${h.url}/signin`);
      await page.getByLabel('API token').fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('No environments yet — create one').waitFor();
      await page.locator('.live-dot.live-polling').waitFor();
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/environments', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { name: 'polled', template: 'web' } });
      assert.equal(r.statusCode, 201);
      await page.locator('tr[data-env="polled"] [data-state="running"]').waitFor({ timeout: 10_000 });
      errors.check('polling');
    } finally {
      await browser.close();
      await h.close();
    }
  });
});
