import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { clickAndLoad, launchBrowser, logIn, mainText, serveTestSite, watchConsole, type ServedSite } from '../support/browser.js';
import { ADMIN } from '../support/kit.js';

/**
 * A new site with no mail server (no SMTP_URL): a member who forgot the password asks for a link,
 * the site keeps the message instead of sending it, and an admin finds it under Admin → Sent mail.
 * The link in it works in a browser and logs the member in with the new password.
 */

const MEMBER = { email: 'mia@example.org', password: 'the password she forgot', name: 'Mia Member' };
const NEW_PASSWORD = 'kettle orchard lantern gravel';

let browser: Browser;
let site: ServedSite;

beforeAll(async () => {
  browser = await launchBrowser();
  site = await serveTestSite();
  await site.addUser({ ...ADMIN, role: 'admin' });
  await site.addUser({ ...MEMBER, role: 'member' });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('password reset with no mail server', () => {
  it('a member asks for a link, an admin finds it in Sent mail, and the member chooses a new password with it', async () => {
    expect(site.mailer.mode).toBe('file');

    // The member, on the log-in page, follows "Forgot your password?".
    const member = await browser.newContext();
    const memberPage = await member.newPage();
    const memberErrors = watchConsole(memberPage);
    await memberPage.goto(`${site.baseUrl}/login`);
    await clickAndLoad(memberPage.getByRole('link', { name: 'Forgot your password?' }));
    expect(await memberPage.getByRole('heading', { level: 1 }).innerText()).toBe('Forgot your password?');
    await memberPage.getByLabel('E-mail address', { exact: true }).fill(MEMBER.email);
    await clickAndLoad(memberPage.getByRole('button', { name: 'Send me a link' }));
    expect(await memberPage.getByRole('heading', { level: 1 }).innerText()).toBe('Check your e-mail');
    expect(await mainText(memberPage)).toContain(`If an account exists for ${MEMBER.email}, we have sent it a link`);

    // The job runner delivers the message: without SMTP_URL it is kept as a file.
    expect(await site.jobs.runDue()).toMatchObject({ failed: 0 });

    // An admin looks in Admin → Sent mail.
    const admin = await browser.newContext();
    const adminPage = await admin.newPage();
    const adminErrors = watchConsole(adminPage);
    await logIn(adminPage, site.baseUrl, ADMIN.email, ADMIN.password);
    await clickAndLoad(adminPage.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Sent mail' }));
    expect(await adminPage.getByRole('heading', { level: 1 }).innerText()).toBe('Sent mail');
    expect(await mainText(adminPage)).toContain('No mail server is set (SMTP_URL), so messages are not delivered');
    const row = adminPage.getByRole('table', { name: 'Sent mail' }).getByRole('row').filter({ hasText: MEMBER.email });
    expect(await row.count()).toBe(1);
    expect(await row.getByRole('cell').nth(3).innerText()).toBe('Sent');
    await clickAndLoad(row.getByRole('link', { name: 'Reset your CIPCA password' }));
    expect(await adminPage.getByRole('heading', { level: 1 }).innerText()).toBe('Reset your CIPCA password');
    expect(await mainText(adminPage)).toContain(`Hello ${MEMBER.name},`);

    // The link in the message is a real link to this site's reset page…
    const links = adminPage.locator('.mail-body').getByRole('link');
    expect(await links.count()).toBe(1);
    const href = (await links.getAttribute('href')) ?? '';
    expect(href).toMatch(new RegExp(`^${site.baseUrl.replace(/[.]/g, '\\.')}/reset-password/[A-Za-z0-9_-]+$`));
    expect(await links.innerText()).toBe(href);
    // …and clicking it opens "Choose a new password" for the member's address (looking does not use it up).
    await clickAndLoad(links);
    expect(adminPage.url()).toBe(href);
    expect(await adminPage.getByRole('heading', { level: 1 }).innerText()).toBe('Choose a new password');
    expect(await mainText(adminPage)).toContain(`Choose a new password for ${MEMBER.email}.`);
    await admin.close();

    // The member, given the link, opens it in her own browser and chooses a new password.
    await memberPage.goto(href);
    expect(await memberPage.getByRole('heading', { level: 1 }).innerText()).toBe('Choose a new password');
    await memberPage.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await memberPage.getByLabel('Type the new password again', { exact: true }).fill(NEW_PASSWORD);
    await clickAndLoad(memberPage.getByRole('button', { name: 'Save the new password' }));
    expect(new URL(memberPage.url()).pathname).toBe('/account');
    expect(await memberPage.getByRole('status').innerText()).toBe('Your new password is saved and you are logged in.');
    expect(await memberPage.getByRole('banner').innerText()).toContain(`Signed in as ${MEMBER.name}`);

    // The link worked once.
    await memberPage.goto(href);
    expect(await memberPage.getByRole('heading', { level: 1 }).innerText()).toBe('This link no longer works');
    await member.close();

    // Later, on another device: the new password logs her in, the old one no longer does.
    const later = await browser.newContext();
    const laterPage = await later.newPage();
    const laterErrors = watchConsole(laterPage);
    await logIn(laterPage, site.baseUrl, MEMBER.email, MEMBER.password);
    expect(new URL(laterPage.url()).pathname).toBe('/login');
    expect(await laterPage.getByRole('alert').innerText()).toContain('That e-mail address and password do not match an account.');
    await logIn(laterPage, site.baseUrl, MEMBER.email, NEW_PASSWORD);
    expect(new URL(laterPage.url()).pathname).toBe('/account');
    expect(await laterPage.getByRole('status').innerText()).toBe(`Welcome, ${MEMBER.name}. You are logged in.`);
    await later.close();

    expect([...memberErrors.problems, ...adminErrors.problems, ...laterErrors.problems]).toEqual([]);
  });
});
