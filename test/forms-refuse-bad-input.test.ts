/**
 * Bad input gets a clear message and loses nothing: every form that changes something refuses bad
 * input with a 4xx answer (422 for validation), the message beside the field, and what was typed
 * kept. This file adds the checks the other test files did not make; the list below says where
 * each form's check lives, so the coverage can be read in one place.
 *
 * Each state-changing form (POST address): where its bad-input test lives.
 *
 * Anyone
 *   Log in (/login): here
 *   Forgot password (/forgot-password): here
 *   Choose a new password (/reset-password/:token): accounts.test.ts "lets the link set a new password, refusing…" ¹
 *   Set up your account (/setup/:token): accounts.test.ts "e-mails the invitee a link…", "sets up from a one-time link…"
 *   Apply for a level (/join/:id): membership.test.ts "refuses bad input beside each field…"; logged in, with an account: reapply.test.ts "refuses bad input beside the field…"
 * Members
 *   Change password (/account/password): accounts.test.ts "refuses a wrong current password…", "refuses a too short…" ¹
 *   My profile (/account/profile): directory.test.ts "shows the defaults, refuses bad input…"
 *   Add a person, agency contact (/account/bundle/people): bundles.test.ts "refuses people who have a membership of their own…"
 * Admins: site
 *   Settings (/admin/settings, multipart): admin.test.ts "refuses a wrong %s beside the field…", "refuses a text file named .png…"
 *   Invite an administrator (/admin/users/invite): accounts.test.ts "refuses a bad e-mail address beside the field…"
 *   New page (/admin/pages): site.test.ts "refuses bad input with messages beside the fields…"
 *   Edit page (/admin/pages/:id): here
 *   Delete page, the confirmation (/admin/pages/:id/delete): here (no fields; the home page's refusal is shown)
 *   New post (/admin/news): site.test.ts "refuses a post without text and keeps the title"
 *   Edit post (/admin/news/:id): here
 *   Edit an e-mail template (/admin/mail/templates/:key): templates.test.ts "refuses a placeholder that is not a merge field…"
 * Admins: membership
 *   New level (/admin/levels): membership.test.ts "creates a level and refuses bad dues…"
 *   Edit level (/admin/levels/:id): bundles.test.ts "ends coverage when the contact moves…" (bundle_size)
 *   New member field (/admin/fields): directory.test.ts "refuses an empty label and a bad list of choices…"
 *   Edit member field (/admin/fields/:id): here
 *   Renewal reminders (/admin/renewals): renewals.test.ts "refuses bad days beside the field…"
 *   Import members, the upload (/admin/members/import): admin-members.test.ts "says what is wrong with a file it cannot read" ²
 * Admins: a member's page (/admin/members/:id/…)
 *   Edit details (details): admin-members.test.ts "edits the built-in details…"; admin-custom-fields.test.ts "refuses bad values beside their fields…"
 *   Change level (level): here
 *   Set the renewal date (renewal): here; also admin-members.test.ts "extends the renewal date…", bundles.test.ts
 *   Or add this many months (renewal): here
 *   Suspend (suspend): here, and a suspend form left open after another admin suspended
 *   Add a note (notes): here
 *   Reject the application (reject): membership.test.ts "rejects with a reason…"; here, an application already decided
 *   Add a person to the agency (bundle/people): bundles.test.ts "shows the bundle on the contact's page…"; here, once there is no agency
 * Admins: invoices (/admin/invoices/:id/…)
 *   Record a payment (payments): billing.test.ts "refuses bad amounts beside the field…"
 *   Record a refund (refunds): billing.test.ts "refuses bad amounts beside the field…"
 *   Void invoice (void): here
 *
 * (accounts.test.ts, membership.test.ts… are under src/modules/<module>/.)
 *
 * One-button forms carry nothing to type, so there is no bad input to refuse; a stale or unknown
 * target answers with a message or 404 (tests beside each module): Log out, Confirm my e-mail
 * address (/join/verify/:token, 410 when used), Approve, Reinstate, Remove (agency person, contact
 * or admin), Renew now, E-mail me the invoice, Pay online by card, automatic renewal on/off, Use a
 * different card, Confirm/Cancel an import, Restore the default e-mail, Delete post. The Markdown
 * preview (/admin/preview) changes nothing. Forged or malformed requests: test/malformed-requests.test.ts.
 *
 * ¹ Password fields are never sent back to the browser, by design; these forms keep no other typed field.
 * ² The form's only field is the file, which a browser cannot be given back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from './support/client.js';
import { TestClock } from './support/clock.js';
import { startTestSite, type TestSite } from './support/site.js';

const BOARD = { email: 'board@example.org', password: 'correct horse battery staple', name: 'Board Admin' };
const CHAIR = { email: 'chair@example.org', password: 'the chair has a password', name: 'Chris Chair' };
const MIA = { email: 'mia@example.org', password: 'members only password', name: 'Mia Member' };
const SAM = { email: 'sam@example.org', password: 'sams own long password', name: 'Sam Second' };
const PAT = { email: 'pat@example.org', password: 'pats applicant password', name: 'Pat Applicant' };
const CASEY = { email: 'casey@boulder.example.org', password: 'casey runs the agency', name: 'Casey Contact' };

let site: TestSite;
let board: Client;
let chair: Client;
let miaUserId: number;
const membershipIds: Record<string, number> = {};

beforeAll(async () => {
  site = await startTestSite({ clock: new TestClock('2026-07-02T16:00:00.000Z') });
  await site.addUser({ ...BOARD, role: 'admin' });
  await site.addUser({ ...CHAIR, role: 'admin' });
  miaUserId = await site.addUser(MIA);
  for (const who of [MIA, SAM, PAT, CASEY]) {
    const userId = who === MIA ? miaUserId : await site.addUser(who);
    membershipIds[who.email] = (await site.membership.lifecycle.forUser(userId))!.membership.id;
  }
  // Fixtures: Pat's application waits for the board; Casey manages an agency membership.
  await site.database.db.updateTable('memberships').set({ status: 'pending_approval', started_at: null, expires_at: null }).where('id', '=', membershipIds[PAT.email]!).execute();
  const agency = (await site.membership.lifecycle.listLevels()).find((l) => l.name === 'Agency')!;
  await site.database.db.updateTable('memberships').set({ level_id: agency.id, organization: 'City of Boulder' }).where('id', '=', membershipIds[CASEY.email]!).execute();
  board = new Client(site.app);
  await board.logIn(BOARD.email, BOARD.password);
  chair = new Client(site.app);
  await chair.logIn(CHAIR.email, CHAIR.password);
});
afterAll(() => site.close());

/** The value of the option chosen in a select (what the user picked, kept after an error). */
function selectedOption(html: string, field: string): string | undefined {
  const select = new RegExp(`<select[^>]*\\bname="${field}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1] ?? '';
  return /<option value="([^"]*)"[^>]*\bselected/.exec(select)?.[1];
}

/** The message at the top of the page after a redirect (the flash). */
function flash(html: string): string | undefined {
  const match = /<p class="flash [a-z]+"[^>]*>([\s\S]*?)<\/p>/.exec(html);
  return match ? visibleText(match[1]!) : undefined;
}

const memberPage = (who: { email: string }) => `/admin/members/${membershipIds[who.email]}`;

describe('Log in', () => {
  it('refuses an address that is not one beside the field, keeping what was typed', async () => {
    const res = await new Client(site.app).submit('/login', { email: 'mia at example', password: MIA.password });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'email')).toBe('Error: Enter an e-mail address in the form name@example.org.');
    expect(fieldError(res.body, 'password')).toBeUndefined();
    expect(inputValue(res.body, 'email')).toBe('mia at example');
  });
});

describe('Forgot password', () => {
  it('refuses an address that is not one beside the field, keeping what was typed, and sends nothing', async () => {
    const before = await site.database.db
      .selectFrom('mail_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const res = await new Client(site.app).submit('/forgot-password', { email: 'mia@example' });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'email')).toBe('Error: Enter an e-mail address in the form name@example.org.');
    expect(inputValue(res.body, 'email')).toBe('mia@example');
    expect(visibleText(res.body)).not.toContain('Check your e-mail');
    const after = await site.database.db
      .selectFrom('mail_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

describe('Edit page', () => {
  it('refuses an empty title beside the field and keeps the text being written', async () => {
    const about = (await site.site.getPage('about'))!;
    const url = `/admin/pages/${about.id}`;
    const res = await board.submit(url, { title: '  ', slug: 'about', description: '', body: 'A new paragraph I do not want to lose.', visibility: 'public', menu_order: '2' });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'title')).toBe('Error: Enter a title.');
    expect(fieldError(res.body, 'body')).toBeUndefined();
    expect(inputValue(res.body, 'body')).toBe('A new paragraph I do not want to lose.');
    expect(inputValue(res.body, 'menu_order')).toBe('2');
    expect((await site.site.getPage('about'))!.body_md).toBe(about.body_md);
  });
});

describe('Delete page', () => {
  it('refuses to delete the home page and says why on the page', async () => {
    const home = (await site.site.getPage('home'))!;
    const res = await board.submit(`/admin/pages/${home.id}/delete`, {});
    expect(res.status).toBe(422);
    expect(visibleText(res.body)).toContain('The home page cannot be deleted; edit it instead.');
    expect(await site.site.getPage('home')).toBeDefined();
  });
});

describe('Edit post', () => {
  it('refuses a post emptied of its text beside the field and keeps the new title', async () => {
    const post = (await site.site.getNews('welcome-to-the-new-website'))!;
    const res = await board.submit(`/admin/news/${post.id}`, {
      title: 'Welcome, renamed',
      slug: post.slug,
      summary: 'Kept summary',
      body: ' \n ',
      visibility: 'public',
      published: 'on',
    });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'body')).toBe('Error: Write the text of the post.');
    expect(inputValue(res.body, 'title')).toBe('Welcome, renamed');
    expect(inputValue(res.body, 'summary')).toBe('Kept summary');
    expect((await site.site.getNews(post.slug))!.title).toBe(post.title);
  });
});

describe('Edit member field', () => {
  it('refuses an empty label beside the field and keeps the choices being edited', async () => {
    const created = await board.submit('/admin/fields/new', { label: 'Certification grade', type: 'choice', choices: 'Grade 1\nGrade 2', visibility: 'members' }, '/admin/fields');
    expect(created.status).toBe(303);
    const field = (await site.membership.fields.list()).find((f) => f.label === 'Certification grade')!;
    const res = await board.submit(`/admin/fields/${field.id}`, { label: ' ', type: 'choice', choices: 'Grade 1\nGrade 2\nGrade 3', visibility: 'members', position: '' });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'label')).toBe('Error: Enter a label.');
    expect(fieldError(res.body, 'choices')).toBeUndefined();
    expect(inputValue(res.body, 'choices')).toBe('Grade 1\nGrade 2\nGrade 3');
    expect((await site.membership.fields.list()).find((f) => f.id === field.id)!.label).toBe('Certification grade');
  });
});

describe("A member's page", () => {
  it('Change level: refuses the level the member already has beside the list, still showing the choice', async () => {
    const page = memberPage(MIA);
    const current = (await site.membership.lifecycle.forUser(miaUserId))!.membership.level_id;
    const res = await board.submit(page, { level_id: String(current) }, `${page}/level`);
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'level_id')).toMatch(/^Error: This member is already at the .+ level\.$/);
    expect(selectedOption(res.body, 'level_id')).toBe(String(current));
    expect(res.body).toMatch(/<details class="card" id="panel-level" open/);
  });

  it('Set the renewal date: refuses a date that does not exist beside the field and keeps it', async () => {
    const page = memberPage(MIA);
    const res = await board.submit(page, { renewal_date: '2027-02-30' }, `${page}/renewal`);
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'renewal_date')).toBe('Error: Enter a real date, for example 2027-06-30.');
    expect(inputValue(res.body, 'renewal_date')).toBe('2027-02-30');
    expect(fieldError(res.body, 'months')).toBeUndefined();
  });

  it('Add months: refuses what is not a number of months beside the field and keeps it', async () => {
    const page = memberPage(MIA);
    const before = (await site.membership.lifecycle.forUser(miaUserId))!.membership.expires_at;
    const res = await board.submit(page, { months: 'six' }, `${page}/renewal`);
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'months')).toBe('Error: Enter a whole number of months from 1 to 60.');
    expect(inputValue(res.body, 'months')).toBe('six');
    expect(fieldError(res.body, 'renewal_date')).toBeUndefined();
    expect((await site.membership.lifecycle.forUser(miaUserId))!.membership.expires_at).toBe(before);
  });

  it('Suspend: refuses a reason that is too long beside the field, keeps it, and does not suspend', async () => {
    const page = memberPage(MIA);
    const reason = `Dues check bounced twice. ${'x'.repeat(500)}`;
    const res = await board.submit(page, { suspend_reason: reason }, `${page}/suspend`);
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'suspend_reason')).toBe('Error: Use at most 500 characters for the reason.');
    expect(inputValue(res.body, 'suspend_reason')).toBe(reason);
    expect((await site.membership.lifecycle.forUser(miaUserId))!.membership.status).toBe('active');
  });

  it('Add a note: refuses a note that is too long beside the field and keeps it', async () => {
    const page = memberPage(MIA);
    const note = `Called about the spring workshop. ${'y'.repeat(4000)}`;
    const res = await board.submit(page, { note }, `${page}/notes`);
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'note')).toBe('Error: Use at most 4000 characters for the note.');
    expect(inputValue(res.body, 'note')).toBe(note);
  });

  // A form left open while another admin changed the member is not bad input but a stale form: like
  // approving twice, it is refused with a message at the top of the member's page (303), since the
  // form, and so the place beside its field, is no longer on the page.
  it('Reject: on an application another admin decided meanwhile, says so instead of asking for the reason', async () => {
    const page = memberPage(PAT);
    expect(visibleText((await board.get(page)).body)).toContain('Decide on this application');
    const token = board.csrf();
    // Another admin rejects first, while this page is still open.
    expect((await chair.submit(page, { reason: 'We could not confirm your employer.' }, `${page}/reject`)).status).toBe(303);

    const res = await board.post(`${page}/reject`, { _csrf: token, reason: '' });
    expect(res.status).toBe(303);
    expect(res.location).toBe(page);
    const shown = await board.get(page);
    expect(flash(shown.body)).toBe('This application is no longer waiting for approval.');
    expect(visibleText(shown.body)).not.toContain('Decide on this application');
    expect(visibleText(shown.body)).toContain('Application not approved: We could not confirm your employer.');
    expect((await site.membership.lifecycle.forUser((await site.accounts.findUserByEmail(PAT.email))!.id))!.membership.status).toBe('rejected');
  });

  it('Suspend: on a member another admin suspended meanwhile, says so instead of an error beside a hidden field', async () => {
    const page = memberPage(SAM);
    await board.get(page);
    const token = board.csrf();
    expect((await chair.submit(page, { suspend_reason: 'Dues check bounced.' }, `${page}/suspend`)).status).toBe(303);

    const res = await board.post(`${page}/suspend`, { _csrf: token, suspend_reason: 'z'.repeat(501) });
    expect(res.status).toBe(303);
    expect(res.location).toBe(page);
    const shown = await board.get(page);
    expect(flash(shown.body)).toBe('This membership is already suspended.');
    expect(visibleText(shown.body)).toContain('Reinstate');
  });

  it('Add a person to the agency: once the member no longer manages one, says so instead of an error beside a hidden field', async () => {
    const page = memberPage(CASEY);
    expect(visibleText((await board.get(page)).body)).toContain('Add to the agency membership');
    const token = board.csrf();
    // Another admin moves Casey to a level without a bundle while this page is open.
    const individual = (await site.membership.lifecycle.listLevels()).find((l) => !l.bundle_size)!;
    expect((await chair.submit(page, { level_id: String(individual.id) }, `${page}/level`)).status).toBe(303);

    const res = await board.post(`${page}/bundle/people`, { _csrf: token, person_name: '', person_email: 'lee at boulder' });
    expect(res.status).toBe(303);
    expect(res.location).toBe(page);
    expect(flash((await board.get(page)).body)).toBe('This member does not manage an agency membership.');
  });
});

describe('Void invoice', () => {
  it('refuses a reason that is too long beside the field, keeps it, and leaves the invoice unpaid', async () => {
    const adminId = (await site.accounts.findUserByEmail(BOARD.email))!.id;
    const invoice = await site.database.db.transaction().execute((trx) =>
      site.billing.createInvoice(trx, {
        userId: miaUserId,
        billTo: 'Mia Member',
        lines: [{ description: 'Workshop fee', quantity: 1, unitCents: 4000 }],
        dueAt: new Date('2026-08-01T06:00:00.000Z'),
        actorUserId: adminId,
      }),
    );
    const url = `/admin/invoices/${invoice.id}`;
    const reason = `Issued twice by mistake. ${'v'.repeat(500)}`;
    const res = await board.submit(url, { reason }, `${url}/void`);
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'reason')).toBe('Error: Use at most 500 characters for the reason.');
    expect(inputValue(res.body, 'reason')).toBe(reason);
    expect((await site.billing.get(invoice.id))!.status).toBe('unpaid');

    // Paid by another admin while this page was open: that is what the page says, not "enter the reason".
    await board.get(url);
    const token = board.csrf();
    expect((await site.billing.recordPayment(invoice.id, { method: 'check', amountCents: 4000, reference: 'Check 77', actorUserId: adminId })).ok).toBe(true);
    const stale = await board.post(`${url}/void`, { _csrf: token, reason: '' });
    expect(stale.status).toBe(422);
    expect(visibleText(stale.body)).toContain(`Invoice ${invoice.number} is paid: only an unpaid invoice can be voided.`);
    expect(visibleText(stale.body)).not.toContain('Enter the reason');
    expect((await site.billing.get(invoice.id))!.status).toBe('paid');
  });
});
