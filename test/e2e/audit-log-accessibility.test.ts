import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { recordAudit } from '#core/audit/index.js';
import { axeViolations, launchBrowser, logIn, serveTestSite, watchConsole, type ServedSite } from '../support/browser.js';
import { ADMIN } from '../support/kit.js';

/**
 * Admin → Audit log in a real browser, on a desktop screen and on a phone: no axe-core violation,
 * no sideways scrolling, long values wrapped. Screenshots go to SCREENSHOT_DIR when it is set.
 */

let browser: Browser;
let site: ServedSite;
let memberId: number;

beforeAll(async () => {
  browser = await launchBrowser();
  site = await serveTestSite();
  const adminId = await site.addUser({ ...ADMIN, role: 'admin' });
  memberId = await site.addUser({ email: 'mia@example.org', password: 'members only password', name: 'Mia Member' });
  const by = { userId: adminId, name: ADMIN.name, email: ADMIN.email, ip: '203.0.113.45' };
  const at = (minutes: number) => new Date(Date.UTC(2026, 2, 2, 16, minutes)).toISOString();
  await site.database.db.transaction().execute(async (trx) => {
    await recordAudit(trx, by, at(0), {
      action: 'settings.changed',
      summary: 'Changed the settings',
      subject: { type: 'settings', label: 'Settings' },
      changes: [
        { field: 'Tagline', before: 'Clean water', after: 'Clean water, one permit at a time — for every industrial user in the Front Range and beyond' },
        { field: 'Logo', before: '', after: 'logo-0123456789abcdef.png' },
      ],
    });
    await recordAudit(trx, by, at(5), {
      action: 'member.details_changed',
      summary: 'Changed the details of Mia Member',
      subject: { type: 'membership', id: 1, label: 'Mia Member' },
      person: { userId: memberId, name: 'Mia Member' },
      changes: [
        { field: 'E-mail address', before: 'mia@example.org', after: 'mia.member.with.a.very.long.address@metro-wastewater-reclamation.example.org' },
        { field: 'Phone', before: '', after: '303-555-0100' },
      ],
    });
    await recordAudit(trx, 'stripe', at(9), {
      action: 'invoice.payment',
      summary: 'Recorded a payment of $125.00 on invoice 12 (Mia Member)',
      subject: { type: 'invoice', id: 12, label: 'Invoice 12' },
      person: { userId: memberId, name: 'Mia Member' },
      changes: [{ field: 'Amount', before: '', after: '$125.00' }],
    });
    await recordAudit(trx, by, at(12), {
      action: 'settings.changed',
      summary: 'Changed the payment keys',
      changes: [{ field: 'Stripe secret key', before: '', after: '', hidden: true }],
    });
  });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

async function check(page: Page, path: string, what: string, shot?: string) {
  const response = await page.goto(`${site.baseUrl}${path}`);
  expect(response?.status(), path).toBe(200);
  const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(width.scroll, `${what} is wider than the screen`).toBeLessThanOrEqual(width.client);
  const problems = await axeViolations(page);
  expect(problems, `axe found WCAG 2.1 A/AA violations on ${what}:\n  ${problems.join('\n  ')}\n`).toEqual([]);
  if (shot && process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/${shot}.png`, fullPage: true });
}

describe('Admin → Audit log in a browser', () => {
  for (const [label, viewport] of [
    ['a 1280 wide screen', { width: 1280, height: 900 }],
    ['a 375 × 740 phone', { width: 375, height: 740 }],
  ] as const) {
    it(`has no axe violations and fits ${label}, filtered or not`, async () => {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors = watchConsole(page);
      await logIn(page, site.baseUrl, ADMIN.email, ADMIN.password);
      await check(page, '/admin/audit', `the audit log on ${label}`, `audit-${viewport.width}`);
      await check(page, `/admin/audit?person=${memberId}&kind=area:members`, `the audit log of a member on ${label}`, `audit-member-${viewport.width}`);
      await check(page, '/admin/audit?from=yesterday', `the audit log with a wrong date on ${label}`, `audit-error-${viewport.width}`);
      expect(errors.problems).toEqual([]);
      await context.close();
    }, 60_000);
  }
});
