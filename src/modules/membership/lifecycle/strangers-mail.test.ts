import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import type { TestSite } from '#test/support/site.js';
import { linkIn, startSmtp, type SmtpCatcher } from '#test/support/smtp.js';
import * as kit from '#test/support/kit.js';

/**
 * The e-mail the site sends on a stranger's word (issue 7, findings 4, 5 and 6; decision 0025):
 * how often, with whose words, to whom, and what the forms give away about who has an account.
 */

const DAY = 86_400_000;
const PASSWORD = 'a long applicant password';
const ADMIN = { email: 'board@example.org', password: 'correct horse battery staple', name: 'Board Admin' };
const CONTACT = { email: 'contact@boulder.example.org', password: 'the agency contact password', name: 'Casey Contact' };
const MEMBER = { email: 'solo@example.org', password: 'a single member password', name: 'Sam Solo' };
const NAME_REFUSED = 'Error: A name cannot contain a web address or an e-mail address.';
const CANNOT_ADD = (address: string) => `Error: ${address} cannot be added to your membership. If they should be covered, ask the association's office.`;

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

/** A site with an admin and an agency contact (Agency level: 5 people) whose browser is logged in. */
async function newSite() {
  const { site, clock } = await kit.newSite({ at: kit.JULY_2, smtp, admins: [ADMIN] });
  const contactId = await kit.agencyContact(site, CONTACT, '2027-07-01T07:00:00.000Z');
  const contact = await kit.logIn(site, CONTACT);
  const individual = await kit.levelId(site, 'Individual');
  return { site, clock, contact, contactId, individual };
}

async function mailFor(site: TestSite, address: string, since: number): Promise<ParsedMail[]> {
  return kit.mailFor(site, smtp, address, since);
}

const application = (email: string, extra: Record<string, string> = {}) => ({
  name: 'Pat Inspector',
  email,
  password: PASSWORD,
  confirm: PASSWORD,
  organization: 'City of Boulder',
  job_title: '',
  phone: '',
  address_line1: '',
  address_line2: '',
  city: 'Boulder',
  region: 'CO',
  postal_code: '',
  ...extra,
});

const apply = (site: TestSite, level: number, email: string, extra: Record<string, string> = {}) => new Client(site.app).submit(`/join/${level}`, application(email, extra));
const addPerson = (contact: Client, name: string, email: string) => contact.submit('/account', { name, email }, '/account/bundle/people');

/** The contact removes the person with this address from their bundle. */
async function removePerson(contact: Client, address: string) {
  const page = await contact.get('/account/bundle');
  const row = new RegExp(`${address.replace(/[.]/g, '\\.')}[\\s\\S]*?action="(/account/bundle/people/\\d+/remove)"`).exec(page.body);
  expect(row, address).not.toBeNull();
  expect((await contact.post(row![1]!, { _csrf: contact.csrf() })).status).toBe(303);
}

/** What the contact read after their last addition (the flash on /account). */
const flash = async (contact: Client) => visibleText((await contact.get('/account')).body);

describe('e-mail sent on a stranger’s word is limited (finding 4)', () => {
  it('sends at most 3 such e-mails a day to one address, whichever form asks, then none until the next day', async () => {
    const { site, clock, contact, individual } = await newSite();
    const address = 'target@example.org';
    const since = smtp.messages.length;
    for (let n = 0; n < 3; n++) {
      expect((await addPerson(contact, 'Tara Target', address)).status).toBe(303);
      expect(await flash(contact)).toContain(`${address} is now covered. We e-mailed them`);
      await removePerson(contact, address);
    }
    expect(await mailFor(site, address, since)).toHaveLength(3);

    // The application form asks too: the page is the usual one, and no e-mail goes.
    const joined = await apply(site, individual, address);
    expect(joined.status).toBe(200);
    expect(visibleText(joined.body)).toContain(`We have sent a message to ${address}`);
    // The contact adds them again: covered, and told honestly that no e-mail went.
    expect((await addPerson(contact, 'Tara Target', address)).status).toBe(303);
    expect(await flash(contact)).toContain(`${address} is now covered. We did not e-mail them`);
    expect(await mailFor(site, address, since)).toHaveLength(3);

    clock.advance(DAY + 60_000);
    await removePerson(contact, address);
    expect((await apply(site, individual, address)).status).toBe(200);
    const mails = await mailFor(site, address, since);
    expect(mails).toHaveLength(4);
    expect(mails[3]!.subject).toBe('Your CIPCA account');
  });

  it('takes at most 20 applications a day from one network address, saying so without a word about the address typed', async () => {
    const { site, individual } = await newSite();
    const since = smtp.messages.length;
    for (let n = 1; n <= 20; n++) expect((await apply(site, individual, `person${n}@example.org`)).status).toBe(200);
    const refused = await apply(site, individual, 'person21@example.org');
    expect(refused.status).toBe(429);
    expect(visibleText(refused.body)).toContain('Many applications have come from your network today');
    expect(inputValue(refused.body, 'email')).toBe('person21@example.org');
    expect(await site.accounts.findUserByEmail('person21@example.org')).toBeUndefined();
    // An address with an account gets the same answer.
    expect((await apply(site, individual, MEMBER.email)).status).toBe(429);
    await site.jobs.runDue();
    expect(smtp.messages.slice(since)).toHaveLength(20);
  });

  it("limits the e-mails one contact's additions send; past it, people are still covered but not e-mailed", async () => {
    const { site, contact } = await newSite();
    const since = smtp.messages.length;
    for (let n = 1; n <= 25; n++) {
      expect((await addPerson(contact, `Person ${n}`, `p${n}@boulder.example.org`)).status).toBe(303);
      await removePerson(contact, `p${n}@boulder.example.org`);
    }
    expect((await addPerson(contact, 'Person 26', 'p26@boulder.example.org')).status).toBe(303);
    expect(await flash(contact)).toContain('p26@boulder.example.org is now covered. We did not e-mail them');
    await site.jobs.runDue();
    expect(smtp.messages.slice(since)).toHaveLength(25);
    expect(await mailFor(site, 'p26@boulder.example.org', since)).toHaveLength(0);
  });

  it('keeps the name typed on the application out of the confirmation', async () => {
    const { site, individual } = await newSite();
    const since = smtp.messages.length;
    expect((await apply(site, individual, 'pat@example.org', { name: 'Dear customer, your account is suspended' })).status).toBe(200);
    const [mail] = await mailFor(site, 'pat@example.org', since);
    expect(mail!.subject).toBe('Confirm your e-mail address for your CIPCA application');
    expect(mail!.text).toMatch(/^Hello,\n/);
    expect(mail!.text).not.toContain('suspended');
  });

  it('refuses names with web or e-mail addresses beside the field: application, profile, agency form', async () => {
    const { site, contact, individual } = await newSite();
    const since = smtp.messages.length;
    for (const name of [
      'Your account is suspended, verify at http://evil.example/x',
      'Go to www.evil.example',
      'Verify at evil.com',
      'evil.example/verify',
      'write to help@evil.example',
    ]) {
      const res = await apply(site, individual, 'pat@example.org', { name });
      expect(res.status, name).toBe(422);
      expect(fieldError(res.body, 'name'), name).toBe(NAME_REFUSED);
      expect(inputValue(res.body, 'name'), name).toBe(name);
    }
    const org = await apply(site, individual, 'pat@example.org', { organization: 'Log in at evil.com to keep your membership' });
    expect(fieldError(org.body, 'organization')).toBe(NAME_REFUSED);
    expect(await site.accounts.findUserByEmail('pat@example.org')).toBeUndefined();

    // People's ordinary names pass.
    expect((await apply(site, individual, 'jr@example.org', { name: 'J.R. St.Clair-O’Brien', organization: 'Smith & Co.' })).status).toBe(200);

    const profile = await contact.submit('/account/profile', { name: 'Casey at https://evil.example', organization: 'City of Boulder' });
    expect(profile.status).toBe(422);
    expect(fieldError(profile.body, 'name')).toBe(NAME_REFUSED);

    const added = await addPerson(contact, 'Pat, reset your password at evil.com', 'pat@boulder.example.org');
    expect(added.status).toBe(422);
    expect(fieldError(added.body, 'name')).toBe(NAME_REFUSED);
    expect(await site.accounts.findUserByEmail('pat@boulder.example.org')).toBeUndefined();
    expect(await mailFor(site, 'pat@', since)).toHaveLength(0);
  });

  it("lets an admin enter such an organization on a member's record (their call), and the agency e-mail still leaves it out", async () => {
    const { site, contact, contactId } = await newSite();
    const board = new Client(site.app);
    await board.logIn(ADMIN.email, ADMIN.password);
    const membershipId = (await site.membership.lifecycle.forUser(contactId))!.membership.id;
    const page = `/admin/members/${membershipId}`;
    const fields = {
      name: CONTACT.name,
      email: CONTACT.email,
      organization: 'Boulder.gov Utilities',
      job_title: '',
      phone: '',
      address_line1: '',
      address_line2: '',
      city: '',
      region: '',
      postal_code: '',
    };
    expect((await board.submit(page, fields, `${page}/details`)).status).toBe(303);
    expect((await site.membership.lifecycle.forUser(contactId))!.membership.organization).toBe('Boulder.gov Utilities');
    const since = smtp.messages.length;
    expect((await addPerson(contact, 'Pat Inspector', 'pat@boulder.example.org')).status).toBe(303);
    const [mail] = await mailFor(site, 'pat@boulder.example.org', since);
    expect(mail!.text).toContain('Casey Contact has added you to the CIPCA membership of their agency.');
  });

  it('leaves out of the e-mail a name with a link that reached the records another way', async () => {
    const { site, contact, contactId } = await newSite();
    await site.database.db.updateTable('users').set({ name: 'Security team: verify at http://evil.example' }).where('id', '=', contactId).execute();
    await site.database.db.updateTable('memberships').set({ organization: 'evil.com' }).where('user_id', '=', contactId).execute();
    const since = smtp.messages.length;
    expect((await addPerson(contact, 'Pat Inspector', 'pat@boulder.example.org')).status).toBe(303);
    const [mail] = await mailFor(site, 'pat@boulder.example.org', since);
    expect(mail!.text).toContain("Your agency's contact has added you to the CIPCA membership of their agency.");
    expect(mail!.text).not.toContain('evil');
  });
});

describe('an agency contact cannot take over accounts (finding 5)', () => {
  it('refuses an administrator and an invited one, in the words used for anyone they may not add, and the invitation still works', async () => {
    const { site, contact } = await newSite();
    await site.addUser(MEMBER);
    const board = new Client(site.app);
    await board.logIn(ADMIN.email, ADMIN.password);
    const since = smtp.messages.length;
    expect((await board.submit('/admin/users/invite', { name: 'Nora New', email: 'nora@example.org' })).status).toBe(303);
    const [invite] = await mailFor(site, 'nora@example.org', since);
    const link = linkIn(invite!.text);

    for (const address of ['nora@example.org', ADMIN.email, MEMBER.email]) {
      const res = await addPerson(contact, 'Someone', address);
      expect(res.status, address).toBe(422);
      expect(fieldError(res.body, 'email'), address).toBe(CANNOT_ADD(address));
    }
    expect(visibleText((await contact.get('/account')).body)).toContain('1 of 5 places used');
    expect(await mailFor(site, 'nora@example.org', since)).toHaveLength(1);

    const nora = new Client(site.app);
    expect((await nora.get(link)).status).toBe(200);
    const done = await nora.submit(link, { name: 'Nora New', password: 'a long admin password here', confirm: 'a long admin password here' });
    expect(done.status).toBe(303);
    expect((await nora.get('/admin')).status).toBe(200);
  });

  it('never ends the links of a person who has an account: their set-up and reset links keep working', async () => {
    const { site, contact } = await newSite();
    const since = smtp.messages.length;
    expect((await addPerson(contact, 'Pat Inspector', 'pat@boulder.example.org')).status).toBe(303);
    const setup = linkIn((await mailFor(site, 'pat@boulder.example.org', since))[0]!.text);
    expect(setup).toMatch(/^\/setup\//);
    await removePerson(contact, 'pat@boulder.example.org');

    // They asked for a reset link meanwhile, then the contact adds them back.
    const visitor = new Client(site.app);
    expect((await visitor.submit('/forgot-password', { email: 'pat@boulder.example.org' })).status).toBeLessThan(400);
    const reset = linkIn((await mailFor(site, 'pat@boulder.example.org', since))[1]!.text);
    expect(reset).toMatch(/^\/reset-password\//);
    const again = smtp.messages.length;
    expect((await addPerson(contact, 'Renamed By Contact', 'pat@boulder.example.org')).status).toBe(303);
    const [mail] = await mailFor(site, 'pat@boulder.example.org', again);
    expect(mail!.text).toContain('http://localhost:3000/login');
    expect(mail!.text).toContain('http://localhost:3000/forgot-password');
    expect(mail!.text).not.toContain('/setup/');

    expect((await new Client(site.app).get(reset)).status).toBe(200);
    const person = new Client(site.app);
    expect((await person.get(setup)).status).toBe(200);
    expect((await person.submit(setup, { name: 'Pat Inspector', password: 'a covered person password', confirm: 'a covered person password' })).status).toBe(303);
    expect((await person.get('/members')).status).toBe(200);
    expect((await site.accounts.findUserByEmail('pat@boulder.example.org'))!.name).toBe('Pat Inspector');
  });
});

describe('the application form does not tell who has an account (finding 6)', () => {
  it('answers an address with an account exactly as a new one, changes nothing in that account, and tells its owner by e-mail', async () => {
    const { site, individual } = await newSite();
    await site.addUser(MEMBER);
    const fresh = await apply(site, individual, 'nobody@example.org');
    const since = smtp.messages.length;
    const taken = await apply(site, individual, MEMBER.email.toUpperCase(), { name: 'Someone Else' });
    expect(taken.status).toBe(fresh.status);
    expect(visibleText(taken.body)).toBe(visibleText(fresh.body).replace('nobody@example.org', MEMBER.email));

    const [mail] = await mailFor(site, MEMBER.email, since);
    expect(mail!.subject).toBe('Your CIPCA account');
    expect(mail!.text).toMatch(/^Hello,\n/);
    expect(mail!.text).toContain('Someone tried to apply for membership of CIPCA with this e-mail address.');
    expect(mail!.text).toContain('http://localhost:3000/login');
    expect(mail!.text).toContain('http://localhost:3000/forgot-password');
    expect(mail!.text).not.toContain('Someone Else');

    // The account is as it was: its name, its password, its one membership.
    const user = (await site.accounts.findUserByEmail(MEMBER.email))!;
    expect(user.name).toBe(MEMBER.name);
    await new Client(site.app).logIn(MEMBER.email, MEMBER.password);
    const membership = await site.membership.lifecycle.forUser(user.id);
    expect(membership!.membership.status).toBe('active');
  });

  it('sends an applicant who had not confirmed yet a new confirmation link', async () => {
    const { site, individual } = await newSite();
    expect((await apply(site, individual, 'pat@example.org')).status).toBe(200);
    await site.jobs.runDue();
    const since = smtp.messages.length;
    expect((await apply(site, individual, 'pat@example.org')).status).toBe(200);
    const [mail] = await mailFor(site, 'pat@example.org', since);
    expect(mail!.subject).toBe('Confirm your e-mail address for your CIPCA application');
    const applicant = new Client(site.app);
    expect((await applicant.submit(linkIn(mail!.text), {})).status).toBe(303);
    expect(visibleText((await applicant.get('/account')).body)).toContain('Invoice 1');
  });
});
