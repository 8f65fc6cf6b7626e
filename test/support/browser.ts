import fs from 'node:fs';
import net from 'node:net';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startTestSite, type TestSite } from './site.js';
import type { Clock } from '#core/clock.js';

/**
 * Browser tests drive the system's Chromium (the Debian package), never a downloaded one.
 * CHROMIUM_PATH points elsewhere when it is installed in another place.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium was not found at ${executablePath}: install it with \`sudo apt-get install -y chromium\` (Debian/Ubuntu) or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface ServedSite extends TestSite {
  /** Where the site listens, e.g. http://127.0.0.1:41234 (also its BASE_URL, so e-mailed links work). */
  baseUrl: string;
}

/** A port nobody listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A test site listening on a real port of 127.0.0.1, with BASE_URL set to that address: the app
 * reads BASE_URL when it is built (links in e-mails, the feed), so the port is chosen first. Another
 * process could take the port between the probe and the listen; then we start over on a new one.
 * site.close() stops the server too.
 */
export async function serveTestSite(options: { env?: Record<string, string>; clock?: Clock } = {}): Promise<ServedSite> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const site = await startTestSite({ ...options, env: { ...options.env, BASE_URL: baseUrl } });
    try {
      await site.app.listen({ port, host: '127.0.0.1' });
      return Object.assign(site, { baseUrl });
    } catch (err) {
      await site.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw err;
    }
  }
}

/** Log in through the form, the way a person does: fields found by their labels. */
export async function logIn(page: Page, baseUrl: string, email: string, password: string) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('E-mail address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await clickAndLoad(page.getByRole('button', { name: 'Log in', exact: true }));
}

/**
 * Everything the page reports as an error: console errors (a CSP refusal shows up there) and
 * uncaught exceptions. Read `.problems` after the page has been used.
 */
export function watchConsole(page: Page) {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const source = msg.location().url;
    if (/^Failed to load resource: the server responded with a status of \d+/.test(msg.text())) {
      // A page's own status (a 404 page, a form sent back with 422) is what the test asked for.
      if (source === page.url()) return;
      // Chromium asks every site for /favicon.ico on its own; the site has none (yet).
      if (new URL(source).pathname === '/favicon.ico') return;
    }
    problems.push(`console error on ${page.url()}: ${msg.text()}${source ? ` (${source})` : ''}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught exception on ${page.url()}: ${err.message}`));
  return { problems };
}

/** Make every page of the context record the CSP violations the browser reports to it (read them with `cspViolations`). */
export async function watchCsp(context: BrowserContext) {
  await context.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`));
  });
}

/** The CSP violations the page recorded (see `watchCsp`). */
export const cspViolations = (page: Page) => page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? ['(CSP watcher missing)']);

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * axe-core's WCAG 2.1 A/AA violations on the page, one readable line per failing element.
 * Legacy mode runs axe inside the page itself instead of opening a helper page for every check
 * (twice as fast); it only matters for cross-origin iframes, which this site never has.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).setLegacyMode(true).analyze();
  return results.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact ?? 'n/a'}) at ${n.target.join(' ')}: ${v.help}${n.failureSummary ? ` | ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`),
  );
}

/**
 * Click something that loads a new page (a link, or a button that sends a form) and wait until
 * that page has loaded, so what follows looks at the new page, not the old one.
 */
export async function clickAndLoad(target: Locator) {
  const page = target.page();
  const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame(), timeout: 10_000 });
  await target.click();
  await navigated;
  await page.waitForLoadState('load');
}

/** The text a page shows in its <main> (no menus, no footer), white space folded. */
export async function mainText(page: Page): Promise<string> {
  return ((await page.locator('main').innerText()) ?? '').replace(/\s+/g, ' ').trim();
}
