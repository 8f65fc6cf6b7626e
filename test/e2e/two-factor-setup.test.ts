import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, clickAndLoad, launchBrowser, logIn, mainText, serveTestSite, watchConsole, type ServedSite } from '../support/browser.js';
import { ADMIN } from '../support/kit.js';

/**
 * An admin turns on two-factor sign-in in a real browser, on a desktop screen and on a phone:
 * the QR code shows under the strict CSP (no console error), the key can be read and typed,
 * the password is asked, a wrong code or password is refused beside its field, the recovery codes appear once, and the next log-in
 * asks for a code. No axe-core WCAG 2.1 A/AA violation on any of these pages.
 * Screenshots go to SCREENSHOT_DIR when it is set.
 */

let browser: Browser;
let site: ServedSite;

beforeAll(async () => {
  browser = await launchBrowser();
  site = await serveTestSite();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

async function expectAccessible(page: Page, what: string) {
  const problems = await axeViolations(page);
  expect(problems, `axe found WCAG 2.1 A/AA violations on ${what}:\n  ${problems.join('\n  ')}\n`).toEqual([]);
  const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(width.scroll, `${what} scrolls sideways`).toBeLessThanOrEqual(width.client);
}

async function shot(page: Page, name: string) {
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/${name}.png`, fullPage: true });
}

const codeFor = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret) }).generate();

describe('setting up two-factor sign-in in a browser', () => {
  for (const [label, viewport] of [
    ['desktop', { width: 1280, height: 900 }],
    ['phone', { width: 375, height: 740 }],
  ] as const) {
    it(`works and is accessible on a ${label} screen (${viewport.width} wide)`, async () => {
      const email = `${label}.${ADMIN.email}`;
      await site.addUser({ ...ADMIN, email, role: 'admin' });
      const context = await browser.newContext({ viewport });
      try {
        const page = await context.newPage();
        const errors = watchConsole(page);
        await logIn(page, site.baseUrl, email, ADMIN.password);
        await page.goto(`${site.baseUrl}/account`);
        await clickAndLoad(page.getByRole('link', { name: 'Set up two-factor sign-in' }));
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Set up two-factor sign-in');
        const qr = page.getByRole('img', { name: 'QR code for your authenticator app (the same key is written below)' });
        // Loaded and drawn: the CSP allowed it.
        expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
        const secret = (await page.locator('code.secret').innerText()).replace(/\s/g, '');
        expect(secret).toMatch(/^[A-Z2-7]{32}$/);
        await expectAccessible(page, 'the set-up page');
        await shot(page, `two-factor-setup-${viewport.width}`);

        await page.getByLabel('Your password').fill(ADMIN.password);
        await page.getByLabel('6-digit code').fill('12345');
        await clickAndLoad(page.getByRole('button', { name: 'Turn on two-factor sign-in' }));
        expect(await page.locator('#code-error').innerText()).toBe('Error: Enter the 6-digit code your app shows now.');
        await expectAccessible(page, 'the set-up page with an error');
        await shot(page, `two-factor-setup-error-${viewport.width}`);

        // A wrong password is refused beside its field; the code typed stays.
        const code = codeFor(secret);
        await page.getByLabel('Your password').fill('not my password');
        await page.getByLabel('6-digit code').fill(code);
        await clickAndLoad(page.getByRole('button', { name: 'Turn on two-factor sign-in' }));
        expect(await page.locator('#password-error').innerText()).toBe('Error: That is not your password.');
        expect(await page.getByLabel('6-digit code').inputValue()).toBe(code);
        await expectAccessible(page, 'the set-up page with a wrong password');

        await page.getByLabel('Your password').fill(ADMIN.password);
        await page.getByLabel('6-digit code').fill(codeFor(secret));
        await clickAndLoad(page.getByRole('button', { name: 'Turn on two-factor sign-in' }));
        expect(await mainText(page)).toContain('Two-factor sign-in is on.');
        expect(await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count()).toBe(10);
        await expectAccessible(page, 'the recovery codes');
        await shot(page, `two-factor-codes-${viewport.width}`);

        await clickAndLoad(page.getByRole('link', { name: 'I have saved them' }));
        expect(await mainText(page)).toContain('You have 10 unused recovery codes.');
        await expectAccessible(page, 'the two-factor page when it is on');
        await shot(page, `two-factor-on-${viewport.width}`);

        // Log out, log in again: the code step.
        await clickAndLoad(page.getByRole('button', { name: 'Log out' }));
        await logIn(page, site.baseUrl, email, ADMIN.password);
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Enter your code');
        await expectAccessible(page, 'the code step');
        await shot(page, `two-factor-code-step-${viewport.width}`);
        expect(errors.problems).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});
