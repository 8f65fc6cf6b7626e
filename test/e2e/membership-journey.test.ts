import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, clickAndLoad, cspViolations, launchBrowser, logIn, mainText, serveTestSite, watchConsole, watchCsp, type ServedSite } from '../support/browser.js';
import { TestClock } from '../support/clock.js';
import { linkIn, startSmtp, type SmtpCatcher } from '../support/smtp.js';
import { signedEvent, startStripeStandin, type StripeStandin } from '../support/stripe-standin.js';
import { ADMIN } from '../support/kit.js';

/**
 * The whole membership journey in a real browser, on a site with card payments (against the
 * local Stripe stand-in), a real SMTP server and a clock the test moves:
 * a visitor applies, confirms the e-mail, pays online, the board approves, the member logs in;
 * a second applicant asks to be invoiced, is approved and pays by check; the first finds the
 * second in the member directory. A year on, the renewal reminders go out once each, the member
 * who did not pay lapses and loses members-only access, then renews online and gets it back.
 * Every screen is checked with axe, under the strict CSP, with no console error.
 */

// An Associate ($75.00) who pays online, and a Student or retired member ($20.00) who pays by check.
const PAT = {
  email: 'pat.inspector@example.org',
  password: 'a long password for pat',
  name: 'Pat Inspector',
  level: 'Associate',
  dues: '$75.00',
  organization: 'Clearwater Consulting',
  city: 'Fort Collins',
};
const ROBIN = {
  email: 'robin.sampler@example.org',
  password: 'a long password for robin',
  name: 'Robin Sampler',
  level: 'Student or retired',
  dues: '$20.00',
  organization: 'Front Range Laboratories',
  city: 'Golden',
};

// The clock starts on March 2, 2026, 9 a.m. in Denver: memberships that start now renew on March 2, 2027.
const START = '2026-03-02T16:00:00.000Z';
const RENEWAL = Date.parse('2027-03-02T16:00:00.000Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;

let smtp: SmtpCatcher;
let clock: TestClock;
let standin: StripeStandin;
let site: ServedSite;
let browser: Browser;
const watched = new Map<Page, ReturnType<typeof watchConsole>>();

beforeAll(async () => {
  smtp = await startSmtp();
  clock = new TestClock(START);
  standin = await startStripeStandin({ now: () => clock.now() });
  site = await serveTestSite({ env: { SMTP_URL: smtp.url, ...standin.env }, clock });
  await site.addUser({ ...ADMIN, role: 'admin' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await standin?.close();
  await smtp?.close();
});

/** A browser of one's own (the log-in cookie is per browser), watching for CSP refusals and console errors. */
async function person(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await watchCsp(context);
  const page = await context.newPage();
  watched.set(page, watchConsole(page));
  await standInForCheckout(page);
  return page;
}

/**
 * There is no real Stripe here: the browser's requests to Checkout (reached by the redirect that
 * answers "Pay online by card") get a stand-in page offering the way back to the site. Chromium's
 * own interception (DevTools' Fetch domain) is used because Playwright's routes do not see the
 * second hop of a redirect.
 */
async function standInForCheckout(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Fetch.requestPaused', (event) => {
    const session = [...standin.sessions.values()].find((s) => s.url === event.request.url);
    const amount = session ? `$${(Number(session.amount_total) / 100).toFixed(2)}` : '';
    const html = session
      ? `<!doctype html><html lang="en"><head><title>Stripe Checkout</title><link rel="icon" href="data:,"></head><body><main><h1>Pay ${amount}</h1><p><a href="${session.success_url}">Back to the association</a></p></main></body></html>`
      : 'Not found';
    cdp
      .send('Fetch.fulfillRequest', {
        requestId: event.requestId,
        responseCode: session ? 200 : 404,
        responseHeaders: [{ name: 'content-type', value: session ? 'text/html; charset=utf-8' : 'text/plain' }],
        body: Buffer.from(html).toString('base64'),
      })
      // The page may be closing (the end of the run); payOnline says when Checkout did not show.
      .catch(() => undefined);
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: 'https://checkout.stripe.com/*', requestStage: 'Request' }] });
}

/** No axe violation, no CSP refusal and no console error on the page as it is now. */
async function expectClean(page: Page, what: string) {
  const violations = await axeViolations(page);
  expect(violations, `axe on ${what}:\n  ${violations.join('\n  ')}`).toEqual([]);
  expect(await cspViolations(page), `CSP on ${what}`).toEqual([]);
  expect(watched.get(page)!.problems, `console on ${what}`).toEqual([]);
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).innerText();
/** The message shown after an action (success or error), above the page's content. */
const flash = (page: Page) => page.locator('main p.flash').first().innerText();

/** What the account page's Membership section says: "Status" → "Active", "Level" → …. */
async function membershipFacts(page: Page): Promise<Record<string, string>> {
  const section = page.getByRole('region', { name: 'Membership', exact: true });
  const terms = await section.locator('dl > dt').allInnerTexts();
  const values = await section.locator('dl > dd').allInnerTexts();
  return Object.fromEntries(terms.map((t, i) => [t.trim(), values[i]!.trim()]));
}

// Mail: every message the SMTP server received since the last look, by recipient.

let seen = 0;
/** Run the due jobs (the renewals pass, then sending the e-mail), and answer the new messages. */
async function newMail(): Promise<ParsedMail[]> {
  const { failed } = await site.jobs.runDue();
  expect(failed, 'failed jobs').toBe(0);
  const fresh = smtp.messages.slice(seen);
  seen = smtp.messages.length;
  return fresh;
}
const recipients = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : [m.to]).map((t) => t?.text ?? '').join(', ');
const to = (mails: ParsedMail[], address: string) => mails.filter((m) => recipients(m).includes(address));
const subjects = (mails: ParsedMail[], address: string) => to(mails, address).map((m) => m.subject);

/**
 * "Pay online by card", then on Stripe's (stand-in) Checkout page: the member pays, Stripe signs
 * and delivers its webhook, the member goes back to the site.
 */
async function payOnline(page: Page, amount: string) {
  await page.getByRole('button', { name: 'Pay online by card' }).click();
  await page.waitForURL(/^https:\/\/checkout\.stripe\.com\//, { timeout: 10_000 }).catch((err: Error) => {
    // A CSP refusal of the redirect, say, shows up among the page's problems.
    throw new Error(`"Pay online by card" did not lead to Stripe Checkout: ${watched.get(page)!.problems.join('; ') || err.message}`);
  });
  await page.waitForLoadState('load');
  expect(await heading(page)).toBe(`Pay ${amount}`);
  const session = [...standin.sessions.values()].find((s) => s.url === page.url());
  expect(session, `a Checkout session at ${page.url()}`).toBeDefined();
  const completed = standin.complete(session!.id);
  const event = signedEvent('checkout.session.completed', completed, { timestamp: Math.floor(clock.now().getTime() / 1000) });
  const delivery = await fetch(`${site.baseUrl}/stripe/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': event.signature },
    body: event.payload,
  });
  expect(delivery.status).toBe(200);
  expect(await delivery.json()).toMatchObject({ outcome: 'paid' });
  await clickAndLoad(page.getByRole('link', { name: 'Back to the association' }));
  expect(new URL(page.url()).pathname).toBe('/account');
}

/** Move the clock to `days` from the renewal date (negative: before it), plus `hours`. */
function moveTo(days: number, hours = 0) {
  clock.advance(RENEWAL + days * DAY + hours * HOUR - clock.now().getTime());
}

/**
 * A visitor fills in the application for `who.level`, then opens the link e-mailed to them and
 * confirms. `check`: run axe and the CSP checks on each screen (once is enough for the same screens).
 */
async function applyAndConfirm(page: Page, who: typeof PAT, check: boolean) {
  const clean = async (what: string) => (check ? expectClean(page, what) : undefined);
  await clickAndLoad(page.getByRole('link', { name: `Apply for ${who.level}` }));
  expect(await heading(page)).toBe(`Apply for ${who.level} membership`);
  await clean('the application form');
  await page.getByLabel('Full name').fill(who.name);
  await page.getByLabel('E-mail address', { exact: true }).fill(who.email);
  await page.getByLabel('Choose a password').fill(who.password);
  await page.getByLabel('Type the password again').fill(who.password);
  await page.getByLabel('Organization').fill(who.organization);
  await page.getByLabel('Job title').fill('Pretreatment coordinator');
  await page.getByLabel('City').fill(who.city);
  await page.getByLabel('State').fill('CO');
  await clickAndLoad(page.getByRole('button', { name: 'Send my application' }));
  expect(await heading(page)).toBe('Check your e-mail');
  expect(await mainText(page)).toContain(`We have sent a message to ${who.email}.`);
  await clean('"Check your e-mail"');

  const mail = to(await newMail(), who.email);
  expect(mail.map((m) => m.subject)).toEqual(['Confirm your e-mail address for your CIPCA application']);
  // The applicant typed the name, and the address is not proven theirs yet: no name in the greeting (decision 0025).
  expect(mail[0]!.text).toMatch(/^Hello,\n/);
  expect(mail[0]!.text).toContain(`Thank you for applying for ${who.level} membership of CIPCA.`);
  await page.goto(`${site.baseUrl}${linkIn(mail[0]!.text, site.baseUrl)}`);
  expect(await heading(page)).toBe('Confirm your e-mail address');
  await clean('the confirmation page');
  await clickAndLoad(page.getByRole('button', { name: 'Confirm my e-mail address' }));
  expect(await heading(page)).toBe('My account');
  expect(await flash(page)).toBe('Thank you: your e-mail address is confirmed.');
  expect(await membershipFacts(page)).toMatchObject({ Level: who.level, Status: 'Waiting for approval' });
  expect(await mainText(page)).toContain(`for ${who.dues} is due`);
  await clean('the account page of an applicant');
}

/** The admin finds the application under Members, status "Waiting for approval", and opens it. */
async function openApplication(admin: Page, name: string) {
  await admin.goto(`${site.baseUrl}/admin`);
  await clickAndLoad(admin.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Members', exact: true }));
  await admin.getByLabel('Status').selectOption({ label: 'Waiting for approval' });
  await clickAndLoad(admin.getByRole('button', { name: 'Show members' }));
  await expectClean(admin, 'the members waiting for approval');
  const rows = admin
    .getByRole('region', { name: /^Members, page/ })
    .getByRole('row')
    .filter({ hasText: name });
  expect(await rows.count()).toBe(1);
  expect(await rows.innerText()).toContain('Waiting for approval');
  await clickAndLoad(rows.getByRole('link', { name }));
  expect(await heading(admin)).toBe(name);
  await expectClean(admin, 'an application');
}

let pat: Page;
let robin: Page;
let admin: Page;

// The steps run in order, each carrying on from where the one before left the site and the people.
describe('the membership journey', () => {
  it('a visitor applies, confirms the e-mail, pays online, is approved, and logs in as an active member', async () => {
    pat = await person();
    await pat.goto(`${site.baseUrl}/`);
    await expectClean(pat, 'the home page');
    await clickAndLoad(pat.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Become a member' }));
    expect(await heading(pat)).toBe('Become a member');
    expect(await mainText(pat)).toContain('Associate');
    await expectClean(pat, '"Become a member"');
    await applyAndConfirm(pat, PAT, true);

    // Pay now, before the board decides: off to Checkout and back.
    await payOnline(pat, PAT.dues);
    expect(await membershipFacts(pat)).toMatchObject({ Status: 'Waiting for approval' });
    const invoices = pat.getByRole('region', { name: 'Your invoices' });
    expect(await invoices.getByRole('row').nth(1).innerText()).toMatch(new RegExp(`${PAT.dues.replace('$', '\\$')}\\s+Paid$`));
    expect(await pat.getByRole('button', { name: 'Pay online by card' }).count()).toBe(0);
    await expectClean(pat, 'the account page after paying online');
    expect(await newMail()).toEqual([]);

    // The board approves: the dues are paid, so the membership is active at once.
    admin = await person();
    await logIn(admin, site.baseUrl, ADMIN.email, ADMIN.password);
    expect(await heading(admin)).toBe('Administration');
    await openApplication(admin, PAT.name);
    expect(await mainText(admin)).toContain(`Invoice 1: ${PAT.dues}, paid`);
    await clickAndLoad(admin.getByRole('button', { name: 'Approve', exact: true }));
    expect(await flash(admin)).toBe('Approved: the dues were already paid, so the membership is active.');
    expect(await mainText(admin)).toContain('Status Active');
    await expectClean(admin, 'an approved application');
    expect(subjects(await newMail(), PAT.email)).toEqual(['Your CIPCA membership application was approved', 'Welcome to CIPCA: your membership is active']);

    // Pat logs out, and back in as a member.
    await clickAndLoad(pat.getByRole('button', { name: 'Log out' }));
    await logIn(pat, site.baseUrl, PAT.email, PAT.password);
    expect(await heading(pat)).toBe('My account');
    expect(await membershipFacts(pat)).toEqual({ Level: PAT.level, Status: 'Active', 'Renewal date': 'March 2, 2027' });
    await expectClean(pat, 'the account page of an active member');
  }, 60_000);

  it('a second applicant asks for the invoice by e-mail, is approved, and pays by check', async () => {
    robin = await person();
    await robin.goto(`${site.baseUrl}/`);
    await clickAndLoad(robin.getByRole('link', { name: 'Become a member' }).first());
    await applyAndConfirm(robin, ROBIN, false);

    await clickAndLoad(robin.getByRole('button', { name: 'E-mail me the invoice' }));
    expect(await flash(robin)).toBe(`We have e-mailed your invoice to ${ROBIN.email}.`);
    const invoiceMail = to(await newMail(), ROBIN.email);
    expect(invoiceMail.map((m) => m.subject)).toEqual(['CIPCA invoice 2']);
    expect(invoiceMail[0]!.text).toContain(`Here is invoice 2 for ${ROBIN.dues}`);

    // The board approves; the membership waits for the dues.
    await openApplication(admin, ROBIN.name);
    await clickAndLoad(admin.getByRole('button', { name: 'Approve', exact: true }));
    expect(await flash(admin)).toBe('Approved: the membership starts when the dues are paid.');
    expect(await mainText(admin)).toContain('Status Waiting for payment');
    expect(subjects(await newMail(), ROBIN.email)).toEqual(['Your CIPCA membership application was approved']);
    await robin.reload();
    expect(await membershipFacts(robin)).toMatchObject({ Status: 'Waiting for payment' });

    // Robin's check arrives: the treasurer records it on the invoice.
    await clickAndLoad(admin.getByRole('link', { name: `Invoice 2: ${ROBIN.dues}, unpaid` }));
    expect(await heading(admin)).toBe('Invoice 2');
    await expectClean(admin, 'an unpaid invoice');
    await admin.getByLabel('Method').selectOption({ label: 'Check' });
    expect(await admin.getByLabel('Amount in dollars').inputValue()).toBe(ROBIN.dues.slice(1));
    await admin.getByLabel('Reference').fill('Check 1047');
    await clickAndLoad(admin.getByRole('button', { name: 'Record the payment' }));
    expect(await flash(admin)).toBe(`Payment of ${ROBIN.dues} recorded. Invoice 2 is paid.`);
    expect(await mainText(admin)).toContain('Check 1047');
    await expectClean(admin, 'a paid invoice');

    const welcome = to(await newMail(), ROBIN.email);
    expect(welcome.map((m) => m.subject)).toEqual(['Welcome to CIPCA: your membership is active']);
    expect(welcome[0]!.text).toContain(`Your ${ROBIN.level} membership is active until March 2, 2027.`);
    await robin.reload();
    expect(await membershipFacts(robin)).toEqual({ Level: ROBIN.level, Status: 'Active', 'Renewal date': 'March 2, 2027' });
    await expectClean(robin, 'the account page after the payment by check');
  }, 60_000);

  it('a member finds a colleague in the member directory', async () => {
    await pat.goto(`${site.baseUrl}/account`);
    await clickAndLoad(pat.getByRole('link', { name: 'Member directory' }).first());
    expect(await heading(pat)).toBe('Member directory');
    await expectClean(pat, 'the member directory');
    for (const words of ['robin', 'front range', ROBIN.city]) {
      await pat.getByLabel('Search by name, organization or city').fill(words);
      await clickAndLoad(pat.getByRole('button', { name: 'Search' }));
      expect(await pat.getByRole('heading', { level: 3 }).allInnerTexts(), `search for “${words}”`).toEqual([ROBIN.name]);
    }
    expect(await mainText(pat)).toContain(ROBIN.organization);
    await expectClean(pat, 'a directory search');
  }, 60_000);

  it('a year on: each reminder goes out once, the member who did not pay lapses, then renews online', async () => {
    const reminders: [number, string][] = [
      [-30, 'Your CIPCA membership renews on March 2, 2027'],
      [-7, 'Your CIPCA membership renews on March 2, 2027'],
      [0, 'Your CIPCA membership renews today'],
      [7, 'Reminder: your CIPCA membership renewal is overdue'],
    ];
    expect(await newMail()).toEqual([]);
    moveTo(-31);
    expect(await newMail(), 'nothing 31 days before').toEqual([]);
    // The invoice each reminder names: the first reminder issues it, the others name it again.
    const named = new Map<string, Set<string>>([
      [PAT.email, new Set()],
      [ROBIN.email, new Set()],
    ]);
    for (const [days, subject] of reminders) {
      moveTo(days);
      const mail = await newMail();
      expect(mail.map(recipients).sort(), `${days} days: one e-mail to each member`).toEqual([PAT.email, ROBIN.email].sort());
      for (const who of [PAT, ROBIN]) {
        const [reminder] = to(mail, who.email);
        expect(reminder!.subject, `${days} days: ${who.name}`).toBe(subject);
        expect(reminder!.text).toContain(`Hello ${who.name},`);
        expect(reminder!.text).toContain(who.dues);
        expect(linkIn(reminder!.text, site.baseUrl)).toBe('/account');
        named.get(who.email)!.add(/\(invoice (\d+)\)/.exec(reminder!.text ?? '')?.[1] ?? 'none');
      }
      // Running the jobs again, at once and an hour later (the job runs every hour), sends nothing more.
      expect(await newMail(), `${days} days, run again`).toEqual([]);
      moveTo(days, 1);
      expect(await newMail(), `${days} days, an hour later`).toEqual([]);
    }
    const [patInvoice] = [...named.get(PAT.email)!];
    const [robinInvoice] = [...named.get(ROBIN.email)!];
    expect(named.get(PAT.email)!.size, 'one renewal invoice for Pat').toBe(1);
    expect(named.get(ROBIN.email)!.size, 'one renewal invoice for Robin').toBe(1);
    expect(patInvoice).toMatch(/^\d+$/);
    expect(robinInvoice).toMatch(/^\d+$/);

    // A week after the renewal date, unpaid, Pat still has access (the grace period) and may renew.
    await logIn(pat, site.baseUrl, PAT.email, PAT.password);
    expect(await membershipFacts(pat)).toEqual({ Level: PAT.level, Status: 'Active', 'Renewal date': 'March 2, 2027' });
    expect(await mainText(pat)).toContain(`Invoice ${patInvoice} for ${PAT.dues} is due`);
    expect(await pat.getByRole('button', { name: 'Renew now' }).count()).toBe(1);
    await expectClean(pat, 'the account page in the grace period');
    await clickAndLoad(pat.getByRole('link', { name: 'Member directory' }).first());
    expect(await heading(pat)).toBe('Member directory');

    // Robin pays the renewal by check within the grace period (the reminder issued the invoice).
    await logIn(admin, site.baseUrl, ADMIN.email, ADMIN.password);
    await admin.goto(`${site.baseUrl}/admin/members`);
    await admin.getByLabel('Name, e-mail or organization contains').fill('Robin');
    await clickAndLoad(admin.getByRole('button', { name: 'Show members' }));
    await clickAndLoad(admin.getByRole('link', { name: ROBIN.name }));
    await clickAndLoad(admin.getByRole('link', { name: `Invoice ${robinInvoice}: ${ROBIN.dues}, unpaid` }));
    expect(await heading(admin)).toBe(`Invoice ${robinInvoice}`);
    await admin.getByLabel('Reference').fill('Check 1102');
    await clickAndLoad(admin.getByRole('button', { name: 'Record the payment' }));
    expect(await flash(admin)).toBe(`Payment of ${ROBIN.dues} recorded. Invoice ${robinInvoice} is paid.`);
    const renewed = to(await newMail(), ROBIN.email);
    expect(renewed.map((m) => m.subject)).toEqual(['Your CIPCA membership is renewed']);
    expect(renewed[0]!.text).toContain(`Your ${ROBIN.level} membership is active until March 2, 2028.`);

    // Thirty days after the renewal date the grace period is over: Pat lapses, Robin does not.
    moveTo(29, 23);
    expect(await newMail(), 'the last hour of the grace period').toEqual([]);
    moveTo(30);
    const lapsed = await newMail();
    expect(subjects(lapsed, PAT.email)).toEqual(['Your CIPCA membership has lapsed']);
    expect(lapsed).toHaveLength(1);
    moveTo(30, 1);
    expect(await newMail()).toEqual([]);

    // Pat finds the account lapsed and the directory closed.
    await pat.goto(`${site.baseUrl}/account`);
    expect(await heading(pat)).toBe('My account');
    expect(await membershipFacts(pat)).toEqual({ Level: PAT.level, Status: 'Lapsed', 'Paid through': 'March 2, 2027' });
    expect(await mainText(pat)).toContain('Your membership has lapsed. Pay your renewal invoice to renew.');
    await expectClean(pat, 'the account page of a lapsed member');
    const refused = await pat.goto(`${site.baseUrl}/directory?q=robin`);
    expect(refused?.status()).toBe(403);
    expect(await heading(pat)).toBe('For members');
    expect(await mainText(pat)).toContain('your membership is not active');
    expect(await pat.getByRole('heading', { level: 3 }).count()).toBe(0);
    await expectClean(pat, 'the directory, refused');

    // "Renew now", then pay online: the new year starts today.
    await pat.goto(`${site.baseUrl}/account`);
    await clickAndLoad(pat.getByRole('button', { name: 'Renew now' }));
    expect(await flash(pat)).toBe(`Your renewal invoice ${patInvoice} for ${PAT.dues} is below. Download it (PDF) to pay by check or bank transfer.`);
    await payOnline(pat, PAT.dues);
    expect(await membershipFacts(pat)).toEqual({ Level: PAT.level, Status: 'Active', 'Renewal date': 'April 1, 2028' });
    expect(await pat.getByRole('button', { name: 'Renew now' }).count()).toBe(0);
    await expectClean(pat, 'the account page after renewing');
    const back = to(await newMail(), PAT.email);
    expect(back.map((m) => m.subject)).toEqual(['Your CIPCA membership is renewed']);
    expect(back[0]!.text).toContain(`Your ${PAT.level} membership is active until April 1, 2028.`);

    // The directory is open again, and the colleague is still there.
    await clickAndLoad(pat.getByRole('link', { name: 'Member directory' }).first());
    expect(await heading(pat)).toBe('Member directory');
    await pat.getByLabel('Search by name, organization or city').fill(ROBIN.city);
    await clickAndLoad(pat.getByRole('button', { name: 'Search' }));
    expect(await pat.getByRole('heading', { level: 3 }).allInnerTexts()).toEqual([ROBIN.name]);
    await expectClean(pat, 'the directory after renewing');

    // Robin, who paid in time, never lapsed.
    await logIn(robin, site.baseUrl, ROBIN.email, ROBIN.password);
    expect(await membershipFacts(robin)).toEqual({ Level: ROBIN.level, Status: 'Active', 'Renewal date': 'March 2, 2028' });
  }, 90_000);
});
