import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seedNews, seedPages } from '#modules/site/seed-content.js';
import { axeViolations, clickAndLoad, cspViolations, launchBrowser, logIn, mainText, serveTestSite, watchConsole, watchCsp, type ServedSite } from '../support/browser.js';
import { ADMIN } from '../support/kit.js';

/**
 * What every visitor, and every board volunteer, gets in a real browser: no WCAG 2.1 A/AA
 * violation that axe-core can find, no sideways scrolling on a phone, a site that works with
 * JavaScript off, and a Content-Security-Policy that the pages themselves never trip over.
 */

const MEMBER = { email: 'mia@example.org', password: 'members only password', name: 'Mia Member' };

const contentPages = seedPages.filter((p) => p.visibility === 'public' && p.slug !== 'home').map((p) => `/${p.slug}`);

/** Every public address, with the status it should answer. */
const PUBLIC: [path: string, status: number][] = [
  ['/', 200],
  ...contentPages.map((path): [string, number] => [path, 200]),
  ['/news', 200],
  [`/news/${seedNews[0]!.slug}`, 200],
  ['/login', 200],
  ['/forgot-password', 200],
  ['/no-such-page', 404],
  ['/reset-password/xyz', 410],
];

/** The admin screens a volunteer uses most ({about} is the About page's id). */
const ADMIN_PAGES = [
  '/admin',
  '/admin/pages',
  '/admin/pages/{about}',
  '/admin/news',
  '/admin/users',
  '/admin/mail',
  '/admin/mail/templates',
  '/admin/mail/templates/membership.approved',
  '/admin/settings',
  '/account',
];

let browser: Browser;
let site: ServedSite;
let aboutId: number;

beforeAll(async () => {
  browser = await launchBrowser();
  site = await serveTestSite();
  await site.addUser({ ...ADMIN, role: 'admin' });
  await site.addUser({ ...MEMBER, role: 'member' });
  aboutId = (await site.site.getPage('about'))!.id;
  // One message in Sent mail, so that screen shows its table too.
  await site.accounts.requestPasswordReset(MEMBER.email);
  await site.jobs.runDue();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

const adminPath = (path: string) => path.replace('{about}', String(aboutId));

async function open(page: Page, path: string, status = 200) {
  const response = await page.goto(`${site.baseUrl}${path}`);
  expect(response?.status(), `status of ${path}`).toBe(status);
  return response!;
}

/** Fails listing every problem, one a line (vitest would otherwise abbreviate a long array). */
function expectNone(problems: string[], what: string) {
  expect(problems, `${what}:\n  ${problems.join('\n  ')}\n`).toEqual([]);
}

async function expectNoAxeViolations(page: Page, what: string) {
  expectNone(await axeViolations(page), `axe found WCAG 2.1 A/AA violations on ${what}`);
}

describe('public pages, as an anonymous visitor on a desktop screen', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: ReturnType<typeof watchConsole>;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await watchCsp(context);
    page = await context.newPage();
    errors = watchConsole(page);
  });
  afterAll(() => context?.close());

  it('covers every seeded public content page', () => {
    expect(contentPages).toEqual(expect.arrayContaining(['/about', '/trainings', '/join', '/contact']));
  });

  it.each(PUBLIC)('%s has no axe violations, and its strict CSP blocks nothing and logs no error', async (path, status) => {
    errors.problems.length = 0;
    const response = await open(page, path, status);
    const csp = response.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    await expectNoAxeViolations(page, path);
    expectNone(await cspViolations(page), `CSP violations on ${path}`);
    expectNone(errors.problems, `console errors on ${path}`);
  });

  it('the log-in form sent back with errors has no axe violations', async () => {
    errors.problems.length = 0;
    await open(page, '/login');
    await clickAndLoad(page.getByRole('button', { name: 'Log in', exact: true }));
    expect(await page.locator('.field-error').count()).toBe(2);
    await expectNoAxeViolations(page, 'the log-in page with field errors');

    await page.getByLabel('E-mail address', { exact: true }).fill(MEMBER.email);
    await page.getByLabel('Password', { exact: true }).fill('not her password');
    await clickAndLoad(page.getByRole('button', { name: 'Log in', exact: true }));
    expect(await page.getByRole('alert').innerText()).toContain('do not match an account');
    await expectNoAxeViolations(page, 'the log-in page with a wrong password');

    expectNone(await cspViolations(page), 'CSP violations on the log-in page');
    expectNone(errors.problems, 'console errors on the log-in page');
  });
});

describe('admin pages and the account page, as a logged-in administrator', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: ReturnType<typeof watchConsole>;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await watchCsp(context);
    page = await context.newPage();
    errors = watchConsole(page);
    await logIn(page, site.baseUrl, ADMIN.email, ADMIN.password);
    expect(new URL(page.url()).pathname).toBe('/admin');
  });
  afterAll(() => context?.close());

  it('the first screen after logging in (with its welcome message) has no axe violations', async () => {
    expect(await page.getByRole('status').innerText()).toContain('You are logged in.');
    await expectNoAxeViolations(page, '/admin with the welcome message');
  });

  it.each(ADMIN_PAGES)('%s has no axe violations', async (path) => {
    errors.problems.length = 0;
    await open(page, adminPath(path));
    await expectNoAxeViolations(page, adminPath(path));
    expectNone(await cspViolations(page), `CSP violations on ${path}`);
    expectNone(errors.problems, `console errors on ${path}`);
  });

  it('the page form sent back with an error has no axe violations', async () => {
    await open(page, adminPath('/admin/pages/{about}'));
    await page.getByLabel('Title', { exact: true }).fill('');
    await clickAndLoad(page.getByRole('button', { name: 'Save page' }));
    expect(await page.locator('#title-error').innerText()).toBe('Error: Enter a title.');
    await expectNoAxeViolations(page, 'the page form with an error');
  });
});

/**
 * axe cannot see focus (WCAG 2.4.7, 1.4.11): tab through a page the way a keyboard user does and
 * check each stop draws an outline of at least 2px with 3:1 contrast against what is behind it.
 */
async function focusProblems(page: Page, maxStops = 60): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < maxStops; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = (c: number[]) => {
        const [r, g, b] = c.slice(0, 3).map((v) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      // The outline sits just outside the element (outline-offset), so over its parent's background.
      let bg = 'rgb(255, 255, 255)';
      for (let p = el.parentElement; p; p = p.parentElement) {
        const c = getComputedStyle(p).backgroundColor;
        const alpha = rgb(c)[3];
        if (c !== 'transparent' && alpha !== 0) {
          bg = c;
          break;
        }
      }
      const style = getComputedStyle(el);
      const [l1, l2] = [lum(rgb(style.outlineColor)), lum(rgb(bg))].sort((a, b) => b - a);
      const box = el.getBoundingClientRect();
      const name = `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || el.id || '').trim().replace(/\s+/g, ' ').slice(0, 40)}"`;
      return {
        key: `${name}@${Math.round(box.left + window.scrollX)},${Math.round(box.top + window.scrollY)}`,
        name,
        style: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
        contrast: (l1! + 0.05) / (l2! + 0.05),
        onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 && box.top < window.innerHeight && box.left < window.innerWidth,
      };
    });
    if (!stop || seen.has(stop.key)) break;
    seen.add(stop.key);
    if (stop.style === 'none' || stop.width < 2) problems.push(`${stop.name}: no visible focus outline (${stop.style} ${stop.width}px)`);
    else if (stop.contrast < 3) problems.push(`${stop.name}: focus outline contrast ${stop.contrast.toFixed(2)}:1, below 3:1`);
    if (!stop.onScreen) problems.push(`${stop.name}: focused but not on screen`);
  }
  if (seen.size === 0) problems.push('Tab never reached anything');
  return problems;
}

describe('keyboard focus', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  afterAll(() => context?.close());

  it('the first Tab shows a "Skip to content" link that moves focus to the main content', async () => {
    await open(page, '/about');
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    const box = (await skip.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    await page.keyboard.press('Enter');
    expect(new URL(page.url()).hash).toBe('#main');
  });

  it.each(['/', '/news', '/login', '/no-such-page'])('every stop on %s has a visible focus outline', async (path) => {
    await open(page, path, path === '/no-such-page' ? 404 : 200);
    expectNone(await focusProblems(page), `focus problems on ${path}`);
  });

  it('every stop on the log-in form with errors, and on the admin screens, has a visible focus outline', async () => {
    const admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const adminPage = await admin.newPage();
    await open(adminPage, '/login');
    await clickAndLoad(adminPage.getByRole('button', { name: 'Log in', exact: true }));
    const problems = (await focusProblems(adminPage)).map((p) => `/login with errors: ${p}`);
    await logIn(adminPage, site.baseUrl, ADMIN.email, ADMIN.password);
    for (const path of ['/admin', '/admin/pages', '/admin/pages/{about}', '/admin/users', '/admin/settings']) {
      await open(adminPage, adminPath(path));
      problems.push(...(await focusProblems(adminPage)).map((p) => `${path}: ${p}`));
    }
    await admin.close();
    expectNone(problems, 'focus problems');
  });
});

describe('on a 375 × 740 phone screen', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    page = await context.newPage();
  });
  afterAll(() => context?.close());

  const overflow = () =>
    page.evaluate(() => {
      const root = document.documentElement;
      const wide = Array.from(document.querySelectorAll('body *'))
        .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
        .slice(0, 5)
        .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}`);
      return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide };
    });

  it('no public page scrolls sideways', async () => {
    const problems: string[] = [];
    for (const [path, status] of PUBLIC) {
      await open(page, path, status);
      const o = await overflow();
      expect(o.clientWidth).toBe(375);
      if (o.scrollWidth > o.clientWidth) problems.push(`${path} is ${o.scrollWidth}px wide (too wide: ${o.wide.join(', ')})`);
    }
    expectNone(problems, 'pages wider than the phone');
  });

  describe('logged in as an administrator', () => {
    beforeAll(() => logIn(page, site.baseUrl, ADMIN.email, ADMIN.password));

    it.each(ADMIN_PAGES)('%s does not scroll sideways (wide tables scroll in their own box) and axe finds nothing', async (path) => {
      await open(page, adminPath(path));
      const o = await overflow();
      expect(o.scrollWidth, `${path} is ${o.scrollWidth}px wide (too wide: ${o.wide.join(', ')})`).toBeLessThanOrEqual(o.clientWidth);
      // At this width tables overflow their box; axe checks that such a box can be scrolled by keyboard.
      await expectNoAxeViolations(page, `${path} on a phone`);
    });
  });
});

describe('with JavaScript turned off', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ javaScriptEnabled: false });
    page = await context.newPage();
  });
  afterAll(() => context?.close());

  it('a visitor can go through the main menu and log in', async () => {
    await open(page, '/');
    const menu = page.getByRole('navigation', { name: 'Main' });
    const items = await menu.getByRole('link').evaluateAll((links) => links.map((a) => ({ title: a.textContent!.trim(), href: a.getAttribute('href')! })));
    expect(items.map((i) => i.href)).toEqual(['/', ...contentPages, '/news']);

    for (const item of items.slice(1)) {
      await clickAndLoad(menu.getByRole('link', { name: item.title, exact: true }));
      expect(new URL(page.url()).pathname).toBe(item.href);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(item.title);
      expect(await menu.getByRole('link', { name: item.title, exact: true }).getAttribute('aria-current')).toBe('page');
    }
    await clickAndLoad(menu.getByRole('link', { name: 'Home', exact: true }));
    expect(new URL(page.url()).pathname).toBe('/');

    await clickAndLoad(page.getByRole('banner').getByRole('link', { name: 'Log in', exact: true }));
    await page.getByLabel('E-mail address', { exact: true }).fill(MEMBER.email);
    await page.getByLabel('Password', { exact: true }).fill(MEMBER.password);
    await clickAndLoad(page.getByRole('button', { name: 'Log in', exact: true }));
    expect(new URL(page.url()).pathname).toBe('/account');
    expect(await page.getByRole('status').innerText()).toBe(`Welcome, ${MEMBER.name}. You are logged in.`);
    expect(await mainText(page)).toContain(MEMBER.email);

    // The members-only page is now in the menu, and logging out is a plain form too.
    await clickAndLoad(menu.getByRole('link', { name: "Members' corner" }));
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe("Members' corner");
    await clickAndLoad(page.getByRole('button', { name: 'Log out' }));
    expect(await page.getByRole('status').innerText()).toBe('You are logged out.');
    expect(await page.getByRole('banner').getByRole('link', { name: 'Log in', exact: true }).count()).toBe(1);
  });
});
