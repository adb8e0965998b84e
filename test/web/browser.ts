/**
 * Headless Chromium for dashboard tests (Debian's `chromium` driven by playwright-core),
 * with every JavaScript error on a page counted as a failure.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where Debian installs Chromium (`.ci/run` installs it); AIRLOCK_CHROMIUM overrides. */
export const CHROMIUM = process.env.AIRLOCK_CHROMIUM ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * Console messages that are the browser logging an HTTP status the page expected
 * and handled (a 401 while probing the session). Anything else is a failure.
 */
const EXPECTED_CONSOLE = [/Failed to load resource: the server responded with a status of 401/];

/** Collects uncaught exceptions and console errors from every page of a context. */
export class ErrorWatch {
  readonly errors: string[] = [];
  private allowed: RegExp[] = [...EXPECTED_CONSOLE];

  constructor(context: BrowserContext) {
    const watch = (page: Page) => {
      page.on('pageerror', (err) => this.errors.push(`pageerror on ${page.url()}: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        const text = msg.text();
        if (this.allowed.some((re) => re.test(text))) return;
        // A site without a favicon (the demo workspace) is not a script error.
        if (/^Failed to load resource/.test(text) && /\/favicon\.ico$/.test(msg.location().url)) return;
        this.errors.push(`console error on ${page.url()}: ${text}`);
      });
    };
    context.pages().forEach(watch);
    context.on('page', watch);
  }

  /** Allows one more expected console message (for a step that provokes an HTTP error on purpose). */
  allow(re: RegExp): void {
    this.allowed.push(re);
  }

  /** Throws when any error was seen since the last call. */
  check(step: string): void {
    const found = this.errors.splice(0);
    if (found.length) throw new Error(`JavaScript errors during "${step}":\n${found.join('\n')}`);
  }
}

/** A temporary folder for screenshots taken during a test. */
export function screenshotDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/**
 * Text whose colour is below 4.5:1 against its background (WCAG AA for body text),
 * checked on what the page shows now. Disabled controls are exempt, as in WCAG.
 * The check is plain JavaScript text so no compiler helper leaks into the page.
 */
export async function contrastProblems(page: Page): Promise<string[]> {
  return page.evaluate(CONTRAST_CHECK) as Promise<string[]>;
}

const CONTRAST_CHECK = `(() => {
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p[3] ?? 1];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0.5) return bg;
    }
    return [255, 255, 255, 1];
  };
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim()) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('[hidden], .visually-hidden, [aria-disabled="true"], :disabled, .skip-link')) continue;
    if (!el.offsetParent && style.position !== 'fixed') continue;
    const l1 = lum(parse(style.color));
    const l2 = lum(background(el));
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 4.5) problems.push('"' + n.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2) + ':1 (' + style.color + ')');
  }
  return problems;
})()`;
