import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { profileInput } from '#modules/membership/directory/service.js';
import { axeViolations, clickAndLoad, launchBrowser, logIn, serveTestSite, watchConsole, type ServedSite } from '../support/browser.js';
import { ADMIN } from '../support/kit.js';

/**
 * Member fields, profiles and the directory in a real browser: no axe-core WCAG 2.1 A/AA violation,
 * with and without errors, on a desktop screen and on a phone (no sideways scrolling).
 */

const MEMBER = { email: 'mia@example.org', password: 'members only password', name: 'Mia Member' };

let browser: Browser;
let site: ServedSite;
let levelId: number;
let fieldId: number;

beforeAll(async () => {
  browser = await launchBrowser();
  site = await serveTestSite();
  await site.addUser({ ...ADMIN, role: 'admin' });
  const mia = await site.addUser({ ...MEMBER, role: 'member' });
  await site.membership.fields.save(null, { label: 'Certification level', type: 'choice', choices: ['Class A', 'Class B'], required: true, visibility: 'members', position: null });
  await site.membership.fields.save(null, { label: 'Certified since', type: 'date', choices: [], required: false, visibility: 'members', position: null });
  await site.membership.fields.save(null, { label: 'On the board', type: 'checkbox', choices: [], required: false, visibility: 'everyone', position: null });
  await site.membership.fields.save(null, { label: 'License number', type: 'text', choices: [], required: false, visibility: 'admins', position: null });
  const fields = await site.membership.fields.list();
  fieldId = fields[0]!.id;
  const values = [
    { field_id: fields[0]!.id, value: 'Class A' },
    { field_id: fields[1]!.id, value: '2019-03-01' },
    { field_id: fields[2]!.id, value: 'on' },
  ];
  const details = {
    organization: 'Metro Water Recovery',
    job_title: 'Industrial Pretreatment Inspector',
    phone: '303-555-0199',
    address_line1: '6450 York Street',
    city: 'Denver',
    region: 'CO',
    postal_code: '80229',
    show_phone: 'on',
    show_address: 'on',
    show_email: 'on',
    listed: 'on',
  };
  await site.membership.directory.saveProfile(mia, profileInput.parse({ name: MEMBER.name, ...details }), values);
  for (let i = 0; i < 30; i++) {
    const id = await site.addUser({ email: `member${i}@example.org`, password: MEMBER.password, name: `Member Number ${i}` });
    await site.membership.directory.saveProfile(id, profileInput.parse({ name: `Member Number ${i}`, ...details, show_phone: '' }), values);
  }
  // A long address must wrap, not widen the page on a phone.
  const long = await site.addUser({ email: 'pretreatment.coordinator.long.address@metrowastewaterreclamation.example.org', password: MEMBER.password, name: 'Aaron Longaddress' });
  await site.membership.directory.saveProfile(long, profileInput.parse({ name: 'Aaron Longaddress', ...details }), values);
  levelId = (await site.membership.lifecycle.listLevels())[0]!.id;
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

async function expectAccessible(page: Page, what: string) {
  const problems = await axeViolations(page);
  expect(problems, `axe found WCAG 2.1 A/AA violations on ${what}:\n  ${problems.join('\n  ')}\n`).toEqual([]);
}

async function open(page: Page, path: string, status = 200) {
  const response = await page.goto(`${site.baseUrl}${path}`);
  expect(response?.status(), `status of ${path}`).toBe(status);
}

describe('on a desktop screen', () => {
  // A browser of its own for each person (the log-in cookie is per browser).
  const contexts: BrowserContext[] = [];
  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return context.newPage();
  };
  afterAll(async () => {
    for (const c of contexts) await c.close();
  });

  it('the application form with member fields, and with their errors', async () => {
    const page = await newPage();
    const errors = watchConsole(page);
    await open(page, `/join/${levelId}`);
    await expectAccessible(page, 'the application form');
    await clickAndLoad(page.getByRole('button', { name: 'Send my application' }));
    expect(await page.locator('#field_certification_level-error').innerText()).toBe('Error: Choose certification level.');
    await expectAccessible(page, 'the application form with errors');
    expect(errors.problems).toEqual([]);
  });

  it('the admin screens for member fields', async () => {
    const page = await newPage();
    await logIn(page, site.baseUrl, ADMIN.email, ADMIN.password);
    for (const path of ['/admin/fields', '/admin/fields/new', `/admin/fields/${fieldId}`, '/directory']) {
      await open(page, path);
      await expectAccessible(page, path);
    }
    await open(page, '/admin/fields/new');
    await page.getByLabel('Kind of answer').selectOption('choice');
    await clickAndLoad(page.getByRole('button', { name: 'Save field' }));
    expect(await page.locator('#choices-error').innerText()).toBe('Error: Enter at least two choices, one on each line.');
    await expectAccessible(page, 'the field form with errors');
  }, 60_000);

  it("a member's profile, with errors, and the directory", async () => {
    const page = await newPage();
    await logIn(page, site.baseUrl, MEMBER.email, MEMBER.password);
    for (const path of ['/account', '/account/profile', '/directory', '/directory?q=member&page=2', '/directory?q=nobody']) {
      await open(page, path);
      await expectAccessible(page, path);
    }
    await open(page, '/account/profile');
    await page.getByLabel('Full name').fill('');
    await page.getByLabel('Certified since (optional)').fill('2019-02-31');
    await clickAndLoad(page.getByRole('button', { name: 'Save my profile' }));
    expect(await page.locator('#name-error').innerText()).toBe('Error: Enter your full name.');
    await expectAccessible(page, 'the profile form with errors');

    await open(page, '/directory');
    await page.getByLabel('Search by name, organization or city').fill('metro water');
    await clickAndLoad(page.getByRole('button', { name: 'Search' }));
    expect(new URL(page.url()).search).toBe('?q=metro+water');
    expect(await page.getByRole('heading', { level: 3 }).count()).toBe(25);
  }, 90_000);
});

describe('on a 375 × 740 phone screen', () => {
  it('the directory and the profile fit the screen and have no axe violations', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    await logIn(page, site.baseUrl, MEMBER.email, MEMBER.password);
    for (const path of ['/directory', '/account/profile']) {
      await open(page, path);
      const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      expect(width.scroll, `${path} is wider than the phone`).toBeLessThanOrEqual(width.client);
      await expectAccessible(page, `${path} on a phone`);
    }
    await context.close();
  }, 60_000);
});
