import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, inputValue, visibleText } from '#test/support/client.js';
import { TestClock } from '#test/support/clock.js';
import { logIn } from '#test/support/kit.js';
import { startTestSite, type TestSite } from '#test/support/site.js';
import { recordAudit, STRIPE } from '#core/audit/index.js';

const ADMIN = { email: 'ada@example.org', password: 'correct horse battery staple', name: 'Ada Admin' };
const OTTO = { email: 'otto@example.org', password: 'another admin password', name: 'Otto Outgoing' };
const MEMBER = { email: 'mia@example.org', password: 'members only password', name: 'Mia Member' };
const PROMOTED = { email: 'pete@example.org', password: 'pete members password', name: 'Pete Promoted' };
const CONTACT = { email: 'casey@boulder.example.org', password: 'the agency contact password', name: 'Casey Contact' };

// 9 a.m. in Denver on 2 March 2026.
const clock = new TestClock('2026-03-02T16:00:00.000Z');
let site: TestSite;
let adminId: number;
let memberId: number;
let failPaidHandler = false;

beforeAll(async () => {
  site = await startTestSite({ clock });
  adminId = await site.addUser({ ...ADMIN, role: 'admin' });
  memberId = await site.addUser(MEMBER);
  await site.addUser(PROMOTED);
  // A payment whose follow-up fails must leave nothing behind, its audit entry included.
  site.events.on('invoice.paid', async () => {
    if (failPaidHandler) throw new Error('The membership could not be extended');
  });
});
afterAll(() => site.close());

const entries = (action: string) => site.database.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();
const latest = async (action: string) => (await entries(action)).at(-1);
const changes = (row: { changes: string } | undefined) => (row ? (JSON.parse(row.changes) as { field: string; before: string; after: string; hidden?: boolean }[]) : []);
const membershipIdOf = async (userId: number) => (await site.membership.lifecycle.forUser(userId))!.membership.id;

/** The entry was written by Ada, from the test client's address, at the clock's time. */
function expectAda(row: { actor_kind: string; actor_user_id: number | null; actor_name: string; actor_email: string; ip: string | null; created_at: string } | undefined) {
  expect(row).toBeDefined();
  expect(row!.actor_kind).toBe('user');
  expect(row!.actor_user_id).toBe(adminId);
  expect(row!.actor_name).toBe(ADMIN.name);
  expect(row!.actor_email).toBe(ADMIN.email);
  expect(row!.ip).toBe('127.0.0.1');
  expect(row!.created_at).toBe(clock.now().toISOString());
}

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('a tiny logo for the audit test')]);

async function saveSettings(c: Client, changed: Record<string, string>, logo = { name: '', body: '' as string | Buffer }) {
  const form = await c.get('/admin/settings');
  const zone = /<select[^>]*name="timeZone"[^>]*>[\s\S]*?<option value="([^"]*)" selected/.exec(form.body)?.[1] ?? '';
  const shown = {
    _csrf: c.csrf(),
    associationName: inputValue(form.body, 'associationName') ?? '',
    shortName: inputValue(form.body, 'shortName') ?? '',
    tagline: inputValue(form.body, 'tagline') ?? '',
    contactEmail: inputValue(form.body, 'contactEmail') ?? '',
    timeZone: zone,
  };
  return c.postMultipart('/admin/settings', { ...shown, ...changed }, { logo: { ...logo, type: 'image/png' } });
}

describe('audit log entries', () => {
  it('records a settings change: who, when, from where, each field before → after, the logo replaced', async () => {
    const ada = await logIn(site, ADMIN);
    const before = await site.state.getSettings();
    const res = await saveSettings(ada, { tagline: 'Clean water, one permit at a time', contactEmail: 'board@example.org' }, { name: 'logo.png', body: PNG });
    expect(res.status).toBe(303);
    const row = await latest('settings.changed');
    expectAda(row);
    expect(row!.summary).toBe('Changed the settings');
    const logged = changes(row);
    expect(logged).toContainEqual({ field: 'Tagline', before: before.tagline, after: 'Clean water, one permit at a time' });
    expect(logged).toContainEqual({ field: 'Contact e-mail address', before: before.contactEmail, after: 'board@example.org' });
    expect(logged.find((c) => c.field === 'Logo')?.after).toMatch(/^logo-[0-9a-f]{16}\.png$/);
    expect(logged.map((c) => c.field)).not.toContain("Association's name");

    // Saving the form unchanged changes nothing, and logs nothing.
    const count = (await entries('settings.changed')).length;
    expect((await saveSettings(ada, {})).status).toBe(303);
    expect(await entries('settings.changed')).toHaveLength(count);
  });

  it('records roles: an administrator invited and a member promoted, never the set-up link', async () => {
    const ada = await logIn(site, ADMIN);
    expect((await ada.submit('/admin/users/invite', { email: 'nia@example.org', name: 'Nia New' })).status).toBe(303);
    const invited = await latest('admin.invited');
    expectAda(invited);
    const nia = await site.accounts.findUserByEmail('nia@example.org');
    expect(invited!.person_user_id).toBe(nia!.id);
    expect(invited!.person_name).toBe('Nia New');
    expect(invited!.summary).toBe('Invited Nia New as an administrator');

    expect((await ada.submit('/admin/users/invite', { email: PROMOTED.email, name: PROMOTED.name })).status).toBe(303);
    const promoted = await latest('admin.promoted');
    expectAda(promoted);
    expect(promoted!.summary).toBe('Made Pete Promoted an administrator');
    expect(changes(promoted)).toEqual([{ field: 'Role', before: 'member', after: 'administrator' }]);

    // The invitation's set-up link went by e-mail; the log never holds it.
    const mail = await site.database.db.selectFrom('mail_messages').selectAll().execute();
    const token = /\/setup\/([\w-]{20,})/.exec(JSON.stringify(mail))?.[1];
    expect(token).toBeDefined();
    const all = JSON.stringify(await site.database.db.selectFrom('audit_log').selectAll().execute());
    expect(all).not.toContain(token);
    expect(all).not.toContain('/setup/');
  });

  it('records money: payments, a refund, a void and a level’s dues, each naming the member', async () => {
    const ada = await logIn(site, ADMIN);
    const issue = () =>
      site.database.db.transaction().execute((trx) =>
        site.billing.createInvoice(trx, {
          userId: memberId,
          billTo: MEMBER.name,
          lines: [{ description: 'Spring workshop', quantity: 1, unitCents: 12500 }],
          dueAt: new Date('2026-04-01T06:00:00Z'),
        }),
      );
    const invoice = await issue();
    const page = `/admin/invoices/${invoice.id}`;
    expect((await ada.submit(page, { method: 'check', amount: '125.00', reference: 'Check 2231' }, `${page}/payments`)).status).toBe(303);
    const payment = await latest('invoice.payment');
    expectAda(payment);
    expect(payment!.summary).toBe(`Recorded a payment of $125.00 on invoice ${invoice.number} (${MEMBER.name})`);
    expect(payment!.person_user_id).toBe(memberId);
    expect(payment!.subject_label).toBe(`Invoice ${invoice.number}`);
    expect(changes(payment)).toEqual([
      { field: 'Amount', before: '', after: '$125.00' },
      { field: 'Method', before: '', after: 'Check' },
      { field: 'Reference', before: '', after: 'Check 2231' },
      { field: 'Status', before: 'unpaid', after: 'paid' },
    ]);

    expect((await ada.submit(page, { refund_method: 'check', refund_amount: '125', refund_reference: 'Check 90' }, `${page}/refunds`)).status).toBe(303);
    const refund = await latest('invoice.refund');
    expectAda(refund);
    expect(changes(refund)).toContainEqual({ field: 'Status', before: 'paid', after: 'refunded' });

    const other = await issue();
    expect((await ada.submit(`/admin/invoices/${other.id}`, { reason: 'Registered twice by mistake' }, `/admin/invoices/${other.id}/void`)).status).toBe(303);
    const voided = await latest('invoice.void');
    expectAda(voided);
    expect(changes(voided)).toEqual([
      { field: 'Status', before: 'unpaid', after: 'void' },
      { field: 'Reason', before: '', after: 'Registered twice by mistake' },
    ]);

    const level = (await site.membership.lifecycle.listLevels())[0]!;
    const form = await ada.get(`/admin/levels/${level.id}`);
    const values: Record<string, string> = {};
    for (const name of ['name', 'description', 'dues', 'renewal_policy', 'renewal_month', 'renewal_day', 'grace_days', 'bundle_size'])
      values[name] = inputValue(form.body, name) ?? '';
    values.renewal_policy = level.renewal_policy;
    if (level.requires_approval) values.requires_approval = 'on';
    if (level.public_can_apply) values.public_can_apply = 'on';
    if (level.prorate) values.prorate = 'on';
    expect((await ada.submit(`/admin/levels/${level.id}`, { ...values, dues: '60.00' })).status).toBe(303);
    const dues = await latest('level.changed');
    expectAda(dues);
    expect(dues!.summary).toBe(`Changed the membership level ${level.name}`);
    expect(changes(dues)).toEqual([{ field: 'Yearly dues', before: `$${(level.dues_cents / 100).toFixed(2)}`, after: '$60.00' }]);
  });

  it('records every admin action on a member’s page, with the member concerned', async () => {
    const ada = await logIn(site, ADMIN);
    expect((await ada.submit('/admin/fields/new', { label: 'License number', type: 'text', choices: '', required: '', visibility: 'admins' }, '/admin/fields')).status).toBe(303);
    const fieldAdded = await latest('field.created');
    expectAda(fieldAdded);
    expect(changes(fieldAdded)).toContainEqual({ field: 'Label', before: '', after: 'License number' });
    const field = (await site.membership.fields.list()).find((f) => f.label === 'License number')!;
    expect((await ada.submit(`/admin/fields/${field.id}`, { label: 'State license number', type: 'text', choices: '', required: '', visibility: 'members' })).status).toBe(303);
    expect(changes(await latest('field.changed'))).toEqual([
      { field: 'Label', before: 'License number', after: 'State license number' },
      { field: 'Seen by', before: 'admins', after: 'members' },
    ]);

    const id = await membershipIdOf(memberId);
    const page = `/admin/members/${id}`;
    const member = { person_user_id: memberId, person_name: MEMBER.name, subject_type: 'membership', subject_id: id };

    const details = {
      name: MEMBER.name,
      email: MEMBER.email,
      organization: 'Metro Water',
      job_title: '',
      phone: '303-555-0100',
      address_line1: '',
      address_line2: '',
      city: 'Denver',
      state: '',
      postal_code: '',
      field_license_number: 'IPC-42',
    };
    expect((await ada.submit(page, details, `${page}/details`)).status).toBe(303);
    const edited = await latest('member.details_changed');
    expectAda(edited);
    expect(edited).toMatchObject({ ...member, summary: `Changed the details of ${MEMBER.name}` });
    expect(changes(edited)).toEqual([
      { field: 'Organization', before: '', after: 'Metro Water' },
      { field: 'Phone', before: '', after: '303-555-0100' },
      { field: 'City', before: '', after: 'Denver' },
      { field: 'State license number', before: '', after: 'IPC-42' },
    ]);

    const levels = await site.membership.lifecycle.listLevels();
    const current = (await site.membership.lifecycle.forUser(memberId))!.level;
    const to = levels.find((l) => l.id !== current.id && !l.bundle_size)!;
    expect((await ada.submit(page, { level_id: String(to.id) }, `${page}/level`)).status).toBe(303);
    const level = await latest('member.level_changed');
    expectAda(level);
    expect(level).toMatchObject(member);
    expect(changes(level)).toEqual([{ field: 'Level', before: current.name, after: to.name }]);

    expect((await ada.submit(page, { renewal_date: '2027-06-30' }, `${page}/renewal`)).status).toBe(303);
    const renewal = await latest('member.renewal_date_changed');
    expectAda(renewal);
    expect(renewal).toMatchObject(member);
    expect(changes(renewal)).toEqual([{ field: 'Renewal date', before: 'March 2, 2027', after: 'June 30, 2027' }]);

    expect((await ada.submit(page, { suspend_reason: 'Dues check bounced.' }, `${page}/suspend`)).status).toBe(303);
    expect(changes(await latest('member.suspended'))).toEqual([
      { field: 'Status', before: 'Active', after: 'Suspended' },
      { field: 'Reason', before: '', after: 'Dues check bounced.' },
    ]);
    expect((await ada.submit(page, {}, `${page}/reinstate`)).status).toBe(303);
    const reinstated = await latest('member.reinstated');
    expectAda(reinstated);
    expect(reinstated).toMatchObject(member);

    expect((await ada.submit(page, { note: 'Called about the workshop.' }, `${page}/notes`)).status).toBe(303);
    expect(changes(await latest('member.note_added'))).toEqual([{ field: 'Note', before: '', after: 'Called about the workshop.' }]);

    // The member's page links to the log filtered to them.
    const detail = await ada.get(page);
    expect(detail.body).toContain(`<a href="/admin/audit?person=${memberId}">History of admin changes</a>`);
  });

  it('records approving and rejecting applications', async () => {
    const ada = await logIn(site, ADMIN);
    const applicant = async (email: string, name: string) => {
      const userId = await site.addUser({ email, name, password: 'an applicants password' });
      await site.database.db.updateTable('memberships').set({ status: 'pending_approval' }).where('user_id', '=', userId).execute();
      return { userId, id: await membershipIdOf(userId) };
    };
    const ana = await applicant('ana@example.org', 'Ana Applicant');
    await ada.get(`/admin/members/${ana.id}`);
    expect((await ada.post(`/admin/members/${ana.id}/approve`, { _csrf: ada.csrf() })).status).toBe(303);
    const approved = await latest('application.approved');
    expectAda(approved);
    expect(approved).toMatchObject({ person_user_id: ana.userId, person_name: 'Ana Applicant', summary: 'Approved the application of Ana Applicant' });
    expect(changes(approved)[0]).toMatchObject({ field: 'Status', before: 'Waiting for approval' });

    const rex = await applicant('rex@example.org', 'Rex Rejected');
    expect((await ada.submit(`/admin/members/${rex.id}`, { reason: 'Not working in pretreatment.' }, `/admin/members/${rex.id}/reject`)).status).toBe(303);
    const rejected = await latest('application.rejected');
    expectAda(rejected);
    expect(rejected).toMatchObject({ person_user_id: rex.userId, summary: 'Rejected the application of Rex Rejected' });
    expect(changes(rejected)).toContainEqual({ field: 'Reason', before: '', after: 'Not working in pretreatment.' });
  });

  it('records an admin adding and removing people of an agency bundle', async () => {
    const ada = await logIn(site, ADMIN);
    const contactId = await site.addUser(CONTACT);
    const agency = (await site.membership.lifecycle.listLevels()).find((l) => l.bundle_size)!;
    await site.database.db.updateTable('memberships').set({ level_id: agency.id, organization: 'City of Boulder' }).where('user_id', '=', contactId).execute();
    const cm = await membershipIdOf(contactId);
    expect((await ada.submit(`/admin/members/${cm}`, { person_name: 'Lee Lab', person_email: 'lee@boulder.example.org' }, `/admin/members/${cm}/bundle/people`)).status).toBe(303);
    const added = await latest('bundle.person_added');
    expectAda(added);
    const lee = (await site.accounts.findUserByEmail('lee@boulder.example.org'))!;
    expect(added).toMatchObject({ person_user_id: lee.id, person_name: 'Lee Lab', subject_id: cm, summary: 'Added Lee Lab to the agency membership of City of Boulder' });

    const leeMembership = await membershipIdOf(lee.id);
    await ada.get(`/admin/members/${cm}`);
    expect((await ada.post(`/admin/members/${cm}/bundle/people/${leeMembership}/remove`, { _csrf: ada.csrf() })).status).toBe(303);
    const removed = await latest('bundle.person_removed');
    expectAda(removed);
    expect(removed).toMatchObject({ person_user_id: lee.id, summary: 'Removed Lee Lab from the agency membership of City of Boulder' });

    // The contact's own changes are theirs, not an admin's: no entry.
    const count = (await entries('bundle.person_added')).length;
    const contact = await logIn(site, CONTACT);
    expect((await contact.submit('/account', { name: 'Kim Crew', email: 'kim@boulder.example.org' }, '/account/bundle/people')).status).toBe(303);
    expect(await entries('bundle.person_added')).toHaveLength(count);
  });

  it('records e-mail templates, renewal reminder days and pages', async () => {
    const ada = await logIn(site, ADMIN);
    const key = '/admin/mail/templates/accounts.password_changed';
    const editor = await ada.get(key);
    const subject = inputValue(editor.body, 'subject')!;
    const text = inputValue(editor.body, 'text')!;
    expect((await ada.submit(key, { intent: 'save', subject: `${subject} (please read)`, text })).status).toBe(303);
    const template = await latest('mail.template_changed');
    expectAda(template);
    expect(changes(template)).toEqual([{ field: 'Subject', before: subject, after: `${subject} (please read)` }]);
    await ada.get(key);
    expect((await ada.post(`${key}/restore`, { _csrf: ada.csrf() })).status).toBe(303);
    expect(changes(await latest('mail.template_restored'))).toEqual([{ field: 'Subject', before: `${subject} (please read)`, after: subject }]);

    expect((await ada.submit('/admin/renewals', { reminder_days: '-14, 0' })).status).toBe(303);
    const reminders = await latest('renewals.reminders_changed');
    expectAda(reminders);
    expect(changes(reminders)).toEqual([{ field: 'Reminder days', before: '-30, -7, 0, 7', after: '-14, 0' }]);

    expect((await ada.submit('/admin/pages/new', { title: 'Board minutes', body: 'Minutes of **May**.', visibility: 'members', menu_order: '' }, '/admin/pages')).status).toBe(303);
    const pageAdded = await latest('page.created');
    expectAda(pageAdded);
    expect(pageAdded!.summary).toBe('Added the page Board minutes');
  });

  it('records Stripe’s payments with Stripe as the actor', async () => {
    const invoice = await site.database.db.transaction().execute((trx) =>
      site.billing.createInvoice(trx, {
        userId: memberId,
        billTo: MEMBER.name,
        lines: [{ description: 'Field day', quantity: 1, unitCents: 4000 }],
        dueAt: new Date('2026-04-01T06:00:00Z'),
      }),
    );
    const paid = await site.billing.recordPayment(invoice.id, { method: 'card', amountCents: 4000, reference: 'Card', externalId: 'pi_audit_1', actorUserId: null, by: STRIPE });
    expect(paid.ok).toBe(true);
    const row = await latest('invoice.payment');
    expect(row).toMatchObject({ actor_kind: 'stripe', actor_name: 'Stripe', actor_user_id: null, ip: null, person_user_id: memberId });
    const ada = await logIn(site, ADMIN);
    expect(visibleText((await ada.get('/admin/audit?actor=stripe')).body)).toContain(
      `Recorded a payment of $40.00 on invoice ${invoice.number} (${MEMBER.name}) Payment recorded When Mar 2, 2026, 9:00 AM MST Who Stripe (automatic) From —`,
    );
  });

  it('leaves no entry when the change is rolled back', async () => {
    const invoice = await site.database.db.transaction().execute((trx) =>
      site.billing.createInvoice(trx, {
        userId: memberId,
        billTo: MEMBER.name,
        lines: [{ description: 'Manual', quantity: 1, unitCents: 3000 }],
        dueAt: new Date('2026-04-01T06:00:00Z'),
      }),
    );
    const before = (await entries('invoice.payment')).length;
    const ada = await logIn(site, ADMIN);
    await ada.get(`/admin/invoices/${invoice.id}`);
    failPaidHandler = true;
    try {
      await expect(ada.post(`/admin/invoices/${invoice.id}/payments`, { _csrf: ada.csrf(), method: 'cash', amount: '30.00', reference: '' })).rejects.toThrow(/answered 500/);
    } finally {
      failPaidHandler = false;
    }
    expect(await site.database.db.selectFrom('payments').select('id').where('invoice_id', '=', invoice.id).execute()).toEqual([]);
    expect(await entries('invoice.payment')).toHaveLength(before);

    // The same for any change: an entry is written in the change's own transaction.
    await expect(
      site.database.db.transaction().execute(async (trx) => {
        await recordAudit(trx, { userId: adminId, name: ADMIN.name, email: ADMIN.email, ip: '192.0.2.7' }, clock.now().toISOString(), {
          action: 'settings.changed',
          summary: 'Never committed',
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await entries('settings.changed')).map((r) => r.summary)).not.toContain('Never committed');
  });

  it('keeps the entries of an admin whose account is deleted', async () => {
    const ottoId = await site.addUser({ ...OTTO, role: 'admin' });
    const otto = await logIn(site, OTTO);
    expect((await saveSettings(otto, { tagline: 'Written by Otto' })).status).toBe(303);
    await site.database.db.deleteFrom('sessions').where('user_id', '=', ottoId).execute();
    await site.database.db.deleteFrom('users').where('id', '=', ottoId).execute();
    expect(await site.accounts.getUser(ottoId)).toBeUndefined();

    const row = await latest('settings.changed');
    expect(row).toMatchObject({ actor_user_id: ottoId, actor_name: OTTO.name, actor_email: OTTO.email });
    const ada = await logIn(site, ADMIN);
    const log = await ada.get(`/admin/audit?actor=user:${ottoId}`);
    const text = visibleText(log.body);
    expect(text).toContain('1 entry matches.');
    expect(text).toContain(`Who ${OTTO.name} (${OTTO.email})`);
    expect(text).toContain('Tagline: Clean water, one permit at a time → Written by Otto');
    expect(log.body).toContain(`<option value="user:${ottoId}" selected>${OTTO.name} (${OTTO.email})</option>`);
  });

  it('never holds a secret: a hidden field says only that it changed, passwords never appear', async () => {
    await site.database.db.transaction().execute((trx) =>
      recordAudit(trx, { userId: adminId, name: ADMIN.name, email: ADMIN.email, ip: '127.0.0.1' }, clock.now().toISOString(), {
        action: 'settings.changed',
        summary: 'Changed the payment keys',
        changes: [{ field: 'Stripe secret key', before: 'sk_test_old_secret', after: 'sk_test_new_secret', hidden: true }],
      }),
    );
    const all = JSON.stringify(await site.database.db.selectFrom('audit_log').selectAll().execute());
    expect(all).not.toContain('sk_test_');
    for (const who of [ADMIN, OTTO, MEMBER, PROMOTED, CONTACT]) expect(all).not.toContain(who.password);
    expect(all).not.toMatch(/\$argon2/);
    const ada = await logIn(site, ADMIN);
    const text = visibleText((await ada.get('/admin/audit')).body);
    expect(text).toContain('Changed the payment keys');
    expect(text).toContain('Stripe secret key: changed');
  });
});

describe('Admin → Audit log', () => {
  it('shows the newest first, with when (in the association’s zone), who, from where and the changes', async () => {
    const ada = await logIn(site, ADMIN);
    const res = await ada.get('/admin/audit');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<a href="/admin/audit" aria-current="page">Audit log</a>');
    const text = visibleText(res.body);
    const newest = text.indexOf('Changed the payment keys');
    const oldest = text.indexOf('Changed the settings');
    expect(newest).toBeGreaterThan(-1);
    expect(oldest).toBeGreaterThan(newest);
    expect(text).toContain('When Mar 2, 2026, 9:00 AM MST');
    expect(text).toContain(`Who ${ADMIN.name} (${ADMIN.email}) From 127.0.0.1`);
  });

  it('filters by who, kind of action, dates and member, and pages by 50', async () => {
    const ada = await logIn(site, ADMIN);
    const count = async (url: string) => Number(/(\d+|No) entr(?:y|ies) match/.exec(visibleText((await ada.get(url)).body))?.[1]?.replace('No', '0'));
    const total = Number(
      (
        await site.database.db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(await count('/admin/audit')).toBe(total);
    expect(await count('/admin/audit?kind=invoice.void')).toBe(1);
    expect(await count('/admin/audit?kind=area:money')).toBe((await entries('invoice.payment')).length + (await entries('invoice.refund')).length + 1 + 1);
    expect(await count('/admin/audit?actor=stripe')).toBe(1);
    expect(await count(`/admin/audit?person=${memberId}`)).toBe(
      Number(
        (
          await site.database.db
            .selectFrom('audit_log')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('person_user_id', '=', memberId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );
    const mine = visibleText((await ada.get(`/admin/audit?person=${memberId}`)).body);
    expect(mine).toContain(`Showing the changes concerning ${MEMBER.name}.`);
    expect(mine).not.toContain('Invited Nia New');

    // Dates are days in the association's zone: 2 March in Denver, not 3 March in UTC.
    clock.advance(13.5 * 3600_000); // 2026-03-03T05:30Z: 10:30 p.m. on 2 March in Denver
    await saveSettings(ada, { tagline: 'Late evening' });
    clock.advance(34.5 * 3600_000); // 2026-03-04T16:00Z
    await saveSettings(ada, { tagline: 'Two days later' });
    expect(await count('/admin/audit?kind=settings.changed&from=2026-03-03')).toBe(1);
    expect(await count('/admin/audit?kind=settings.changed&from=2026-03-02&to=2026-03-02')).toBe((await entries('settings.changed')).length - 1);
    const bad = await ada.get('/admin/audit?from=yesterday');
    expect(visibleText(bad.body)).toContain('Error: Enter a date as YYYY-MM-DD, for example 2026-03-01.');
    expect(inputValue(bad.body, 'from')).toBe('yesterday');

    // 60 more entries: the newest 50 on page 1.
    await site.database.db.transaction().execute(async (trx) => {
      for (let n = 1; n <= 60; n++) {
        await recordAudit(trx, { userId: adminId, name: ADMIN.name, email: ADMIN.email, ip: '127.0.0.1' }, new Date(Date.UTC(2026, 2, 5, 0, n)).toISOString(), {
          action: 'member.note_added',
          summary: `Bulk note ${n}`,
        });
      }
    });
    const first = visibleText((await ada.get('/admin/audit?kind=member.note_added')).body);
    expect(first).toContain('Bulk note 60');
    expect(first).toContain('Bulk note 11 ');
    expect(first).not.toContain('Bulk note 10 ');
    expect(first).toContain('Page 1 of 2');
    const second = visibleText((await ada.get('/admin/audit?kind=member.note_added&page=2')).body);
    expect(second).toContain('Bulk note 10 ');
    expect(second).toContain('Called about the workshop.');
  });

  it('exports the filtered log as CSV', async () => {
    const ada = await logIn(site, ADMIN);
    const res = await ada.get('/admin/audit.csv?kind=invoice.void');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('time_utc,time,who,from_address,action,summary,subject,member,changes');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`Ada Admin <${ADMIN.email}>,127.0.0.1,Invoice voided,Voided invoice`);
    expect(lines[1]).toContain(MEMBER.name);
  });

  it('is for admins only: a member gets 403, a visitor is sent to log in', async () => {
    const mia = await logIn(site, MEMBER);
    for (const url of ['/admin/audit', '/admin/audit.csv', `/admin/audit?person=${memberId}`]) {
      const res = await mia.get(url);
      expect(res.status, url).toBe(403);
      expect(res.body).not.toContain('Ada Admin');
    }
    const visitor = new Client(site.app);
    const res = await visitor.get('/admin/audit');
    expect(res.status).toBe(303);
    expect(res.location).toBe('/login?next=%2Fadmin%2Faudit');
  });

  it('has no way to edit or delete an entry', async () => {
    const routes = site.app.printRoutes({ commonPrefix: false });
    const audit = routes.split('\n').filter((l) => l.includes('audit'));
    expect(audit.join('\n')).not.toMatch(/POST|PUT|PATCH|DELETE/);
  });
});
