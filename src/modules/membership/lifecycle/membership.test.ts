import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import type { TestSite } from '#test/support/site.js';
import { linkIn, startSmtp, type SmtpCatcher } from '#test/support/smtp.js';
import * as kit from '#test/support/kit.js';

const ADMIN = { email: 'board@example.org', password: 'correct horse battery staple', name: 'Board Admin' };
const PASSWORD = 'a long applicant password';

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

async function newSite(start = '2026-07-02T16:00:00.000Z') {
  const { site, clock } = await kit.newSite({ at: start, smtp, admins: [ADMIN] });
  return { site, clock };
}

async function mailFor(site: TestSite, address: string, since: number): Promise<ParsedMail[]> {
  return kit.mailFor(site, smtp, address, since);
}

const levelId = kit.levelId;

const application = (email: string, extra: Record<string, string> = {}) => ({
  name: 'Pat Inspector',
  email,
  password: PASSWORD,
  confirm: PASSWORD,
  organization: 'City of Boulder',
  job_title: 'Pretreatment inspector',
  phone: '303-555-0100',
  address_line1: '1 Water St',
  address_line2: '',
  city: 'Boulder',
  region: 'CO',
  postal_code: '80301',
  ...extra,
});

/** Apply, then confirm the e-mail as the applicant would: returns the applicant's browser, logged in. */
async function applyAndConfirm(site: TestSite, level: string, email: string) {
  const since = smtp.messages.length;
  const id = await levelId(site, level);
  const applicant = new Client(site.app);
  const res = await applicant.submit(`/join/${id}`, application(email));
  expect(res.status).toBe(200);
  expect(visibleText(res.body)).toContain(`We have sent a message to ${email}`);
  const [mail] = await mailFor(site, email, since);
  expect(mail!.subject).toBe('Confirm your e-mail address for your CIPCA application');
  const link = linkIn(mail!.text);
  expect(link).toMatch(/^\/join\/verify\/[\w-]{20,}$/);
  const confirmed = await applicant.submit(link, {});
  expect(confirmed.status).toBe(303);
  expect(confirmed.location).toBe('/account');
  return { applicant, link };
}

async function membershipOf(site: TestSite, email: string) {
  return (await kit.membershipOf(site, email))!;
}

/** The domain events written to the outbox so far: name and payload, oldest first. */
async function outbox(site: TestSite) {
  const rows = await site.database.db.selectFrom('outbox').select(['name', 'payload']).orderBy('id').execute();
  return rows.map((r) => ({ name: r.name, ...(JSON.parse(r.payload) as object) }));
}

async function admin(site: TestSite) {
  return kit.logIn(site, ADMIN);
}

describe('becoming a member', () => {
  it('lists the levels a visitor may apply for, with yearly dues', async () => {
    const { site } = await newSite();
    const page = visibleText((await new Client(site.app).get('/join')).body);
    for (const text of ['Individual', '$50.00 a year', 'Agency', '$200.00 a year', 'Covers up to 5 people', 'Associate', 'Student or retired', 'Renews every January 1']) {
      expect(page).toContain(text);
    }
    expect(page).toContain('Apply for Individual');
  });

  it('walks an applicant from the form to an active membership once the dues are paid', async () => {
    const { site } = await newSite();
    const { applicant } = await applyAndConfirm(site, 'Individual', 'pat@example.org');

    const account = visibleText((await applicant.get('/account')).body);
    expect(account).toContain('Thank you: your e-mail address is confirmed.');
    expect(account).toContain('Waiting for payment');
    expect(account).toMatch(/Invoice 1 for \$50\.00 is due/);
    // Not a member yet: members-only pages say how to get there.
    const members = await applicant.get('/members');
    expect(members.status).toBe(403);
    expect(visibleText(members.body)).toContain('your membership is not active');

    const mine = await membershipOf(site, 'pat@example.org');
    const pdf = await applicant.get(`/account/invoices/${mine.invoices[0]!.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toContain('application/pdf');

    const since = smtp.messages.length;
    const adminUser = await site.accounts.findUserByEmail(ADMIN.email);
    const paid = await site.billing.recordPayment(mine.invoices[0]!.id, { method: 'check', amountCents: 5000, reference: 'Check 1042', actorUserId: adminUser!.id });
    expect(paid.ok).toBe(true);

    const after = visibleText((await applicant.get('/account')).body);
    expect(after).toContain('Status Active');
    expect(after).toContain('Renewal date July 2, 2027');
    expect((await applicant.get('/members')).status).toBe(200);
    const [welcome] = await mailFor(site, 'pat@example.org', since);
    expect(welcome!.subject).toBe('Welcome to CIPCA: your membership is active');
    expect(welcome!.text).toContain('active until July 2, 2027');
    // Billing said the invoice was paid, membership that the membership started: both in the outbox.
    const about = { membershipId: mine.membership.id, userId: mine.membership.user_id, levelId: mine.membership.level_id };
    expect(await outbox(site)).toEqual([
      { name: 'invoice.paid', invoiceId: mine.invoices[0]!.id, number: 1, userId: about.userId, totalCents: 5000, currency: 'USD', paidAt: '2026-07-02T16:00:00.000Z' },
      { name: 'membership.activated', ...about, expiresAt: '2027-07-02T16:00:00.000Z', invoiceId: mine.invoices[0]!.id, actorUserId: null },
    ]);
  });

  it('refuses bad input beside each field and keeps what was typed', async () => {
    const { site } = await newSite();
    const id = await levelId(site, 'Individual');
    const res = await new Client(site.app).submit(`/join/${id}`, application('not-an-address', { name: '', password: 'short', confirm: 'other', organization: 'Keep me' }));
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'name')).toBe('Error: Enter your full name.');
    expect(fieldError(res.body, 'email')).toMatch(/e-mail address in the form/);
    expect(fieldError(res.body, 'password')).toMatch(/at least 12 characters/);
    expect(inputValue(res.body, 'email')).toBe('not-an-address');
    expect(inputValue(res.body, 'organization')).toBe('Keep me');
    expect(await site.accounts.findUserByEmail('not-an-address')).toBeUndefined();

    const mismatch = await new Client(site.app).submit(`/join/${id}`, application('pat@example.org', { confirm: 'something else entirely' }));
    expect(fieldError(mismatch.body, 'confirm')).toMatch(/not the same/);
  });

  it('answers a second application with the same e-mail address as any other, and tells the owner by e-mail', async () => {
    const { site } = await newSite();
    await applyAndConfirm(site, 'Individual', 'pat@example.org');
    const since = smtp.messages.length;
    const id = await levelId(site, 'Associate');
    const res = await new Client(site.app).submit(`/join/${id}`, application('PAT@example.org', { name: 'Someone Else' }));
    const fresh = await new Client(site.app).submit(`/join/${id}`, application('new@example.org'));
    expect(res.status).toBe(fresh.status);
    expect(visibleText(res.body)).toBe(visibleText(fresh.body).replace('new@example.org', 'pat@example.org'));
    const [mail] = await mailFor(site, 'pat@example.org', since);
    expect(mail!.subject).toBe('Your CIPCA account');
    expect(mail!.text).toContain('It already has an account with us');
    const mine = await site.membership.lifecycle.forUser((await site.accounts.findUserByEmail('pat@example.org'))!.id);
    expect(mine!.level.name).toBe('Individual');
    expect((await site.accounts.findUserByEmail('pat@example.org'))!.name).toBe('Pat Inspector');
  });

  it('makes the confirmation link work once', async () => {
    const { site } = await newSite();
    const { link } = await applyAndConfirm(site, 'Individual', 'pat@example.org');
    const again = await new Client(site.app).submit(link, {});
    expect(again.status).toBe(410);
  });

  it('e-mails the invoice on request ("invoice me")', async () => {
    const { site } = await newSite();
    const { applicant } = await applyAndConfirm(site, 'Individual', 'pat@example.org');
    await applicant.get('/account');
    const since = smtp.messages.length;
    const res = await applicant.post('/account/membership/invoice-me', { _csrf: applicant.csrf() });
    expect(res.status).toBe(303);
    const [mail] = await mailFor(site, 'pat@example.org', since);
    expect(mail!.subject).toBe('CIPCA invoice 1');
    expect(mail!.text).toContain('$50.00');
  });

  it('pro-rates the first year of a level that renews on a fixed date', async () => {
    const { site } = await newSite('2026-07-02T16:00:00.000Z');
    await applyAndConfirm(site, 'Agency', 'agency@example.org');
    const mine = await membershipOf(site, 'agency@example.org');
    // July 2 to January 1 is 183 of 365 days: $200 × 183/365 = $100.27.
    expect(mine.invoices[0]!.total_cents).toBe(10027);
  });
});

describe('applications the board approves', () => {
  it('waits for approval, then for payment, then is active', async () => {
    const { site } = await newSite();
    const { applicant } = await applyAndConfirm(site, 'Associate', 'lab@example.org');
    expect(visibleText((await applicant.get('/account')).body)).toContain('Waiting for approval');

    const board = await admin(site);
    const queue = await board.get('/admin/members?status=pending_approval');
    expect(visibleText(queue.body)).toContain('Pat Inspector');
    const id = /href="\/admin\/members\/(\d+)">Pat Inspector/.exec(queue.body)![1];
    await board.get(`/admin/members/${id}`);
    const since = smtp.messages.length;
    const approved = await board.post(`/admin/members/${id}/approve`, { _csrf: board.csrf() });
    expect(approved.status).toBe(303);
    expect(approved.location).toBe(`/admin/members/${id}`);
    expect(visibleText((await board.get(`/admin/members/${id}`)).body)).toContain('Approved: the membership starts when the dues are paid.');
    // Approving twice, or someone unknown: a message, or not found.
    const csrf = board.csrf();
    expect((await board.post(`/admin/members/${id}/approve`, { _csrf: csrf })).status).toBe(303);
    expect(visibleText((await board.get(`/admin/members/${id}`)).body)).toContain('This application is no longer waiting for approval.');
    expect((await board.post('/admin/members/999999/approve', { _csrf: csrf })).status).toBe(404);
    const [mail] = await mailFor(site, 'lab@example.org', since);
    expect(mail!.subject).toBe('Your CIPCA membership application was approved');

    const mine = await membershipOf(site, 'lab@example.org');
    expect(mine.membership.status).toBe('awaiting_payment');
    await site.billing.recordPayment(mine.invoices[0]!.id, { method: 'bank_transfer', amountCents: 7500, reference: 'Wire 77', actorUserId: null });
    expect((await membershipOf(site, 'lab@example.org')).membership.status).toBe('active');
    // One approval (the second click changed nothing), then the payment and the start.
    expect((await outbox(site)).map((e) => [e.name, 'status' in e ? e.status : null])).toEqual([
      ['membership.approved', 'awaiting_payment'],
      ['invoice.paid', null],
      ['membership.activated', null],
    ]);

    const history = visibleText((await board.get(`/admin/members/${id}`)).body);
    const order = ['Applied for Associate.', 'Confirmed the e-mail address.', 'Application approved. (Board Admin)', 'Membership active until'];
    let at = -1;
    for (const entry of order) {
      const next = history.indexOf(entry);
      expect(next, entry).toBeGreaterThan(at);
      at = next;
    }
  });

  it('activates at approval when the dues were paid first', async () => {
    const { site } = await newSite();
    await applyAndConfirm(site, 'Associate', 'early@example.org');
    const mine = await membershipOf(site, 'early@example.org');
    await site.billing.recordPayment(mine.invoices[0]!.id, { method: 'check', amountCents: 7500, reference: 'Check 9', actorUserId: null });
    expect((await membershipOf(site, 'early@example.org')).membership.status).toBe('pending_approval');
    const adminUser = await site.accounts.findUserByEmail(ADMIN.email);
    const result = await site.membership.lifecycle.approve(mine.membership.id, adminUser!.id);
    expect(result).toEqual({ ok: true, value: 'active' });
    const about = { membershipId: mine.membership.id, userId: mine.membership.user_id, levelId: mine.membership.level_id };
    expect(await outbox(site)).toEqual([
      expect.objectContaining({ name: 'invoice.paid', invoiceId: mine.invoices[0]!.id }),
      { name: 'membership.approved', ...about, status: 'active', actorUserId: adminUser!.id },
      { name: 'membership.activated', ...about, expiresAt: '2027-07-02T16:00:00.000Z', invoiceId: mine.invoices[0]!.id, actorUserId: adminUser!.id },
    ]);
  });

  it('rejects with a reason the applicant receives, and voids the invoice', async () => {
    const { site } = await newSite();
    await applyAndConfirm(site, 'Student or retired', 'student@example.org');
    const mine = await membershipOf(site, 'student@example.org');
    const board = await admin(site);
    await board.get(`/admin/members/${mine.membership.id}`);
    const empty = await board.post(`/admin/members/${mine.membership.id}/reject`, { _csrf: board.csrf(), reason: '  ' });
    expect(empty.status).toBe(422);
    expect(fieldError(empty.body, 'reason')).toBe('Error: Enter the reason the applicant will read.');
    // The whole member's page comes back: the decision and every other panel, nothing else in error.
    const page = visibleText(empty.body);
    for (const panel of [
      'Decide on this application',
      'Approve',
      'Manage this member',
      'Edit details',
      'Change level',
      'Extend the renewal date',
      'Suspend',
      'Add a note',
      'History',
    ]) {
      expect(page, panel).toContain(panel);
    }
    expect(fieldError(empty.body, 'note')).toBeUndefined();
    expect(inputValue(empty.body, 'email')).toBe('student@example.org');
    // What was typed stays.
    const long = `We could not confirm your enrollment. ${'x'.repeat(2000)}`;
    const tooLong = await board.post(`/admin/members/${mine.membership.id}/reject`, { _csrf: board.csrf(), reason: long });
    expect(tooLong.status).toBe(422);
    expect(fieldError(tooLong.body, 'reason')).toBe('Error: Use at most 2000 characters for the reason the applicant will read.');
    expect(inputValue(tooLong.body, 'reason')).toBe(long);
    expect(visibleText(tooLong.body)).toContain('Change level');
    expect((await membershipOf(site, 'student@example.org')).membership.status).toBe('pending_approval');
    // Unknown or malformed members: not found.
    expect((await board.post('/admin/members/999999/reject', { _csrf: board.csrf(), reason: 'No.' })).status).toBe(404);
    expect((await board.post('/admin/members/abc/reject', { _csrf: board.csrf(), reason: 'No.' })).status).toBe(404);

    const since = smtp.messages.length;
    const res = await board.post(`/admin/members/${mine.membership.id}/reject`, { _csrf: board.csrf(), reason: 'We could not confirm your enrollment.' });
    expect(res.status).toBe(303);
    const [mail] = await mailFor(site, 'student@example.org', since);
    expect(mail!.text).toContain('We could not confirm your enrollment.');
    const after = await membershipOf(site, 'student@example.org');
    expect(after.membership.status).toBe('rejected');
    expect(after.invoices[0]!.status).toBe('void');
    const boardUser = await site.accounts.findUserByEmail(ADMIN.email);
    expect(await outbox(site)).toEqual([
      {
        name: 'membership.rejected',
        membershipId: mine.membership.id,
        userId: mine.membership.user_id,
        levelId: mine.membership.level_id,
        reason: 'We could not confirm your enrollment.',
        actorUserId: boardUser!.id,
      },
      // Its open dues invoice voided in the same transaction.
      {
        name: 'invoice.voided',
        invoiceId: after.invoices[0]!.id,
        number: after.invoices[0]!.number,
        userId: mine.membership.user_id,
        reason: 'Membership application not approved.',
        actorUserId: boardUser!.id,
      },
    ]);
  });
});

describe('one status change, inside one transaction', () => {
  /** What the approval left behind: the status, the `approved` history lines, approval e-mails sent, `membership.approved` events. */
  async function approvalTrace(site: TestSite, email: string, since: number) {
    const mine = await membershipOf(site, email);
    const history = await site.database.db.selectFrom('membership_events').select('kind').where('membership_id', '=', mine.membership.id).where('kind', '=', 'approved').execute();
    const mails = (await mailFor(site, email, since)).filter((m) => m.subject === 'Your CIPCA membership application was approved');
    const events = (await outbox(site)).filter((e) => e.name === 'membership.approved');
    return { status: mine.membership.status, approvedLines: history.length, mails: mails.length, events: events.length };
  }

  it('approves once when two approvals of the same application run at the same time', async () => {
    const { site } = await newSite();
    await applyAndConfirm(site, 'Associate', 'twice@example.org');
    const mine = await membershipOf(site, 'twice@example.org');
    const adminUser = await site.accounts.findUserByEmail(ADMIN.email);
    const since = smtp.messages.length;
    const results = await Promise.all([site.membership.lifecycle.approve(mine.membership.id, adminUser!.id), site.membership.lifecycle.approve(mine.membership.id, adminUser!.id)]);
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, value: 'awaiting_payment' }]);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, code: 'invalid', errors: { form: 'This application is no longer waiting for approval.' } }]);
    expect(await approvalTrace(site, 'twice@example.org', since)).toEqual({ status: 'awaiting_payment', approvedLines: 1, mails: 1, events: 1 });
  });

  it('approves once when the board double-clicks Approve (two requests at once)', async () => {
    const { site } = await newSite();
    await applyAndConfirm(site, 'Associate', 'click@example.org');
    const mine = await membershipOf(site, 'click@example.org');
    const board = await admin(site);
    await board.get(`/admin/members/${mine.membership.id}`);
    const since = smtp.messages.length;
    const csrf = board.csrf();
    const answers = await Promise.all([
      board.post(`/admin/members/${mine.membership.id}/approve`, { _csrf: csrf }),
      board.post(`/admin/members/${mine.membership.id}/approve`, { _csrf: csrf }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([303, 303]);
    expect(await approvalTrace(site, 'click@example.org', since)).toEqual({ status: 'awaiting_payment', approvedLines: 1, mails: 1, events: 1 });
    // The member's page says it once: one approval in the history.
    const page = visibleText((await board.get(`/admin/members/${mine.membership.id}`)).body);
    expect(page.split('Application approved. (Board Admin)').length - 1).toBe(1);
  });

  it('leaves the application waiting, with nothing sent, when a handler of its event fails', async () => {
    const { site } = await newSite();
    await applyAndConfirm(site, 'Associate', 'handler@example.org');
    const mine = await membershipOf(site, 'handler@example.org');
    const adminUser = await site.accounts.findUserByEmail(ADMIN.email);
    site.events.on('membership.approved', async () => {
      throw new Error('the welcome pack is out of stock');
    });
    const since = smtp.messages.length;
    await expect(site.membership.lifecycle.approve(mine.membership.id, adminUser!.id)).rejects.toThrow('the welcome pack is out of stock');
    expect(await approvalTrace(site, 'handler@example.org', since)).toEqual({ status: 'pending_approval', approvedLines: 0, mails: 0, events: 0 });
    expect(await site.database.db.selectFrom('audit_log').select('action').where('action', '=', 'application.approved').execute()).toEqual([]);
  });

  it('rejects and voids the open dues invoice together: when voiding fails, the application is still waiting', async () => {
    const { site } = await newSite();
    await applyAndConfirm(site, 'Associate', 'void@example.org');
    const mine = await membershipOf(site, 'void@example.org');
    expect(mine.invoices.map((i) => i.status)).toEqual(['unpaid']);
    const adminUser = await site.accounts.findUserByEmail(ADMIN.email);
    let failVoid = true;
    site.events.on('invoice.voided', async () => {
      if (failVoid) throw new Error('the ledger is closed');
    });
    const since = smtp.messages.length;
    await expect(site.membership.lifecycle.reject(mine.membership.id, adminUser!.id, 'Not a member of a lab.')).rejects.toThrow('the ledger is closed');
    const still = await membershipOf(site, 'void@example.org');
    expect(still.membership.status).toBe('pending_approval');
    expect(still.invoices.map((i) => i.status)).toEqual(['unpaid']);
    expect((await site.membership.lifecycle.detail(mine.membership.id))!.events.map((e) => e.kind)).not.toContain('rejected');
    expect(await mailFor(site, 'void@example.org', since)).toEqual([]);
    expect(await outbox(site)).toEqual([]);

    failVoid = false;
    expect(await site.membership.lifecycle.reject(mine.membership.id, adminUser!.id, 'Not a member of a lab.')).toEqual({ ok: true, value: null });
    const after = await membershipOf(site, 'void@example.org');
    expect(after.membership.status).toBe('rejected');
    expect(after.invoices.map((i) => i.status)).toEqual(['void']);
    expect((await outbox(site)).map((e) => e.name)).toEqual(['membership.rejected', 'invoice.voided']);
    expect((await mailFor(site, 'void@example.org', since)).map((m) => m.text)).toEqual([expect.stringContaining('Not a member of a lab.')]);
    // A second rejection finds nothing waiting.
    expect(await site.membership.lifecycle.reject(mine.membership.id, adminUser!.id, 'Again.')).toEqual({
      ok: false,
      code: 'invalid',
      errors: { form: 'This application is no longer waiting for approval.' },
    });
  });
});

describe('admins define levels', () => {
  it('creates a level and refuses bad dues or an incomplete fixed renewal date beside the fields', async () => {
    const { site } = await newSite();
    const board = await admin(site);
    const bad = await board.submit(
      '/admin/levels/new',
      { name: 'Lifetime', dues: '12.345', renewal_policy: 'fixed_date', renewal_month: '', renewal_day: '31', grace_days: '30' },
      '/admin/levels',
    );
    expect(bad.status).toBe(422);
    expect(fieldError(bad.body, 'dues')).toMatch(/dollars and cents/);
    expect(fieldError(bad.body, 'renewal_month')).toMatch(/Choose the month/);
    expect(inputValue(bad.body, 'name')).toBe('Lifetime');

    const feb = await board.submit(
      '/admin/levels/new',
      { name: 'Odd', dues: '10', renewal_policy: 'fixed_date', renewal_month: '2', renewal_day: '30', grace_days: '0' },
      '/admin/levels',
    );
    expect(fieldError(feb.body, 'renewal_day')).toMatch(/does not have that many days/);

    const dup = await board.submit('/admin/levels/new', { name: 'Individual', dues: '10', renewal_policy: 'anniversary', grace_days: '0' }, '/admin/levels');
    expect(fieldError(dup.body, 'name')).toMatch(/already a level called/);

    const good = await board.submit(
      '/admin/levels/new',
      { name: 'Sustaining', dues: '$1,000', renewal_policy: 'anniversary', grace_days: '15', public_can_apply: 'on' },
      '/admin/levels',
    );
    expect(good.status).toBe(303);
    expect(visibleText((await new Client(site.app).get('/join')).body)).toContain('$1,000.00 a year');
  });

  it('starts a membership at once for a level without dues', async () => {
    const { site } = await newSite();
    const board = await admin(site);
    await board.submit('/admin/levels/new', { name: 'Honorary', dues: '0', renewal_policy: 'anniversary', grace_days: '0', public_can_apply: 'on' }, '/admin/levels');
    const { applicant } = await applyAndConfirm(site, 'Honorary', 'honor@example.org');
    const account = visibleText((await applicant.get('/account')).body);
    expect(account).toContain('Status Active');
    expect(account).toContain('No invoices yet.');
    expect((await applicant.get('/members')).status).toBe(200);
  });

  it('is for admins only', async () => {
    const { site } = await newSite();
    await site.addUser({ email: 'm@example.org', password: PASSWORD, role: 'member' });
    const member = new Client(site.app);
    await member.logIn('m@example.org', PASSWORD);
    for (const path of ['/admin/levels', '/admin/levels/new', '/admin/members']) expect((await member.get(path)).status, path).toBe(403);
  });
});
