import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import type { TestSite } from '#test/support/site.js';
import { linkIn, startSmtp, type SmtpCatcher } from '#test/support/smtp.js';
import * as kit from '#test/support/kit.js';

/** People with an account but no live membership apply from /join with that account (no e-mail, no password, no confirmation link). */

const ADMIN = { email: 'board@example.org', password: 'correct horse battery staple', name: 'Board Admin' };
const CONTACT = { email: 'contact@boulder.example.org', password: 'the agency contact password', name: 'Casey Contact' };
const PASSWORD = 'a long applicant password';

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

async function newSite() {
  const { site, clock } = await kit.newSite({ at: kit.JULY_2, smtp, admins: [ADMIN] });
  return { site, clock };
}

async function mailFor(site: TestSite, address: string, since: number): Promise<ParsedMail[]> {
  return kit.mailFor(site, smtp, address, since);
}

const levelId = kit.levelId;

async function membershipOf(site: TestSite, email: string) {
  return (await kit.membershipOf(site, email))!;
}

const history = async (site: TestSite, membershipId: number) => (await site.membership.lifecycle.detail(membershipId))!.events.map((e) => `${e.kind}: ${e.detail}`);

async function logIn(site: TestSite, email: string, password: string) {
  return kit.logIn(site, { email, password });
}

/** What the logged-in form sends: the details a person may change (no e-mail, no password). */
const details = (extra: Record<string, string> = {}) => ({
  name: 'Pat Inspector',
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

/** A visitor applies and confirms their address: their browser, logged in. */
async function applyAndConfirm(site: TestSite, level: string, email: string) {
  return kit.applyAndConfirm(site, smtp, level, email, { ...details(), password: PASSWORD, confirm: PASSWORD });
}

describe('applying again with an account', () => {
  it('lets a rejected applicant apply again: straight to approval, then approved and paid', async () => {
    const { site } = await newSite();
    const applicant = await applyAndConfirm(site, 'Associate', 'pat@example.org');
    const first = await membershipOf(site, 'pat@example.org');
    const adminId = (await site.accounts.findUserByEmail(ADMIN.email))!.id;
    expect((await site.membership.lifecycle.reject(first.membership.id, adminId, 'We could not check your firm.')).ok).toBe(true);

    // The account page and /join point the way; the form has no account fields and is filled in.
    expect(visibleText((await applicant.get('/account')).body)).toContain('To become a member again, choose a level and apply with this account.');
    const join = visibleText((await applicant.get('/join')).body);
    expect(join).toContain('Choose a level to apply with your account');
    expect(join).toContain('Apply for Associate');
    const associate = await levelId(site, 'Associate');
    const form = await applicant.get(`/join/${associate}`);
    expect(form.status).toBe(200);
    expect(visibleText(form.body)).toContain('You are applying with your account, pat@example.org.');
    for (const absent of ['email', 'password', 'confirm']) expect(inputValue(form.body, absent), absent).toBeUndefined();
    expect(inputValue(form.body, 'name')).toBe('Pat Inspector');
    expect(inputValue(form.body, 'organization')).toBe('City of Boulder');
    expect(inputValue(form.body, 'postal_code')).toBe('80301');

    await site.jobs.runDue();
    const since = smtp.messages.length;
    const res = await applicant.post(`/join/${associate}`, { ...details({ name: 'Pat Q. Inspector', organization: 'Boulder Labs' }), _csrf: applicant.csrf() });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/account');
    const account = visibleText((await applicant.get('/account')).body);
    expect(account).toContain('Thank you: we have received your application for Associate membership.');
    expect(account).toContain('Waiting for approval');
    expect(account).toMatch(/Invoice 2 for \$75\.00 is due/);

    // The same membership row, the new details and name; the old invoice stays void.
    const again = await membershipOf(site, 'pat@example.org');
    expect(again.membership.id).toBe(first.membership.id);
    expect(again.membership).toMatchObject({ status: 'pending_approval', organization: 'Boulder Labs', bundle_id: null, started_at: null, expires_at: null });
    expect((await site.accounts.findUserByEmail('pat@example.org'))!.name).toBe('Pat Q. Inspector');
    expect(again.invoices.map((i) => [i.number, i.status]).sort()).toEqual([
      [1, 'void'],
      [2, 'unpaid'],
    ]);
    // No confirmation link: the invoice is e-mailed instead.
    const mails = await mailFor(site, 'pat@example.org', since);
    expect(mails.map((m) => m.subject)).toEqual(['CIPCA invoice 2']);
    expect(mails[0]!.text).toContain('Hello Pat Q. Inspector');

    expect((await site.membership.lifecycle.approve(again.membership.id, adminId)).ok).toBe(true);
    const invoice = again.invoices.find((i) => i.number === 2)!;
    await site.billing.recordPayment(invoice.id, { method: 'check', amountCents: 7500, reference: 'Check 12', actorUserId: adminId });
    const paid = await membershipOf(site, 'pat@example.org');
    expect(paid.membership.status).toBe('active');
    expect(paid.membership.expires_at).toBe('2027-07-02T16:00:00.000Z');
    expect((await applicant.get('/members')).status).toBe(200);

    const events = await history(site, again.membership.id);
    const order = [
      'rejected: Application not approved',
      'applied: Applied again for Associate.',
      'invoice_sent: Invoice 2 e-mailed.',
      'approved: Application approved.',
      'active: Membership active until',
    ];
    let at = -1;
    for (const entry of order) {
      const next = events.findIndex((e, i) => i > at && e.startsWith(entry));
      expect(next, entry).toBeGreaterThan(at);
      at = next;
    }
  });

  it('does not count an earlier application’s paid dues when approving the new one', async () => {
    const { site, clock } = await newSite();
    const applicant = await applyAndConfirm(site, 'Associate', 'pat@example.org');
    const first = await membershipOf(site, 'pat@example.org');
    const adminId = (await site.accounts.findUserByEmail(ADMIN.email))!.id;
    // Paid, then not approved; the money was returned outside Headworks, so the invoice stays paid.
    expect((await site.billing.recordPayment(first.invoices[0]!.id, { method: 'check', amountCents: 7500, reference: 'Check 12', actorUserId: adminId })).ok).toBe(true);
    expect((await site.membership.lifecycle.reject(first.membership.id, adminId, 'We could not check your firm.')).ok).toBe(true);

    clock.advance(20 * 86_400_000);
    const associate = await levelId(site, 'Associate');
    expect((await applicant.submit(`/join/${associate}`, details())).status).toBe(303);
    expect(await site.membership.lifecycle.approve(first.membership.id, adminId)).toEqual({ ok: true, value: 'awaiting_payment' });
    const account = visibleText((await applicant.get('/account')).body);
    expect(account).toContain('Waiting for payment');
    expect(account).toMatch(/Invoice 2 for \$75\.00 is due/);
  });

  it('keeps an answer the board has since taken off a field’s choices when the person applies again', async () => {
    const { site } = await newSite();
    const board = await logIn(site, ADMIN.email, ADMIN.password);
    expect((await board.submit('/admin/fields/new', { label: 'Lab type', type: 'choice', choices: 'Municipal\nPrivate', visibility: 'members' }, '/admin/fields')).status).toBe(
      303,
    );
    const applicant = new Client(site.app);
    const since = smtp.messages.length;
    const associate = await levelId(site, 'Associate');
    await applicant.submit(`/join/${associate}`, { ...details(), field_lab_type: 'Private', email: 'pat@example.org', password: PASSWORD, confirm: PASSWORD });
    const [mail] = await mailFor(site, 'pat@example.org', since);
    expect((await applicant.submit(linkIn(mail!.text), {})).status).toBe(303);
    const adminId = (await site.accounts.findUserByEmail(ADMIN.email))!.id;
    expect((await site.membership.lifecycle.reject((await membershipOf(site, 'pat@example.org')).membership.id, adminId, 'Incomplete.')).ok).toBe(true);
    const field = (await site.membership.fields.list()).find((f) => f.key === 'lab_type')!;
    expect((await board.submit(`/admin/fields/${field.id}`, { label: 'Lab type', type: 'choice', choices: 'Public\nCommercial', visibility: 'members' })).status).toBe(303);

    const form = await applicant.get(`/join/${associate}`);
    expect(form.body).toMatch(/<option value="Private" selected>Private \(no longer offered\)<\/option>/);
    expect((await applicant.submit(`/join/${associate}`, details())).status).toBe(303);
    expect((await membershipOf(site, 'pat@example.org')).membership.status).toBe('pending_approval');
  });

  it('lets a person an agency no longer covers apply for Individual: their own membership and renewal date, out of the bundle', async () => {
    const { site } = await newSite();
    const contactId = await site.addUser(CONTACT);
    const agency = await levelId(site, 'Agency');
    await site.database.db
      .updateTable('memberships')
      .set({ level_id: agency, organization: 'City of Boulder', expires_at: '2027-01-01T07:00:00.000Z' })
      .where('user_id', '=', contactId)
      .execute();
    const contact = await logIn(site, CONTACT.email, CONTACT.password);

    // Covered, then removed (they changed employer).
    const since = smtp.messages.length;
    expect((await contact.submit('/account', { name: 'Pat Inspector', email: 'pat@boulder.example.org' }, '/account/bundle/people')).status).toBe(303);
    const [added] = await mailFor(site, 'pat@boulder.example.org', since);
    const person = new Client(site.app);
    expect((await person.submit(linkIn(added!.text), { name: 'Pat Inspector', password: PASSWORD, confirm: PASSWORD })).status).toBe(303);
    expect((await person.get('/members')).status).toBe(200);
    await contact.get('/account');
    const remove = /action="(\/account\/bundle\/people\/\d+\/remove)"/.exec(contact.last!.body)![1]!;
    expect((await contact.post(remove, { _csrf: contact.csrf() })).status).toBe(303);
    expect((await person.get('/members')).status).toBe(403);
    const covered = await membershipOf(site, 'pat@boulder.example.org');
    expect(covered.membership).toMatchObject({ status: 'cancelled', bundle_id: expect.any(Number) });

    const individual = await levelId(site, 'Individual');
    const form = await person.get(`/join/${individual}`);
    expect(inputValue(form.body, 'organization')).toBe('City of Boulder');
    await site.jobs.runDue();
    const appliedSince = smtp.messages.length;
    const applied = await person.post(`/join/${individual}`, { ...details({ organization: 'Town of Lyons' }), _csrf: person.csrf() });
    expect(applied.status).toBe(303);
    const mine = await membershipOf(site, 'pat@boulder.example.org');
    expect(mine.membership).toMatchObject({ id: covered.membership.id, status: 'awaiting_payment', bundle_id: null, level_id: individual, organization: 'Town of Lyons' });
    expect(visibleText((await person.get('/account')).body)).toMatch(/Invoice 1 for \$50\.00 is due/);
    expect((await mailFor(site, 'pat@boulder.example.org', appliedSince)).map((m) => m.subject)).toEqual(['CIPCA invoice 1']);
    // The agency's contact cannot add them back over their own membership.
    const back = await contact.submit('/account', { name: 'Pat Inspector', email: 'pat@boulder.example.org' }, '/account/bundle/people');
    expect(fieldError(back.body, 'email')).toBe("Error: pat@boulder.example.org cannot be added to your membership. If they should be covered, ask the association's office.");

    const paidSince = smtp.messages.length;
    await site.billing.recordPayment(mine.invoices[0]!.id, { method: 'check', amountCents: 5000, reference: 'Check 7', actorUserId: null });
    const active = await membershipOf(site, 'pat@boulder.example.org');
    expect(active.membership).toMatchObject({ status: 'active', bundle_id: null, expires_at: '2027-07-02T16:00:00.000Z' });
    const account = visibleText((await person.get('/account')).body);
    expect(account).toContain('Level Individual');
    expect(account).toContain('Renewal date July 2, 2027');
    expect(account).not.toContain('managed by Casey Contact');
    expect((await person.get('/members')).status).toBe(200);
    const [welcome] = await mailFor(site, 'pat@boulder.example.org', paidSince);
    expect(welcome!.subject).toBe('Welcome to CIPCA: your membership is active');
    expect(await history(site, mine.membership.id)).toContain('applied: Applied again for Individual.');
    // The contact's bundle no longer counts them.
    expect(visibleText((await contact.get('/account')).body)).toContain('1 of 5 places used');
  });

  it('shows a member with a live membership a message pointing to their account page, not the form', async () => {
    const { site } = await newSite();
    const userId = await site.addUser({ email: 'mia@example.org', password: PASSWORD, name: 'Mia Member' });
    const mia = await logIn(site, 'mia@example.org', PASSWORD);
    const individual = await levelId(site, 'Individual');

    expect(visibleText((await mia.get('/join')).body)).not.toContain('Apply for Individual');
    const page = await mia.get(`/join/${individual}`);
    expect(page.status).toBe(200);
    expect(visibleText(page.body)).toContain('You are already a member. Your membership and its renewal are on your account page. Go to your account page');
    expect(page.body).toContain('href="/account"');
    expect(page.body).not.toContain('Send my application');

    // A form posted anyway changes nothing.
    await mia.get('/join');
    const posted = await mia.post(`/join/${individual}`, { ...details(), _csrf: mia.csrf() });
    expect(posted.status).toBe(409);
    expect((await site.membership.lifecycle.forUser(userId))!.membership.status).toBe('active');
    expect((await site.membership.lifecycle.forUser(userId))!.invoices).toEqual([]);

    // A lapsed member renews instead.
    await site.database.db.updateTable('memberships').set({ status: 'lapsed' }).where('user_id', '=', userId).execute();
    expect(visibleText((await mia.get(`/join/${individual}`)).body)).toContain('You do not need to apply again: renew from your account page.');
  });

  it('refuses bad input beside the field and keeps the values (an admin without a membership)', async () => {
    const { site } = await newSite();
    const board = await logIn(site, ADMIN.email, ADMIN.password);
    const res = await board.submit('/admin/fields/new', { label: 'License number', type: 'text', required: 'on', visibility: 'admins' }, '/admin/fields');
    expect(res.status).toBe(303);
    const individual = await levelId(site, 'Individual');

    const form = await board.get(`/join/${individual}`);
    expect(inputValue(form.body, 'name')).toBe('Board Admin');
    expect(visibleText(form.body)).toContain('More about you License number');
    const bad = await board.post(`/join/${individual}`, {
      ...details({ name: '', organization: 'Keep me', postal_code: 'x'.repeat(21) }),
      field_license_number: '',
      _csrf: board.csrf(),
    });
    expect(bad.status).toBe(422);
    expect(fieldError(bad.body, 'name')).toBe('Error: Enter your full name.');
    expect(fieldError(bad.body, 'postal_code')).toMatch(/at most 20 characters/);
    expect(fieldError(bad.body, 'field_license_number')).toBe('Error: Enter license number.');
    expect(inputValue(bad.body, 'organization')).toBe('Keep me');
    expect(inputValue(bad.body, 'email')).toBeUndefined();
    const adminId = (await site.accounts.findUserByEmail(ADMIN.email))!.id;
    expect(await site.membership.lifecycle.forUser(adminId)).toBeNull();

    const good = await board.post(`/join/${individual}`, { ...details({ name: 'Board Admin' }), field_license_number: 'CO-1', _csrf: board.csrf() });
    expect(good.status).toBe(303);
    const mine = (await site.membership.lifecycle.forUser(adminId))!;
    expect(mine.membership.status).toBe('awaiting_payment');
    expect(await history(site, mine.membership.id)).toContain('applied: Applied for Individual.');
    expect((await site.membership.directory.profile(adminId))!.values.map((v) => v.value)).toEqual(['CO-1']);
  });

  it('starts a level without dues at once for an imported account that set its password', async () => {
    const { site } = await newSite();
    const board = await logIn(site, ADMIN.email, ADMIN.password);
    await board.submit('/admin/levels/new', { name: 'Honorary', dues: '0', renewal_policy: 'anniversary', grace_days: '0', public_can_apply: 'on' }, '/admin/levels');
    await site.accounts.createImportedAccounts(site.database.db, [{ email: 'old@example.org', name: 'Olive Old' }]);

    // The address is proven by the reset link (no password, never verified, before).
    let since = smtp.messages.length;
    await new Client(site.app).submit('/forgot-password', { email: 'old@example.org' });
    const [reset] = await mailFor(site, 'old@example.org', since);
    const olive = new Client(site.app);
    expect((await olive.submit(linkIn(reset!.text), { password: PASSWORD, confirm: PASSWORD })).status).toBe(303);

    since = smtp.messages.length;
    const res = await olive.submit(`/join/${await levelId(site, 'Honorary')}`, details({ name: 'Olive Old' }));
    expect(res.status).toBe(303);
    const account = visibleText((await olive.get('/account')).body);
    expect(account).toContain('Thank you: your Honorary membership is active.');
    expect(account).toContain('Status Active');
    expect((await olive.get('/members')).status).toBe(200);
    expect((await mailFor(site, 'old@example.org', since)).map((m) => m.subject)).toEqual(['Welcome to CIPCA: your membership is active']);
  });

  it('sends a confirmation link when the account has neither a password nor a verified address', async () => {
    const { site } = await newSite();
    const [user] = await site.accounts.createImportedAccounts(site.database.db, [{ email: 'nopass@example.org', name: 'No Pass' }]);
    const level = (await site.membership.lifecycle.getLevel(await levelId(site, 'Individual')))!;
    const since = smtp.messages.length;
    const result = await site.membership.lifecycle.applyAgain(user!.id, level, details({ name: 'No Pass' }));
    expect(result).toEqual({ ok: true, value: { status: 'pending_verification', email: 'nopass@example.org' } });
    const [mail] = await mailFor(site, 'nopass@example.org', since);
    expect(mail!.subject).toBe('Confirm your e-mail address for your CIPCA application');
    // Confirming goes on the way every application does.
    const browser = new Client(site.app);
    expect((await browser.submit(linkIn(mail!.text), {})).status).toBe(303);
    expect((await membershipOf(site, 'nopass@example.org')).membership.status).toBe('awaiting_payment');
  });
});

describe("strangers cannot use up a signed-in person's own confirmation e-mails", () => {
  it("still sends the owner their link after strangers used up the address's daily e-mails", async () => {
    const { site } = await newSite();
    const [user] = await site.accounts.createImportedAccounts(site.database.db, [{ email: 'owner.unproven@example.org', name: 'Olive Owner' }]);
    const individual = await levelId(site, 'Individual');
    const first = smtp.messages.length;
    // Four applications from strangers with this address: the first three spend the address's e-mails for the day.
    for (let i = 0; i < 4; i++) {
      const stranger = new Client(site.app);
      await stranger.get(`/join/${individual}`);
      await stranger.post(`/join/${individual}`, { ...details(), email: 'owner.unproven@example.org', password: PASSWORD, confirm: PASSWORD, _csrf: stranger.csrf() });
    }
    // The owner was told of those (three e-mails at most); nothing more goes to the address from strangers.
    expect(await mailFor(site, 'owner.unproven@example.org', first)).toHaveLength(3);
    const since = smtp.messages.length;
    const level = (await site.membership.lifecycle.getLevel(individual))!;
    const result = await site.membership.lifecycle.applyAgain(user!.id, level, details({ name: 'Olive Owner' }));
    expect(result).toEqual({ ok: true, value: { status: 'pending_verification', email: 'owner.unproven@example.org' } });
    const mails = await mailFor(site, 'owner.unproven@example.org', since);
    expect(mails.map((m) => m.subject)).toEqual(['Confirm your e-mail address for your CIPCA application']);
  });
});

describe('a visitor with an address that has an account', () => {
  it('is told to log in, and that they can apply from there', async () => {
    const { site } = await newSite();
    await site.addUser({ email: 'mia@example.org', password: PASSWORD, name: 'Mia Member', membership: false });
    const individual = await levelId(site, 'Individual');
    const visitor = new Client(site.app);
    const form = await visitor.get(`/join/${individual}`);
    expect(form.body).toContain(`href="/login?next=%2Fjoin%2F${individual}"`);
    const since = smtp.messages.length;
    const res = await visitor.post(`/join/${individual}`, { ...details(), email: 'MIA@example.org', password: PASSWORD, confirm: PASSWORD, _csrf: visitor.csrf() });
    // The page does not tell that the address has an account; the e-mail tells its owner.
    expect(res.status).toBe(200);
    expect(visibleText(res.body)).toContain('We have sent a message to mia@example.org');
    const [mail] = await mailFor(site, 'mia@example.org', since);
    expect(mail!.text).toContain('if you are not a member now, you can apply from the join page once logged in');
    expect(linkIn(mail!.text)).toBe('/login');

    // Logging in from the form comes back to it, now without the account fields.
    const login = await visitor.submit(`/login?next=%2Fjoin%2F${individual}`, { email: 'mia@example.org', password: PASSWORD });
    expect(login.location).toBe(`/join/${individual}`);
    const again = await visitor.get(`/join/${individual}`);
    expect(inputValue(again.body, 'name')).toBe('Mia Member');
    expect(inputValue(again.body, 'password')).toBeUndefined();
  });
});
