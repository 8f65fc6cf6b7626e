import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { clickAndLoad, launchBrowser, mainText, serveTestSite, watchConsole, type ServedSite } from '../support/browser.js';
import { ADMIN } from '../support/kit.js';

/**
 * In a real browser: a board volunteer logs in, edits the "About" page through the admin screens,
 * and a visitor (another browser profile, never logged in) sees the change at once.
 */

const NEW_TITLE = 'About our association';
const NEW_TEXT = '## Who we are\n\nWe are pretreatment people from all over Colorado, and this sentence was typed in a browser.';

let browser: Browser;
let site: ServedSite;
let admin: BrowserContext;
let adminPage: Page;
let errors: ReturnType<typeof watchConsole>;

beforeAll(async () => {
  browser = await launchBrowser();
  site = await serveTestSite();
  await site.addUser({ ...ADMIN, role: 'admin' });
  admin = await browser.newContext();
  adminPage = await admin.newPage();
  errors = watchConsole(adminPage);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

async function visitor() {
  const context = await browser.newContext();
  return { context, page: await context.newPage() };
}

describe('an admin edits a page in the browser', () => {
  it('logs in, goes to Admin → Pages, changes the title and text, and a visitor sees the change', async () => {
    // A visitor reads the page first, so an out-of-date cached copy would show up below.
    const before = await visitor();
    await before.page.goto(`${site.baseUrl}/about`);
    expect(await before.page.getByRole('heading', { level: 1 }).innerText()).toBe('About CIPCA');

    const page = adminPage;
    await page.goto(`${site.baseUrl}/`);
    await clickAndLoad(page.getByRole('banner').getByRole('link', { name: 'Log in', exact: true }));
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('E-mail address', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await clickAndLoad(page.getByRole('button', { name: 'Log in', exact: true }));
    expect(await page.getByRole('status').innerText()).toContain('Welcome, Board Admin. You are logged in.');

    await clickAndLoad(page.getByRole('banner').getByRole('link', { name: 'Admin', exact: true }));
    expect(new URL(page.url()).pathname).toBe('/admin');
    await clickAndLoad(page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Pages', exact: true }));
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Pages');

    await clickAndLoad(page.getByRole('table', { name: 'Pages of the site' }).getByRole('link', { name: 'About CIPCA', exact: true }));
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Edit “About CIPCA”');
    const title = page.getByLabel('Title', { exact: true });
    const text = page.getByLabel('Text (optional)', { exact: true });
    expect(await title.inputValue()).toBe('About CIPCA');
    expect(await text.inputValue()).toContain('## Our mission');

    await title.fill(NEW_TITLE);
    await text.fill(NEW_TEXT);
    // The preview (htmx, under the strict CSP) shows the text as it will look, without saving.
    await page.getByRole('button', { name: 'Preview the text', exact: true }).click();
    await page.locator('#preview h2', { hasText: 'Preview' }).waitFor({ state: 'attached' });
    expect(await page.locator('#preview').innerText()).toContain(
      NEW_TEXT.split('\n')
        .at(-1)!
        .replace(/[*_`#]/g, '')
        .trim()
        .slice(0, 20),
    );
    await clickAndLoad(page.getByRole('button', { name: 'Save page', exact: true }));

    expect(await page.getByRole('status').innerText()).toBe('Your changes were saved and are now on the site.');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`Edit “${NEW_TITLE}”`);
    expect(await page.getByLabel('Title', { exact: true }).inputValue()).toBe(NEW_TITLE);
    expect(await page.getByLabel('Text (optional)', { exact: true }).inputValue()).toBe(NEW_TEXT);

    // A fresh visitor, and the one who had the old page open, both get the new version.
    const fresh = await visitor();
    for (const reader of [fresh.page, before.page]) {
      await reader.goto(`${site.baseUrl}/about`);
      expect(await reader.getByRole('heading', { level: 1 }).innerText()).toBe(NEW_TITLE);
      expect(await reader.getByRole('heading', { level: 2, name: 'Who we are' }).count()).toBe(1);
      const shown = await mainText(reader);
      expect(shown).toContain('this sentence was typed in a browser.');
      expect(shown).not.toContain('Our mission');
      expect(await reader.title()).toBe(`${NEW_TITLE} · CIPCA`);
      // The main menu shows the page under its new title.
      const menu = reader.getByRole('navigation', { name: 'Main' });
      expect(await menu.getByRole('link', { name: NEW_TITLE, exact: true }).getAttribute('href')).toBe('/about');
      expect(await menu.getByRole('link', { name: 'About CIPCA', exact: true }).count()).toBe(0);
    }
    await fresh.context.close();
    await before.context.close();
    expect(errors.problems).toEqual([]);
  });

  it('shows the error beside an emptied title, keeps what was typed, and changes nothing on the site', async () => {
    const page = adminPage;
    await page.goto(`${site.baseUrl}/admin/pages`);
    await clickAndLoad(page.getByRole('table', { name: 'Pages of the site' }).getByRole('link', { name: NEW_TITLE, exact: true }));
    const editUrl = page.url();

    await page.getByLabel('Title', { exact: true }).fill('');
    const typed = 'Text typed before the mistake was noticed.\n\nIt must not be lost.';
    await page.getByLabel('Text (optional)', { exact: true }).fill(typed);
    await clickAndLoad(page.getByRole('button', { name: 'Save page', exact: true }));

    expect(page.url()).toBe(editUrl);
    // The summary at the top names the problem and links to the field…
    const summary = page.getByRole('alert');
    expect(await summary.innerText()).toContain('Please correct one problem:');
    expect(await summary.getByRole('link', { name: 'Enter a title.' }).getAttribute('href')).toBe('#title');
    // …and the message sits right under the field, tied to it for screen readers.
    const title = page.getByLabel('Title', { exact: true });
    expect(await title.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await title.getAttribute('aria-describedby'))?.split(' ') ?? [];
    expect(describedBy).toContain('title-error');
    const error = page.locator('#title-error');
    expect(await error.innerText()).toBe('Error: Enter a title.');
    expect(await error.isVisible()).toBe(true);
    expect(
      await page
        .locator('.field', { has: page.locator('#title') })
        .locator('#title-error')
        .count(),
    ).toBe(1);
    // What the volunteer typed is still there.
    expect(await title.inputValue()).toBe('');
    expect(await page.getByLabel('Text (optional)', { exact: true }).inputValue()).toBe(typed);
    expect(await page.getByLabel('Web address').inputValue()).toBe('about');

    // Following the summary's link puts the cursor in the title field.
    await summary.getByRole('link', { name: 'Enter a title.' }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('title');

    // Nothing was saved.
    const reader = await visitor();
    await reader.page.goto(`${site.baseUrl}/about`);
    expect(await reader.page.getByRole('heading', { level: 1 }).innerText()).toBe(NEW_TITLE);
    expect(await mainText(reader.page)).not.toContain('Text typed before the mistake');
    await reader.context.close();
    expect(errors.problems).toEqual([]);
  });
});
