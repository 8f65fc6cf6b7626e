import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import { TestClock } from '#test/support/clock.js';
import { startTestSite, type TestSite } from '#test/support/site.js';
import { linkIn, startSmtp, type SmtpCatcher } from '#test/support/smtp.js';

const ADMIN = { email: 'board@example.org', password: 'correct horse battery staple', name: 'Board Admin' };
const PASSWORD = 'a long applicant password';

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

async function newSite(start = '2026-07-02T16:00:00.000Z') {
  const clock = new TestClock(start);
  const site = await startTestSite({ env: { SMTP_URL: smtp.url }, clock });
  onTestFinished(() => site.close());
  await site.addUser({ ...ADMIN, role: 'admin' });
  return { site, clock };
}

async function mailFor(site: TestSite, address: string, since: number): Promise<ParsedMail[]> {
  await site.jobs.runDue();
  return smtp.messages.slice(since).filter((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((t) => t?.text.includes(address)));
}

const levelId = async (site: TestSite, name: string) => (await site.membership.lifecycle.listLevels()).find((l) => l.name === name)!.id;

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
  const user = await site.accounts.findUserByEmail(email);
  return (await site.membership.lifecycle.forUser(user!.id))!;
}

async function admin(site: TestSite) {
  const c = new Client(site.app);
  await c.logIn(ADMIN.email, ADMIN.password);
  return c;
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
