import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import * as kit from '#test/support/kit.js';
import { ADMIN, agencyContact, applyAndConfirm, JULY_2, logIn, mailFor, membershipOf } from '#test/support/kit.js';
import type { TestSite } from '#test/support/site.js';
import { linkIn, startSmtp, type SmtpCatcher } from '#test/support/smtp.js';
import { fillTemplate, missingRequired, renderTemplate, sampleValues, substitute, templateDefinition, allTemplates, unknownPlaceholders } from '#core/mail/templates.js';

const MEMBER = { email: 'member@example.org', password: 'a long member password', name: 'Mo Member' };
const PASSWORD = 'a long applicant password';
const APPROVED = '/admin/mail/templates/membership.approved';
const CONTACT = { email: 'contact@boulder.example.org', password: 'the agency contact password', name: 'Casey Contact' };

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

async function newSite() {
  const { site } = await kit.newSite({ at: JULY_2, smtp, admins: [ADMIN], members: [MEMBER] });
  return site;
}

/** Apply for the Associate level (approved by the board) and confirm the e-mail: the membership id. */
async function applyForApproval(site: TestSite, email: string) {
  await applyAndConfirm(site, smtp, 'Associate', email, { name: 'Pat Inspector', password: PASSWORD, confirm: PASSWORD });
  const mine = (await membershipOf(site, email))!;
  expect(mine.membership.status).toBe('pending_approval');
  return mine.membership.id;
}

describe('e-mail templates admins edit', () => {
  it('lists the templates, and the next approval e-mail uses the edited text with its fields filled', async () => {
    const site = await newSite();
    const board = await logIn(site, ADMIN);
    const list = visibleText((await board.get('/admin/mail/templates')).body);
    expect(list).toContain('Application approved');
    expect(list).not.toContain('Edited');
    // Grouped by what sends them.
    expect(list).toMatch(/Log-in and accounts .*Password reset link.* Membership .*Application approved.*Added to an agency membership \(new account\)/);
    expect(visibleText((await board.get('/admin/mail')).body)).toContain('E-mail templates');

    const page = await board.get(APPROVED);
    expect(inputValue(page.body, 'subject')).toBe('Your {{association}} membership application was approved');
    expect(visibleText(page.body)).toContain('{{name}}');
    // The preview fills the fields with example values.
    expect(visibleText(page.body)).toContain('Hello Pat Inspector,');

    const saved = await board.submit(APPROVED, {
      intent: 'save',
      subject: 'Welcome aboard, {{name}}',
      text: 'Dear {{ name }},\n\nThe {{association}} board said yes.\nPay here: {{link}}\n',
    });
    expect(saved.status).toBe(303);
    const after = await board.get(APPROVED);
    expect(visibleText(after.body)).toContain('was saved');
    expect(inputValue(after.body, 'subject')).toBe('Welcome aboard, {{name}}');
    expect(visibleText((await board.get('/admin/mail/templates')).body)).toContain('Application approved Edited');

    const id = await applyForApproval(site, 'lab@example.org');
    await board.get(`/admin/members/${id}`);
    const since = smtp.messages.length;
    expect((await board.post(`/admin/members/${id}/approve`, { _csrf: board.csrf() })).status).toBe(303);
    const [mail] = await mailFor(site, smtp, 'lab@example.org', since);
    expect(mail!.subject).toBe('Welcome aboard, Pat Inspector');
    expect(mail!.text).toContain('Dear Pat Inspector,\n\nThe CIPCA board said yes.\nPay here: http://localhost:3000/account');
  });

  it('refuses a placeholder that is not a merge field beside the field, keeping what was typed', async () => {
    const site = await newSite();
    const board = await logIn(site, ADMIN);
    const typed = { intent: 'save', subject: 'Approved, {{name}}', text: 'Hello {{nmae}},\n\nYou are in.\n' };
    const res = await board.submit(APPROVED, typed);
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'text')).toBe('Error: {{nmae}} is not a merge field of this e-mail; available: {{name}}, {{association}}, {{link}}.');
    expect(fieldError(res.body, 'subject')).toBeUndefined();
    expect(inputValue(res.body, 'subject')).toBe(typed.subject);
    expect(inputValue(res.body, 'text')).toBe(typed.text);

    const empty = await board.submit(APPROVED, { intent: 'save', subject: ' ', text: ' \n ' });
    expect(empty.status).toBe(422);
    expect(fieldError(empty.body, 'subject')).toBe('Error: Enter the subject.');
    expect(fieldError(empty.body, 'text')).toBe('Error: Enter the text of the e-mail.');

    const long = await board.submit(APPROVED, { intent: 'save', subject: 'x'.repeat(201), text: 'y'.repeat(10_001) });
    expect(long.status).toBe(422);
    expect(fieldError(long.body, 'subject')).toBe('Error: Use at most 200 characters for the subject.');
    expect(fieldError(long.body, 'text')).toBe('Error: Use at most 10000 characters for the text.');

    // Nothing was saved.
    expect(visibleText((await board.get('/admin/mail/templates')).body)).not.toContain('Edited');
  });

  it('previews typed text without saving it', async () => {
    const site = await newSite();
    const board = await logIn(site, ADMIN);
    const res = await board.submit(APPROVED, { intent: 'preview', subject: 'Hi {{name}}', text: 'Your link: {{link}}\n' });
    expect(res.status).toBe(200);
    const text = visibleText(res.body);
    expect(text).toContain('Preview (not saved yet)');
    expect(text).toContain('Subject: Hi Pat Inspector');
    expect(text).toContain('Your link: https://example.org/account');
    expect(visibleText((await board.get('/admin/mail/templates')).body)).not.toContain('Edited');
  });

  it('restores the default text', async () => {
    const site = await newSite();
    const board = await logIn(site, ADMIN);
    expect(visibleText((await board.get(APPROVED)).body)).not.toContain('Restore the default');
    await board.submit(APPROVED, { intent: 'save', subject: 'Changed {{name}}', text: 'Changed.\n' });
    const edited = await board.get(APPROVED);
    expect(visibleText(edited.body)).toContain('Restore the default');
    const restored = await board.post(`${APPROVED}/restore`, { _csrf: board.csrf() });
    expect(restored.status).toBe(303);
    const page = await board.get(APPROVED);
    expect(visibleText(page.body)).toContain('uses the default text again');
    expect(inputValue(page.body, 'subject')).toBe('Your {{association}} membership application was approved');
    expect(visibleText((await board.get('/admin/mail/templates')).body)).not.toContain('Edited');
  });

  it('treats saving the default word for word as no edit', async () => {
    const site = await newSite();
    const board = await logIn(site, ADMIN);
    const page = await board.get(APPROVED);
    const res = await board.submit(APPROVED, { intent: 'save', subject: inputValue(page.body, 'subject')!, text: inputValue(page.body, 'text')!.replace(/\n/g, '\r\n') });
    expect(res.status).toBe(303);
    expect(visibleText((await board.get('/admin/mail/templates')).body)).not.toContain('Edited');
  });

  it('answers 404 for a template that does not exist', async () => {
    const site = await newSite();
    const board = await logIn(site, ADMIN);
    expect((await board.get('/admin/mail/templates/membership.nope')).status).toBe(404);
    await board.get(APPROVED);
    expect((await board.post('/admin/mail/templates/membership.nope', { _csrf: board.csrf(), subject: 'a', text: 'b' })).status).toBe(404);
    expect((await board.post('/admin/mail/templates/membership.nope/restore', { _csrf: board.csrf() })).status).toBe(404);
  });

  it('keeps members and visitors out', async () => {
    const site = await newSite();
    const visitor = new Client(site.app);
    const list = await visitor.get('/admin/mail/templates');
    expect(list.status).toBe(303);
    expect(list.location).toContain('/login');
    expect((await visitor.get(APPROVED)).status).toBe(303);
    expect([401, 403]).toContain((await visitor.post(APPROVED, { subject: 'Hacked', text: 'Hacked' })).status);

    const member = await logIn(site, MEMBER);
    expect((await member.get('/admin/mail/templates')).status).toBe(403);
    expect((await member.get(APPROVED)).status).toBe(403);
    await member.get('/account');
    expect((await member.post(APPROVED, { _csrf: member.csrf(), intent: 'save', subject: 'Hacked', text: 'Hacked' })).status).toBe(403);
    expect((await member.post(`${APPROVED}/restore`, { _csrf: member.csrf() })).status).toBe(403);

    const board = await logIn(site, ADMIN);
    expect(inputValue((await board.get(APPROVED)).body, 'subject')).toBe('Your {{association}} membership application was approved');
  });
});

describe('agency-bundle e-mails admins reword', () => {
  it('sends the edited wording to people an agency contact adds, with a set-up link that still works', async () => {
    const site = await newSite();
    await agencyContact(site, CONTACT, '2027-01-01T07:00:00.000Z');
    const contact = await logIn(site, CONTACT);
    const addPerson = (name: string, email: string) => contact.submit('/account', { name, email }, '/account/bundle/people');

    const board = await logIn(site, ADMIN);
    const setupKey = '/admin/mail/templates/membership.bundle_added_setup';
    const editor = visibleText((await board.get(setupKey)).body);
    for (const f of ['{{name}}', '{{association}}', '{{added_by}}', '{{organization}}', '{{link}}', '{{valid_for}}']) expect(editor).toContain(f);
    expect(editor).toContain('Casey Contact has added you to the CIPCA membership of City of Boulder.');
    const saved = await board.submit(setupKey, {
      intent: 'save',
      subject: '{{organization}} signed you up for {{association}}',
      text: 'Hi {{name}},\n\n{{added_by}} covers you now. Choose a password within {{valid_for}}:\n{{link}}\n',
    });
    expect(saved.status).toBe(303);
    expect(
      (await board.submit('/admin/mail/templates/membership.bundle_added', { intent: 'save', subject: 'Covered by {{organization}}', text: 'Hi {{name}}, log in: {{link}}\n' }))
        .status,
    ).toBe(303);

    // Someone new: the edited set-up e-mail, whose link sets their password.
    let since = smtp.messages.length;
    expect((await addPerson('Pat Inspector', 'pat@boulder.example.org')).status).toBe(303);
    const [setup] = await mailFor(site, smtp, 'pat@boulder.example.org', since);
    expect(setup!.subject).toBe('City of Boulder signed you up for CIPCA');
    expect(setup!.text).toMatch(/^Hi Pat Inspector,\n\nCasey Contact covers you now\. Choose a password within 7 days:\nhttp:\/\/localhost:3000\/setup\/[\w-]{20,}\n?$/);
    const person = new Client(site.app);
    const res = await person.submit(linkIn(setup!.text), { name: 'Pat Inspector', password: PASSWORD, confirm: PASSWORD });
    expect(res.status).toBe(303);
    expect((await person.get('/members')).status).toBe(200);

    // Someone with an account and a password already: the other edited e-mail, with the log-in page.
    await site.addUser({ email: 'lee@boulder.example.org', password: 'lee has a password already', name: 'Lee Lab', membership: false });
    since = smtp.messages.length;
    expect((await addPerson('Lee Lab', 'lee@boulder.example.org')).status).toBe(303);
    const [plain] = await mailFor(site, smtp, 'lee@boulder.example.org', since);
    expect(plain!.subject).toBe('Covered by City of Boulder');
    expect(plain!.text).toBe('Hi Lee Lab, log in: http://localhost:3000/login\n');
  });
});

describe('template rendering', () => {
  it('keeps a value on one line unless its field may run over several, so a name cannot add lines to an e-mail', async () => {
    const site = await newSite();
    const db = site.database.db;
    const invite = await renderTemplate(db, 'accounts.admin_invite', {
      name: 'Nora\r\n\r\nYour account is locked: http://evil.example/unlock\u2028',
      association: 'CIPCA',
      inviter: 'Board {{link}} Admin',
      link: 'http://localhost:3000/setup/abc',
      valid_for: '7 days',
    });
    expect(invite.text.split('\n')[0]).toBe('Hello Nora Your account is locked: http://evil.example/unlock ,');
    // A value is never read as a template: the inviter's braces stay as typed.
    expect(invite.text).toContain('Board {{link}} Admin has invited you');
    const rejected = await renderTemplate(db, 'membership.rejected', { name: 'Pat', association: 'CIPCA', reason: 'First line.\nSecond line.', contact: '' });
    expect(rejected.text).toContain('First line.\nSecond line.');
    expect(rejected.subject).toBe('Your CIPCA membership application');
  });

  it('knows which links an e-mail cannot do without', () => {
    const reset = templateDefinition('accounts.password_reset')!;
    expect(missingRequired(reset.text, reset)).toEqual([]);
    expect(missingRequired('Hello {{name}}', reset)).toEqual(['link']);
    expect(missingRequired('Open {{ link }}', reset)).toEqual([]);
    for (const key of ['accounts.password_reset', 'accounts.admin_invite', 'membership.bundle_added_setup', 'membership.application_received']) {
      expect(templateDefinition(key)!.fields.link!.required, key).toBe(true);
    }
  });

  it('fills every template with its sample values, leaving no merge field behind', () => {
    for (const t of allTemplates()) {
      const names = Object.keys(t.fields);
      expect(unknownPlaceholders(t.subject, names), t.key).toEqual([]);
      expect(unknownPlaceholders(t.text, names), t.key).toEqual([]);
      const filled = fillTemplate(t, sampleValues(t));
      expect(filled.subject, t.key).not.toMatch(/\{\{|\}\}/);
      expect(filled.text, t.key).not.toMatch(/\{\{|\}\}/);
      // A name someone else typed (an applicant's, a new person's added by an agency) is not in the default greeting (decision 0025).
      if ('name' in t.fields && !['membership.application_received', 'membership.bundle_added_setup'].includes(t.key)) expect(filled.text, t.key).toContain('Pat Inspector');
    }
  });

  it('keeps unknown placeholders as typed, never reads a value as a template, and drops a line whose fields are all empty', () => {
    expect(substitute('Hi {{name}} {{other}}', { name: '{{other}} $& x' })).toBe('Hi {{other}} $& x {{other}}');
    expect(substitute('Hello {{name}}.\nQuestions? Write to {{contact}}.\nBye', { name: 'Pat', contact: '' })).toBe('Hello Pat.\nBye');
    expect(fillTemplate({ subject: 'About {{reason}}', text: '{{reason}}' }, { reason: 'line one\nline two' })).toEqual({
      subject: 'About line one line two',
      text: 'line one\nline two',
    });
  });
});

/**
 * Typed keys and merge fields: never run, checked by `npm run typecheck` (part of `npm test`),
 * which fails if any line marked @ts-expect-error compiles.
 */
export function typeChecks(site: TestSite) {
  const db = site.database.db;
  return Promise.all([
    // @ts-expect-error a template no module defines
    renderTemplate(db, 'membership.nonexistent', { name: 'x' }),
    // @ts-expect-error a merge field missing (the approval e-mail needs the link)
    renderTemplate(db, 'membership.approved', { name: 'x', association: 'y' }),
    // @ts-expect-error a merge field the template does not have
    renderTemplate(db, 'membership.approved', { name: 'x', association: 'y', link: 'z', colour: 'blue' }),
    renderTemplate(db, 'membership.approved', { name: 'x', association: 'y', link: 'z' }),
  ]);
}
