import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createHeadworks } from '#src/app.js';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import type { TestClock } from '#test/support/clock.js';
import type { TestSite } from '#test/support/site.js';
import { linkIn, startSmtp, type SmtpCatcher } from '#test/support/smtp.js';
import * as kit from '#test/support/kit.js';

const ADMIN = { email: 'board@example.org', password: 'correct horse battery staple', name: 'Board Admin' };
const MEMBER = { email: 'pat@example.org', password: 'a long member password', name: 'Pat Member' };

// A member who joined on March 2, 2026 (9 a.m. in Denver) renews on March 2, 2027: Individual
// level, $50.00 a year, 30 days' grace.
const JOINED = '2026-03-02T16:00:00.000Z';
const RENEWAL = Date.parse('2027-03-02T16:00:00.000Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

async function newSite() {
  const { site, clock } = await kit.newSite({ at: JOINED, smtp, admins: [ADMIN], members: [MEMBER] });
  return { site, clock };
}

/** Move the clock to `days` days from the renewal date (negative: before it), plus `hours`. */
function moveTo(clock: TestClock, days: number, hours = 0) {
  clock.advance(RENEWAL + days * DAY + hours * HOUR - clock.now().getTime());
}

/** Run the jobs that are due (the hourly renewals pass, then the e-mail it queued): the new mail to `address`. */
async function mailFor(site: TestSite, address: string, since: number): Promise<ParsedMail[]> {
  return kit.mailFor(site, smtp, address, since);
}

/** Move to `days` from the renewal date, run the jobs, and answer the e-mails the member received. */
async function dayOf(site: TestSite, clock: TestClock, days: number, hours = 0) {
  moveTo(clock, days, hours);
  return mailFor(site, MEMBER.email, smtp.messages.length);
}

/** The domain events written to the outbox so far: name and payload, oldest first. */
async function outbox(site: TestSite) {
  const rows = await site.database.db.selectFrom('outbox').select(['name', 'payload']).orderBy('id').execute();
  return rows.map((r) => ({ name: r.name, ...(JSON.parse(r.payload) as object) }));
}

async function logIn(site: TestSite, who: { email: string; password: string }) {
  return kit.logIn(site, who);
}

const invoicesOf = async (site: TestSite, email = MEMBER.email) => site.billing.listForUser((await site.accounts.findUserByEmail(email))!.id);
const membershipOf = async (site: TestSite, email = MEMBER.email) => (await site.membership.lifecycle.forUser((await site.accounts.findUserByEmail(email))!.id))!.membership;

async function pay(site: TestSite, invoiceId: number, cents = 5000) {
  const paid = await site.billing.recordPayment(invoiceId, { method: 'check', amountCents: cents, reference: 'Check 2001', actorUserId: null });
  expect(paid.ok).toBe(true);
}

describe('renewal reminders', () => {
  it('e-mails 30 and 7 days before, on the day and 7 days after, each once, with the amount, the date and the account link', async () => {
    const { site, clock } = await newSite();
    expect(await dayOf(site, clock, -31)).toEqual([]);

    const [first, ...more] = await dayOf(site, clock, -30);
    expect(more).toEqual([]);
    expect(first!.subject).toBe('Your CIPCA membership renews on March 2, 2027');
    expect(first!.text).toContain('Hello Pat Member');
    expect(first!.text).toContain('The dues are $50.00 (invoice 1).');
    expect(linkIn(first!.text)).toBe('/account');
    // The job runs every hour: later runs of the same day send nothing more.
    expect(await dayOf(site, clock, -30, 1)).toEqual([]);
    expect(await dayOf(site, clock, -29)).toEqual([]);

    const week = await dayOf(site, clock, -7);
    expect(week.map((m) => m.subject)).toEqual(['Your CIPCA membership renews on March 2, 2027']);
    expect(await dayOf(site, clock, -7, 5)).toEqual([]);

    const today = await dayOf(site, clock, 0);
    expect(today.map((m) => m.subject)).toEqual(['Your CIPCA membership renews today']);
    expect(today[0]!.text).toContain('renews today, March 2, 2027. The dues are $50.00 (invoice 1).');
    expect(today[0]!.text).toContain('Your members-only access continues until April 1, 2027');

    const late = await dayOf(site, clock, 7);
    expect(late.map((m) => m.subject)).toEqual(['Reminder: your CIPCA membership renewal is overdue']);
    expect(late[0]!.text).toContain('was due for renewal on March 2, 2027');
    expect(late[0]!.text).toContain('$50.00 (invoice 1)');
    expect(linkIn(late[0]!.text)).toBe('/account');
    expect(await dayOf(site, clock, 8)).toEqual([]);
    expect(await dayOf(site, clock, 20)).toEqual([]);

    // One renewal invoice for the cycle, for the year after the renewal date.
    const invoices = await invoicesOf(site);
    expect(invoices.map((i) => [i.number, i.total_cents, i.status])).toEqual([[1, 5000, 'unpaid']]);
    expect((await site.billing.get(invoices[0]!.id))!.lines.map((l) => l.description)).toEqual(['Individual membership renewal, March 2, 2027 to March 2, 2028']);
    // Membership's own link says which membership and period the invoice pays for.
    expect(
      await site.database.db.selectFrom('membership_invoices').select(['membership_id', 'period_start', 'period_end']).where('invoice_id', '=', invoices[0]!.id).execute(),
    ).toEqual([{ membership_id: (await membershipOf(site)).id, period_start: '2027-03-02T16:00:00.000Z', period_end: '2028-03-02T16:00:00.000Z' }]);
  });

  it('sends each reminder once when runs overlap, also from two app processes', async () => {
    const { site, clock } = await newSite();
    const other = await createHeadworks(site.config, { clock });
    onTestFinished(() => other.close());

    for (const days of [-30, -7]) {
      moveTo(clock, days);
      const since = smtp.messages.length;
      const runs = await Promise.allSettled([site.membership.renewals.run(), other.membership.renewals.run(), site.membership.renewals.run(), other.membership.renewals.run()]);
      // PostgreSQL makes the later runs wait and then skip; SQLite refuses a second writer at once
      // ("database is locked"): that run fails, having sent nothing, and its job is retried.
      const failed = runs.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      expect(failed.filter((reason) => !reason.includes('database is locked'))).toEqual([]);
      expect(runs.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value.reminded : 0), 0)).toBe(1);
      await Promise.all([site.jobs.runDue(), other.jobs.runDue()]);
      const mail = await mailFor(site, MEMBER.email, since);
      expect(mail.map((m) => m.subject)).toEqual(['Your CIPCA membership renews on March 2, 2027']);
    }
    expect((await invoicesOf(site)).map((i) => i.number)).toEqual([1]);
  });

  it('stops once the member pays, moves the renewal date a year, and starts again for the next year', async () => {
    const { site, clock } = await newSite();
    for (const days of [-30, -7, 0, 7]) expect(await dayOf(site, clock, days)).toHaveLength(1);

    moveTo(clock, 8);
    const member = await logIn(site, MEMBER);
    const before = visibleText((await member.get('/account')).body);
    expect(before).toContain('Status Active');
    expect(before).toContain('Renewal date March 2, 2027');
    expect(before).toMatch(/Invoice 1 for \$50\.00 is due March 2, 2027/);
    expect(before).toContain('Renew now');

    const since = smtp.messages.length;
    await pay(site, (await invoicesOf(site))[0]!.id);
    const [thanks] = await mailFor(site, MEMBER.email, since);
    expect(thanks!.subject).toBe('Your CIPCA membership is renewed');
    expect(thanks!.text).toContain('active until March 2, 2028');

    const after = visibleText((await member.get('/account')).body);
    expect(after).toContain('Status Active');
    expect(after).toContain('Renewal date March 2, 2028');
    expect(after).not.toContain('Renew now');

    // Past the old grace period: no reminder, no lapse.
    for (const days of [14, 31, 60, 300]) expect(await dayOf(site, clock, days), `day ${days}`).toEqual([]);
    expect((await membershipOf(site)).status).toBe('active');
    expect((await (await logIn(site, MEMBER)).get('/members')).status).toBe(200);

    // The next year's reminders, with the next year's invoice.
    // March 2, 2028 is 366 days on (2028 is a leap year).
    expect(await dayOf(site, clock, 366 - 31)).toEqual([]);
    const [next] = await dayOf(site, clock, 366 - 30);
    expect(next!.subject).toBe('Your CIPCA membership renews on March 2, 2028');
    expect(next!.text).toContain('The dues are $50.00 (invoice 2).');
  });
});

describe('lapsing and renewing', () => {
  it('lapses an unpaid member after the grace period; they keep their record, log in, renew now and pay', async () => {
    const { site, clock } = await newSite();
    for (const days of [-30, -7, 0, 7]) await dayOf(site, clock, days);

    // The last hour of the grace period: still a member.
    expect(await dayOf(site, clock, 30, -1)).toEqual([]);
    expect((await (await logIn(site, MEMBER)).get('/members')).status).toBe(200);

    const [lapsed, ...more] = await dayOf(site, clock, 30);
    expect(more).toEqual([]);
    expect(lapsed!.subject).toBe('Your CIPCA membership has lapsed');
    expect(lapsed!.text).toContain('lapsed on April 1, 2027');
    expect(lapsed!.text).toContain('invoice 1 for $50.00 is on your account page');
    expect(linkIn(lapsed!.text)).toBe('/account');
    expect(await dayOf(site, clock, 31)).toEqual([]);

    const member = await logIn(site, MEMBER);
    const members = await member.get('/members');
    expect(members.status).toBe(403);
    expect(visibleText(members.body)).toContain('your membership is not active');
    const account = visibleText((await member.get('/account')).body);
    expect(account).toContain('Status Lapsed');
    expect(account).toContain('Renew now');
    expect(account).toContain('No. 1 (PDF)');

    // Weeks later the member comes back and renews: the open invoice is the one to pay.
    moveTo(clock, 69);
    const back = await logIn(site, MEMBER);
    const renew = await back.submit('/account', {}, '/account/membership/renew');
    expect(renew.status).toBe(303);
    expect(renew.location).toBe('/account');
    const howToPay = await back.get('/account');
    expect(visibleText(howToPay.body)).toContain('Your renewal invoice 1 for $50.00 is below. Download it (PDF) to pay by check or bank transfer.');
    const pdfLink = /href="(\/account\/invoices\/\d+\/pdf)">Download the invoice/.exec(howToPay.body)![1]!;
    const pdf = await back.get(pdfLink);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toContain('application/pdf');

    // A payment recorded when the cached settings are due for a re-check (as a second after the
    // last page view): the re-check inside the payment's transaction must not wait on itself.
    site.state.expireCache();
    const since = smtp.messages.length;
    await pay(site, (await invoicesOf(site))[0]!.id);
    const [thanks] = await mailFor(site, MEMBER.email, since);
    expect(thanks!.subject).toBe('Your CIPCA membership is renewed');
    // A lapsed member's new year starts on the day they pay (May 10), not at the old renewal date.
    expect(thanks!.text).toContain('active until May 10, 2028');
    expect((await back.get('/members')).status).toBe(200);
    const renewed = visibleText((await back.get('/account')).body);
    expect(renewed).toContain('Status Active');
    expect(renewed).toContain('Renewal date May 10, 2028');

    // The admins read the whole story in the member's history.
    const board = await logIn(site, ADMIN);
    const history = visibleText((await board.get(`/admin/members/${(await membershipOf(site)).id}`)).body);
    const story = [
      'Renewal due March 2, 2027: invoice 1 for $50.00 issued.',
      'Renewal reminder e-mailed (30 days before).',
      'Renewal reminder e-mailed (7 days after).',
      'Lapsed: the renewal dues were not paid by the end of the grace period (April 1, 2027).',
      'Renewed until May 10, 2028 (invoice 1).',
    ];
    let at = -1;
    for (const entry of story) {
      const next = history.indexOf(entry);
      expect(next, entry).toBeGreaterThan(at);
      at = next;
    }
    // The lapse and the renewal are domain events too, for later automations.
    const m = await membershipOf(site);
    const about = { membershipId: m.id, userId: m.user_id, levelId: m.level_id };
    const invoiceId = (await invoicesOf(site))[0]!.id;
    expect(await outbox(site)).toEqual([
      { name: 'membership.lapsed', ...about, expiresAt: '2027-03-02T16:00:00.000Z' },
      expect.objectContaining({ name: 'invoice.paid', invoiceId }),
      { name: 'membership.renewed', ...about, previousExpiresAt: '2027-03-02T16:00:00.000Z', expiresAt: '2028-05-10T16:00:00.000Z', invoiceId, actorUserId: null },
    ]);
  });

  it('issues a new renewal invoice when the open one was voided, and refuses to renew long before the renewal date', async () => {
    const { site, clock } = await newSite();
    moveTo(clock, -45);
    const member = await logIn(site, MEMBER);
    expect(visibleText((await member.get('/account')).body)).not.toContain('Renew now');
    const early = await member.post('/account/membership/renew', { _csrf: member.csrf() });
    expect(early.status).toBe(303);
    expect(visibleText((await member.get('/account')).body)).toContain('Your membership is paid through March 2, 2027. You can renew from January 31, 2027.');
    expect(await invoicesOf(site)).toEqual([]);

    for (const days of [-30, -7, 0, 7, 30]) await dayOf(site, clock, days);
    expect((await membershipOf(site)).status).toBe('lapsed');
    const voided = await site.billing.voidInvoice((await invoicesOf(site))[0]!.id, { reason: 'Wrong address', actorUserId: null });
    expect(voided.ok).toBe(true);

    moveTo(clock, 40);
    const back = await logIn(site, MEMBER);
    await back.submit('/account', {}, '/account/membership/renew');
    expect(visibleText((await back.get('/account')).body)).toContain('Your renewal invoice 2 for $50.00 is below.');
    // Pressing again shows the same invoice; no third one.
    await back.submit('/account', {}, '/account/membership/renew');
    expect(visibleText((await back.get('/account')).body)).toContain('Your renewal invoice 2 for $50.00 is below.');
    expect((await invoicesOf(site)).map((i) => [i.number, i.status])).toEqual([
      [2, 'unpaid'],
      [1, 'void'],
    ]);
    await pay(site, (await invoicesOf(site))[0]!.id);
    expect(visibleText((await back.get('/account')).body)).toContain('Renewal date April 11, 2028');
  });

  it('renews a level without dues by itself on the renewal date', async () => {
    const { site, clock } = await newSite();
    const board = await logIn(site, ADMIN);
    await board.submit('/admin/levels/new', { name: 'Honorary', dues: '0', renewal_policy: 'anniversary', grace_days: '0', public_can_apply: 'on' }, '/admin/levels');
    const honorary = (await site.membership.lifecycle.listLevels()).find((l) => l.name === 'Honorary')!;
    const since = smtp.messages.length;
    const applicant = new Client(site.app);
    await applicant.submit(`/join/${honorary.id}`, { name: 'Honor Ary', email: 'honor@example.org', password: 'a long honorary password', confirm: 'a long honorary password' });
    const [confirm] = await mailFor(site, 'honor@example.org', since);
    await applicant.submit(linkIn(confirm!.text), {});
    await site.jobs.runDue();
    expect((await membershipOf(site, 'honor@example.org')).expires_at).toBe('2027-03-02T16:00:00.000Z');

    moveTo(clock, 0, 1);
    expect(await mailFor(site, 'honor@example.org', smtp.messages.length)).toEqual([]);
    const after = await membershipOf(site, 'honor@example.org');
    expect(after.status).toBe('active');
    expect(after.expires_at).toBe('2028-03-02T16:00:00.000Z');
    expect(await invoicesOf(site, 'honor@example.org')).toEqual([]);
    const about = { membershipId: after.id, userId: after.user_id, levelId: honorary.id };
    expect(await outbox(site)).toEqual([
      { name: 'membership.activated', ...about, expiresAt: '2027-03-02T16:00:00.000Z', invoiceId: null, actorUserId: null },
      { name: 'membership.renewed', ...about, previousExpiresAt: '2027-03-02T16:00:00.000Z', expiresAt: '2028-03-02T16:00:00.000Z', invoiceId: null, actorUserId: null },
    ]);
    const again = await logIn(site, { email: 'honor@example.org', password: 'a long honorary password' });
    expect((await again.get('/members')).status).toBe(200);
  });
});

describe('admins choose the reminder days', () => {
  it('refuses bad days beside the field, keeps what was typed, and uses the new days', async () => {
    const { site, clock } = await newSite();
    const board = await logIn(site, ADMIN);
    const page = await board.get('/admin/renewals');
    expect(page.status).toBe(200);
    expect(visibleText(page.body)).toContain('Reminders now go out: 30 days before, 7 days before, on the renewal date, 7 days after.');
    expect(inputValue(page.body, 'reminder_days')).toBe('-30, -7, 0, 7');
    expect(page.body).toContain('href="/admin/renewals" aria-current="page">Renewals');

    const bad = await board.submit('/admin/renewals', { reminder_days: '-30, soon' });
    expect(bad.status).toBe(422);
    expect(fieldError(bad.body, 'reminder_days')).toBe('Error: “soon” is not a number of days. Write whole numbers separated by commas, e.g. -30, -7, 0, 7.');
    expect(inputValue(bad.body, 'reminder_days')).toBe('-30, soon');
    for (const [typed, message] of [
      ['', 'Enter at least one day'],
      ['-400', 'use days from -365 to 365'],
      ['1.5', '“1.5” is not a number of days'],
    ] as const) {
      const res = await board.submit('/admin/renewals', { reminder_days: typed });
      expect(res.status, typed).toBe(422);
      expect(fieldError(res.body, 'reminder_days'), typed).toContain(message);
    }
    const missing = await board.post('/admin/renewals', { _csrf: board.csrf() });
    expect(missing.status).toBe(422);

    const saved = await board.submit('/admin/renewals', { reminder_days: '0, -14,  -14' });
    expect(saved.status).toBe(303);
    const now = visibleText((await board.get('/admin/renewals')).body);
    expect(now).toContain('The reminder days were saved.');
    expect(now).toContain('Reminders now go out: 14 days before, on the renewal date.');

    // Members may still renew from 30 days before; the reminders then use that invoice.
    expect(await dayOf(site, clock, -30)).toEqual([]);
    moveTo(clock, -20);
    const member = await logIn(site, MEMBER);
    expect(visibleText((await member.get('/account')).body)).toContain('Renew now');
    await member.submit('/account', {}, '/account/membership/renew');
    expect(visibleText((await member.get('/account')).body)).toContain('Your renewal invoice 1 for $50.00 is below.');

    expect(await dayOf(site, clock, -15)).toEqual([]);
    const [fortnight] = await dayOf(site, clock, -14);
    expect(fortnight!.subject).toBe('Your CIPCA membership renews on March 2, 2027');
    expect(fortnight!.text).toContain('(invoice 1)');
    expect(await dayOf(site, clock, -7)).toEqual([]);
    expect((await dayOf(site, clock, 0)).map((m) => m.subject)).toEqual(['Your CIPCA membership renews today']);
    expect(await dayOf(site, clock, 7)).toEqual([]);
    expect((await invoicesOf(site)).map((i) => i.number)).toEqual([1]);
  });

  it('is for admins only', async () => {
    const { site } = await newSite();
    const member = await logIn(site, MEMBER);
    expect((await member.get('/admin/renewals')).status).toBe(403);
    await member.get('/account');
    expect((await member.post('/admin/renewals', { _csrf: member.csrf(), reminder_days: '1' })).status).toBe(403);
  });
});
