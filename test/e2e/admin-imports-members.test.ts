import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, clickAndLoad, cspViolations, launchBrowser, logIn, mainText, serveTestSite, watchConsole, watchCsp, type ServedSite } from '../support/browser.js';
import { ADMIN } from '../support/kit.js';

/**
 * In a real browser: a board volunteer imports members from a CSV file (a file with problems
 * first, then a clean one), watches the progress bar fill (htmx under the strict CSP), and adds
 * a note on a member's page. Every screen on the way is checked with axe.
 */

const HEADER = 'name,email,level,status,renewal_date,organization,job_title,phone,address_line1,address_line2,city,state,postal_code';

let browser: Browser;
let site: ServedSite;
let context: BrowserContext;
let page: Page;
let errors: ReturnType<typeof watchConsole>;

beforeAll(async () => {
  browser = await launchBrowser();
  site = await serveTestSite();
  await site.addUser({ ...ADMIN, role: 'admin' });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await watchCsp(context);
  page = await context.newPage();
  errors = watchConsole(page);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

async function expectClean(what: string) {
  const violations = await axeViolations(page);
  expect(violations, `axe on ${what}:\n  ${violations.join('\n  ')}`).toEqual([]);
  expect(await cspViolations(page), `CSP on ${what}`).toEqual([]);
  expect(errors.problems, `console on ${what}`).toEqual([]);
}

async function uploadFile(csv: string) {
  await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'members.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await clickAndLoad(page.getByRole('button', { name: 'Check the file', exact: true }));
}

describe('an admin imports members from a CSV file', () => {
  it('sees every problem, then imports a clean file and watches the progress bar fill', async () => {
    await logIn(page, site.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${site.baseUrl}/admin`);
    await clickAndLoad(page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Members', exact: true }));
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Members');
    await expectClean('the member list');

    await clickAndLoad(page.getByRole('link', { name: 'Import members from a CSV file' }));
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Import members');
    await expectClean('the import form');

    await uploadFile(`${HEADER}\nAnn,ann@example.org,Gold,active,2027-01-31\nBo,not-an-address,Individual,active,2027-01-31\n`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Problems in the file');
    const problems = page.getByRole('region', { name: 'Problems found in the file' });
    expect(await problems.getByRole('row').count()).toBe(3);
    expect(await problems.innerText()).toContain('There is no level called “Gold”.');
    await expectClean('the preview of a file with problems');

    await clickAndLoad(page.getByRole('link', { name: 'Upload a corrected file' }));
    await uploadFile(`${HEADER}\nAnn Import,ann@example.org,Individual,active,2027-01-31,City of Denver\nBo Import,bo@example.org,Associate,active,2027-03-31\n`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Check and confirm the import');
    expect(await mainText(page)).toContain('2 new members ready to import.');
    await expectClean('the preview of a clean file');

    await clickAndLoad(page.getByRole('button', { name: 'Confirm: import 2 members' }));
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Importing members');
    const bar = page.getByRole('progressbar', { name: /Importing members: 0 of 2/ });
    expect(await bar.count()).toBe(1);
    await expectClean('the progress page');

    // The job runs; the page, left alone, shows the end within a few seconds (htmx asks every 2 s).
    await site.jobs.runDue();
    await page.getByRole('progressbar', { name: /Import finished: 2 of 2 \(100%\)/ }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#import-progress-bar').getAttribute('value')).toBe('2');
    await expectClean('the progress page once finished');

    await page.goto(`${site.baseUrl}/admin/members?q=import&sort=name`);
    await clickAndLoad(page.getByRole('link', { name: 'Ann Import', exact: true }));
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Ann Import');
    await expectClean("a member's page");
    await page.getByText('Add a note', { exact: true }).click();
    await page.getByLabel('Note (kept in the history, seen by admins only)').fill('Met at the spring workshop.');
    await clickAndLoad(page.getByRole('button', { name: 'Add the note', exact: true }));
    expect(await mainText(page)).toContain('Met at the spring workshop. (Board Admin)');
    await expectClean("a member's page after adding a note");
  });
});
