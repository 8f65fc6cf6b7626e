import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import { ADMIN, agencyContact, JULY_2, logIn, mailFor, membershipOf, newSite } from '#test/support/kit.js';
import type { TestSite } from '#test/support/site.js';
import { linkIn, startSmtp, type SmtpCatcher } from '#test/support/smtp.js';

const DAY = 86_400_000;
const CONTACT = { email: 'contact@boulder.example.org', password: 'the agency contact password', name: 'Casey Contact' };
const MEMBER = { email: 'solo@example.org', password: 'a single member password', name: 'Sam Solo' };
const NEW_PASSWORD = 'a covered person password';

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

/** A site with an agency contact (Agency level: 5 people, 30 days' grace) paid through `expires`. */
async function agencySite(expires = '2027-01-01T07:00:00.000Z') {
  const { site, clock } = await newSite({ at: JULY_2, smtp });
  const contactId = await agencyContact(site, CONTACT, expires);
  return { site, clock, contact: await logIn(site, CONTACT), contactId };
}

const addPerson = (contact: Client, name: string, email: string) => contact.submit('/account', { name, email }, '/account/bundle/people');

/** The person opens the set-up link from their e-mail and chooses a password: their browser, logged in. */
async function setUp(site: TestSite, address: string, since: number) {
  const [mail] = await mailFor(site, smtp, address, since);
  expect(mail!.subject).toBe('You are now a member of CIPCA');
  expect(mail!.text).toContain('Casey Contact has added you to the CIPCA membership of City of Boulder');
  const link = linkIn(mail!.text);
  expect(link).toMatch(/^\/setup\/[\w-]{20,}$/);
  const person = new Client(site.app);
  const res = await person.submit(link, { name: 'Pat Inspector', password: NEW_PASSWORD, confirm: NEW_PASSWORD });
  expect(res.status).toBe(303);
  expect(res.location).toBe('/account');
  return person;
}

const events = async (site: TestSite, userId: number) => {
  const mine = await site.membership.lifecycle.forUser(userId);
  return (await site.membership.lifecycle.detail(mine!.membership.id))!.events.map((e) => `${e.kind}: ${e.detail}`);
};

describe('agency bundles', () => {
  it('lets the contact add people up to the size; the next is refused beside the field', async () => {
    const { site, contact, contactId } = await agencySite();
    const account = visibleText((await contact.get('/account')).body);
    expect(account).toContain('People covered by your agency membership');
    expect(account).toContain('covers up to 5 people, you included');
    expect(account).toContain('1 of 5 places used (you count as one)');
    expect(account).toContain('Add a person');

    for (const n of [1, 2, 3, 4]) {
      const res = await addPerson(contact, `Person ${n}`, `person${n}@boulder.example.org`);
      expect(res.status).toBe(303);
      expect(res.location).toBe('/account');
    }
    const full = visibleText((await contact.get('/account')).body);
    expect(full).toContain('5 of 5 places used');
    for (const n of [1, 2, 3, 4]) expect(full).toContain(`Person ${n} person${n}@boulder.example.org Remove`);
    expect(full).toContain('All places are taken');
    expect(full).not.toContain('Add a person');

    // A form loaded before the bundle filled up.
    const page = await contact.get('/account/bundle');
    expect(page.status).toBe(200);
    const refused = await contact.post('/account/bundle/people', { name: 'Person 5', email: 'person5@boulder.example.org', _csrf: contact.csrf() });
    expect(refused.status).toBe(422);
    expect(fieldError(refused.body, 'email')).toContain('covers 5 people, you included, and all places are taken');
    expect(inputValue(refused.body, 'email')).toBe('person5@boulder.example.org');
    expect(inputValue(refused.body, 'name')).toBe('Person 5');
    expect(await site.accounts.findUserByEmail('person5@boulder.example.org')).toBeUndefined();

    expect(await events(site, contactId)).toContain('bundle_added: Added Person 1 (person1@boulder.example.org) to the agency membership.');
  });

  it('e-mails the added person a set-up link; they choose a password and open the members-only pages', async () => {
    const { site, contact } = await agencySite();
    const since = smtp.messages.length;
    expect((await addPerson(contact, 'Pat Inspector', 'pat@boulder.example.org')).status).toBe(303);
    expect(visibleText((await contact.get('/account')).body)).toContain('pat@boulder.example.org is now covered');

    // Before setting a password, nobody can log in as them.
    const stranger = new Client(site.app);
    await stranger.get('/login');
    expect((await stranger.post('/login', { email: 'pat@boulder.example.org', password: '', _csrf: stranger.csrf() })).status).not.toBe(303);

    const person = await setUp(site, 'pat@boulder.example.org', since);
    expect((await person.get('/members')).status).toBe(200);
    const account = visibleText((await person.get('/account')).body);
    expect(account).toContain('Level Agency');
    expect(account).toContain('managed by Casey Contact');
    // Covered people manage no bundle and renew nothing.
    expect(account).not.toContain('People covered by your agency membership');
    expect(account).not.toContain('Renew now');
    expect((await person.request('POST', '/account/bundle/people', { form: { name: 'X', email: 'x@example.org', _csrf: person.csrf() } })).status).toBe(404);
  });

  it('ends access when the contact removes someone', async () => {
    const { site, contact, contactId } = await agencySite();
    const since = smtp.messages.length;
    await addPerson(contact, 'Pat Inspector', 'pat@boulder.example.org');
    const person = await setUp(site, 'pat@boulder.example.org', since);
    expect((await person.get('/members')).status).toBe(200);

    await contact.get('/account');
    const action = /action="(\/account\/bundle\/people\/\d+\/remove)"/.exec(contact.last!.body)![1]!;
    const removed = await contact.post(action, { _csrf: contact.csrf() });
    expect(removed.status).toBe(303);
    const account = visibleText((await contact.get('/account')).body);
    expect(account).toContain('Pat Inspector is no longer covered by your membership.');
    expect(account).toContain('1 of 5 places used');
    expect(await events(site, contactId)).toContain('bundle_removed: Removed Pat Inspector (pat@boulder.example.org) from the agency membership.');

    expect((await person.get('/members')).status).toBe(403);
    // Removing twice, or an id that is not theirs: not found, never an error.
    expect((await contact.post(action, { _csrf: contact.csrf() })).status).toBe(404);
    expect((await contact.post('/account/bundle/people/abc/remove', { _csrf: contact.csrf() })).status).toBe(404);

    // Added again later: covered again, with the password they already chose.
    const again = smtp.messages.length;
    expect((await addPerson(contact, 'Pat Inspector', 'pat@boulder.example.org')).status).toBe(303);
    const [mail] = await mailFor(site, smtp, 'pat@boulder.example.org', again);
    expect(linkIn(mail!.text)).toBe('/login');
    expect((await person.get('/members')).status).toBe(200);
  });

  it('takes access from covered people when the agency membership lapses', async () => {
    const renewal = '2026-07-10T06:00:00.000Z';
    const { site, clock, contact } = await agencySite(renewal);
    const since = smtp.messages.length;
    await addPerson(contact, 'Pat Inspector', 'pat@boulder.example.org');
    const person = await setUp(site, 'pat@boulder.example.org', since);
    expect((await person.get('/members')).status).toBe(200);

    // Past the renewal date, within the 30 days' grace: still a member.
    clock.advance(new Date('2026-07-25T12:00:00.000Z').getTime() - clock.now().getTime());
    await site.jobs.runDue();
    expect((await person.get('/members')).status).toBe(200);

    // Past the grace period: the contact has lapsed, and so have the people they cover.
    clock.advance(new Date(renewal).getTime() + 31 * DAY - clock.now().getTime());
    await site.jobs.runDue();
    const again = await logIn(site, { email: 'pat@boulder.example.org', password: NEW_PASSWORD });
    expect((await again.get('/members')).status).toBe(403);
    expect((await person.get('/members')).status).toBe(403);
    const contactAgain = await logIn(site, CONTACT);
    expect((await contactAgain.get('/members')).status).toBe(403);
  });

  it('refuses people who have a membership of their own, and bad addresses, keeping the input', async () => {
    const { site, contact } = await agencySite();
    await site.addUser(MEMBER);

    const own = await addPerson(contact, 'Sam Solo', MEMBER.email);
    expect(own.status).toBe(422);
    expect(fieldError(own.body, 'email')).toBe(`Error: ${MEMBER.email} cannot be added to your membership. If they should be covered, ask the association's office.`);
    const self = await addPerson(contact, 'Casey', CONTACT.email);
    expect(fieldError(self.body, 'email')).toContain('cannot be added to your membership');

    const bad = await addPerson(contact, 'Pat Inspector', 'pat at boulder');
    expect(bad.status).toBe(422);
    expect(fieldError(bad.body, 'email')).toContain('Enter an e-mail address in the form name@example.org.');
    expect(inputValue(bad.body, 'email')).toBe('pat at boulder');
    expect(inputValue(bad.body, 'name')).toBe('Pat Inspector');

    const noName = await addPerson(contact, '', 'pat@boulder.example.org');
    expect(noName.status).toBe(422);
    expect(fieldError(noName.body, 'name')).toContain('Enter their name.');
    expect(inputValue(noName.body, 'email')).toBe('pat@boulder.example.org');
    expect(visibleText((await contact.get('/account')).body)).toContain('1 of 5 places used');
  });

  it('shows no bundle to a member of another level, and refuses their requests', async () => {
    const { site } = await agencySite();
    await site.addUser(MEMBER);
    const solo = await logIn(site, MEMBER);
    expect(visibleText((await solo.get('/account')).body)).not.toContain('People covered by your agency membership');
    expect((await solo.get('/account/bundle')).status).toBe(404);
    const csrf = solo.csrf();
    expect((await solo.post('/account/bundle/people', { name: 'Pat', email: 'pat@example.org', _csrf: csrf })).status).toBe(404);
    expect((await solo.post('/account/bundle/people/1/remove', { _csrf: csrf })).status).toBe(404);
    expect(await site.accounts.findUserByEmail('pat@example.org')).toBeUndefined();
    // Not logged in at all.
    expect((await new Client(site.app).post('/account/bundle/people', { name: 'Pat', email: 'pat@example.org' })).status).toBeGreaterThanOrEqual(400);
  });
});

async function boardOf(site: TestSite) {
  await site.addUser({ ...ADMIN, role: 'admin' });
  return logIn(site, ADMIN);
}

const membershipIdOf = async (site: TestSite, address: string) => (await membershipOf(site, address))!.membership.id;

/** A level straight through the service (the level form has its own tests). */
async function addLevel(site: TestSite, name: string, bundleSize: number | null) {
  const saved = await site.membership.lifecycle.saveLevel(null, {
    name,
    description: '',
    dues: 10_000,
    requires_approval: false,
    renewal_policy: 'anniversary',
    renewal_month: null,
    renewal_day: null,
    prorate: false,
    grace_days: 30,
    public_can_apply: false,
    bundle_size: bundleSize,
  });
  if (!saved.ok) throw new Error(JSON.stringify(saved.errors));
  return saved.value;
}

describe('agency bundles for admins', () => {
  it("shows the bundle on the contact's page and the agency on a covered person's; the admin adds and removes people by the contact's rules", async () => {
    const { site, contact, contactId } = await agencySite();
    const board = await boardOf(site);
    await site.addUser(MEMBER);
    const since = smtp.messages.length;
    await addPerson(contact, 'Pat Inspector', 'pat@boulder.example.org');
    const person = await setUp(site, 'pat@boulder.example.org', since);
    const cm = await membershipIdOf(site, CONTACT.email);
    const pm = await membershipIdOf(site, 'pat@boulder.example.org');

    const page = await board.get(`/admin/members/${cm}`);
    expect(page.status).toBe(200);
    const text = visibleText(page.body);
    expect(text).toContain('Agency bundle');
    expect(text).toContain('This Agency membership covers up to 5 people, its contact included: 2 of 5 places used.');
    expect(text).toContain('Pat Inspector pat@boulder.example.org Remove');
    expect(page.body).toContain(`<a href="/admin/members/${pm}">Pat Inspector</a>`);
    // The other panels are still there.
    expect(text).toContain('Manage this member');
    expect(text).toContain('Change level');

    const covered = await board.get(`/admin/members/${pm}`);
    expect(visibleText(covered.body)).toContain('Covered by the agency membership of City of Boulder managed by Casey Contact (contact@boulder.example.org).');
    expect(covered.body).toContain(`<a href="/admin/members/${cm}">Casey Contact</a>`);
    const soloPage = visibleText((await board.get(`/admin/members/${await membershipIdOf(site, MEMBER.email)}`)).body);
    expect(soloPage).not.toContain('Agency bundle');
    expect(soloPage).not.toContain('Covered by');

    // The admin adds someone new: an account and a set-up link, as when the contact adds them.
    const added = await board.submit(`/admin/members/${cm}`, { person_name: 'Lee Lab', person_email: 'Lee@Boulder.example.org' }, `/admin/members/${cm}/bundle/people`);
    expect(added.status).toBe(303);
    expect(added.location).toBe(`/admin/members/${cm}`);
    const after = visibleText((await board.get(`/admin/members/${cm}`)).body);
    expect(after).toContain('lee@boulder.example.org is now covered. We e-mailed them a link to set up their account.');
    expect(after).toContain('3 of 5 places used');
    const [mail] = await mailFor(site, smtp, 'lee@boulder.example.org', since);
    expect(linkIn(mail!.text)).toMatch(/^\/setup\//);
    // The e-mail names who added them: here the board, not the agency's contact.
    expect(mail!.text).toContain('Board Admin has added you to the CIPCA membership of City of Boulder');
    expect(await events(site, contactId)).toContain('bundle_added: Added Lee Lab (lee@boulder.example.org) to the agency membership.');

    // Refused by the same rules, beside the field, keeping what was typed and the contact's own details.
    const own = await board.submit(`/admin/members/${cm}`, { person_name: 'Sam Solo', person_email: MEMBER.email }, `/admin/members/${cm}/bundle/people`);
    expect(own.status).toBe(422);
    expect(fieldError(own.body, 'person_email')).toBe(`Error: ${MEMBER.email} already has a membership of their own, so they cannot be added to this one.`);
    expect(inputValue(own.body, 'person_name')).toBe('Sam Solo');
    expect(inputValue(own.body, 'email')).toBe(CONTACT.email);
    expect(visibleText(own.body)).toContain('Change level');
    const again = await board.post(`/admin/members/${cm}/bundle/people`, { person_name: 'Pat', person_email: 'pat@boulder.example.org', _csrf: board.csrf() });
    expect(fieldError(again.body, 'person_email')).toBe('Error: pat@boulder.example.org is already covered by this agency membership.');
    const bad = await board.post(`/admin/members/${cm}/bundle/people`, { person_name: '', person_email: 'pat at boulder', _csrf: board.csrf() });
    expect(bad.status).toBe(422);
    expect(fieldError(bad.body, 'person_email')).toContain('Enter an e-mail address in the form name@example.org.');
    expect(fieldError(bad.body, 'person_name')).toContain('Enter their name.');
    expect(inputValue(bad.body, 'person_email')).toBe('pat at boulder');
    // Not a contact: nothing to add to.
    const solo = await membershipIdOf(site, MEMBER.email);
    const none = await board.post(`/admin/members/${solo}/bundle/people`, { person_name: 'X', person_email: 'x@example.org', _csrf: board.csrf() });
    expect(none.status).toBe(303);
    expect(visibleText((await board.get(`/admin/members/${solo}`)).body)).toContain('This member does not manage an agency membership.');
    expect(await site.accounts.findUserByEmail('x@example.org')).toBeUndefined();

    // Removed from their own page: access ends, history on both.
    await board.get(`/admin/members/${pm}`);
    const removed = await board.post(`/admin/members/${pm}/bundle/people/${pm}/remove`, { _csrf: board.csrf() });
    expect(removed.status).toBe(303);
    expect(removed.location).toBe(`/admin/members/${pm}`);
    const gone = visibleText((await board.get(`/admin/members/${pm}`)).body);
    expect(gone).toContain('Pat Inspector is no longer covered by the agency membership.');
    expect(gone).toContain('Was covered by the agency membership of City of Boulder managed by Casey Contact');
    expect(gone).toContain('Removed from the agency membership by an admin. (Board Admin)');
    expect((await person.get('/members')).status).toBe(403);
    expect(await events(site, contactId)).toContain('bundle_removed: Removed Pat Inspector (pat@boulder.example.org) from the agency membership.');

    // Removed from the contact's list.
    const lm = await membershipIdOf(site, 'lee@boulder.example.org');
    await board.get(`/admin/members/${cm}`);
    expect((await board.post(`/admin/members/${cm}/bundle/people/${lm}/remove`, { _csrf: board.csrf() })).status).toBe(303);
    const empty = visibleText((await board.get(`/admin/members/${cm}`)).body);
    expect(empty).toContain('Lee Lab is no longer covered by the agency membership.');
    expect(empty).toContain('1 of 5 places used');
    expect(visibleText((await contact.get('/account')).body)).toContain('1 of 5 places used');

    // Someone not covered, twice, unknown or malformed: a message or 404, never an error.
    expect((await board.post(`/admin/members/${cm}/bundle/people/${solo}/remove`, { _csrf: board.csrf() })).status).toBe(303);
    expect(visibleText((await board.get(`/admin/members/${cm}`)).body)).toContain('That person is not covered by this agency membership.');
    const csrf = board.csrf();
    expect((await board.post(`/admin/members/${cm}/bundle/people/${lm}/remove`, { _csrf: csrf })).status).toBe(303);
    expect((await board.post(`/admin/members/999999/bundle/people/${lm}/remove`, { _csrf: csrf })).status).toBe(404);
    expect((await board.post(`/admin/members/${cm}/bundle/people/abc/remove`, { _csrf: csrf })).status).toBe(404);
    // For admins only.
    await contact.get('/account');
    const theirs = contact.csrf();
    expect((await contact.post(`/admin/members/${cm}/bundle/people`, { person_name: 'Y', person_email: 'y@example.org', _csrf: theirs })).status).toBe(403);
    expect((await contact.post(`/admin/members/${cm}/bundle/people/${lm}/remove`, { _csrf: theirs })).status).toBe(403);
  });

  it('ends coverage when the contact moves to a level without a bundle, and refuses a smaller bundle than the places in use', async () => {
    const { site, contact, contactId } = await agencySite();
    const board = await boardOf(site);
    const since = smtp.messages.length;
    await addPerson(contact, 'Pat Inspector', 'pat@boulder.example.org');
    const person = await setUp(site, 'pat@boulder.example.org', since);
    await addPerson(contact, 'Person 2', 'person2@boulder.example.org');
    await addPerson(contact, 'Person 3', 'person3@boulder.example.org');
    const cm = await membershipIdOf(site, CONTACT.email);
    const pm = await membershipIdOf(site, 'pat@boulder.example.org');
    const small = await addLevel(site, 'Small agency', 3);
    const large = await addLevel(site, 'Large agency', 10);
    const individual = (await site.membership.lifecycle.listLevels()).find((l) => l.name === 'Individual')!.id;

    const refused = await board.submit(`/admin/members/${cm}`, { level_id: String(small) }, `/admin/members/${cm}/level`);
    expect(refused.status).toBe(422);
    expect(fieldError(refused.body, 'level_id')).toBe(
      'Error: This agency membership covers 4 people, its contact included, but the Small agency level covers 3. Remove 1 person from it first, or choose a level that covers more.',
    );
    expect(refused.body).toMatch(new RegExp(`<option value="${small}" selected`));
    expect(visibleText(refused.body)).toContain('4 of 5 places used');
    expect((await person.get('/members')).status).toBe(200);

    // A covered person's level and renewal date are the agency's.
    const own = await board.submit(`/admin/members/${pm}`, { level_id: String(individual) }, `/admin/members/${pm}/level`);
    expect(own.status).toBe(422);
    expect(fieldError(own.body, 'level_id')).toContain('This membership is part of the agency membership of Casey Contact and has its level.');
    const date = await board.submit(`/admin/members/${pm}`, { renewal_date: '2030-01-01' }, `/admin/members/${pm}/renewal`);
    expect(date.status).toBe(422);
    expect(fieldError(date.body, 'renewal_date')).toContain('lasts as long as it: change the renewal date on their page instead.');
    expect(inputValue(date.body, 'renewal_date')).toBe('2030-01-01');

    // The level's own bundle cannot shrink below what an agency uses, nor go away.
    const agency = (await site.membership.lifecycle.listLevels()).find((l) => l.name === 'Agency')!;
    const form = {
      name: agency.name,
      description: agency.description,
      dues: String(agency.dues_cents / 100),
      requires_approval: agency.requires_approval ? 'on' : '',
      renewal_policy: agency.renewal_policy,
      renewal_month: agency.renewal_month ? String(agency.renewal_month) : '',
      renewal_day: agency.renewal_day ? String(agency.renewal_day) : '',
      prorate: agency.prorate ? 'on' : '',
      grace_days: String(agency.grace_days),
      public_can_apply: agency.public_can_apply ? 'on' : '',
    };
    const shrink = await board.submit(`/admin/levels/${agency.id}`, { ...form, bundle_size: '3' });
    expect(shrink.status).toBe(422);
    expect(fieldError(shrink.body, 'bundle_size')).toContain('An agency membership at this level covers 4 people, its contact included. Enter at least 4');
    expect(inputValue(shrink.body, 'bundle_size')).toBe('3');
    const unbundle = await board.submit(`/admin/levels/${agency.id}`, { ...form, bundle_size: '' });
    expect(unbundle.status).toBe(422);
    expect(fieldError(unbundle.body, 'bundle_size')).toContain('Agency memberships at this level cover 3 people besides their contacts.');
    expect((await board.submit(`/admin/levels/${agency.id}`, { ...form, bundle_size: '4' })).status).toBe(303);

    // A larger agency level: everyone moves with the contact.
    expect((await board.submit(`/admin/members/${cm}`, { level_id: String(large) }, `/admin/members/${cm}/level`)).status).toBe(303);
    expect(visibleText((await board.get(`/admin/members/${cm}`)).body)).toContain(
      'This Large agency membership covers up to 10 people, its contact included: 4 of 10 places used.',
    );
    expect(visibleText((await person.get('/account')).body)).toContain('Level Large agency');
    expect((await person.get('/members')).status).toBe(200);

    // A level of one person: coverage ends for all three, with history, and so does their access.
    expect((await board.submit(`/admin/members/${cm}`, { level_id: String(individual) }, `/admin/members/${cm}/level`)).status).toBe(303);
    expect((await person.get('/members')).status).toBe(403);
    expect((await contact.get('/members')).status).toBe(200);
    const page = visibleText((await board.get(`/admin/members/${cm}`)).body);
    expect(page).not.toContain('Agency bundle');
    expect(await events(site, contactId)).toContain(
      'bundle_removed: Coverage ended for Pat Inspector (pat@boulder.example.org), Person 2 (person2@boulder.example.org), Person 3 (person3@boulder.example.org): the Individual level covers one person.',
    );
    expect(await events(site, (await site.accounts.findUserByEmail('pat@boulder.example.org'))!.id)).toContain(
      'cancelled: Coverage ended: the agency membership of Casey Contact moved to the Individual level, which covers one person.',
    );
    expect(visibleText((await board.get(`/admin/members/${pm}`)).body)).toContain('Was covered by the agency membership');
    expect(visibleText((await person.get('/account')).body)).not.toContain('managed by Casey Contact');
    // Back to an agency level: nobody is covered until added again.
    expect((await board.submit(`/admin/members/${cm}`, { level_id: String(agency.id) }, `/admin/members/${cm}/level`)).status).toBe(303);
    expect(visibleText((await board.get(`/admin/members/${cm}`)).body)).toContain('1 of 4 places used');
    expect((await person.get('/members')).status).toBe(403);
  });

  it("gives and takes covered people's access with the contact's: suspension, lapse, reinstatement; a suspended person stays out", async () => {
    const renewal = '2026-07-10T06:00:00.000Z';
    const { site, clock, contact: first } = await agencySite(renewal);
    let board = await boardOf(site);
    const since = smtp.messages.length;
    await addPerson(first, 'Pat Inspector', 'pat@boulder.example.org');
    let person = await setUp(site, 'pat@boulder.example.org', since);
    const cm = await membershipIdOf(site, CONTACT.email);
    const pm = await membershipIdOf(site, 'pat@boulder.example.org');

    // The contact suspended: the people they cover lose access; reinstated: they have it again.
    expect((await board.submit(`/admin/members/${cm}`, { suspend_reason: 'Check bounced' }, `/admin/members/${cm}/suspend`)).status).toBe(303);
    expect((await person.get('/members')).status).toBe(403);
    expect(visibleText((await board.get(`/admin/members/${cm}`)).body)).toContain('People can be added once this agency membership is active.');
    // An add posted from a page opened before the suspension: told at the top, not beside a form that is gone.
    const stale = await board.post(`/admin/members/${cm}/bundle/people`, { _csrf: board.csrf(), person_name: '', person_email: 'nope' });
    expect(stale.status).toBe(303);
    // Once in the message at the top, once in the agency section.
    expect(visibleText((await board.get(`/admin/members/${cm}`)).body).split('People can be added once this agency membership is active.')).toHaveLength(3);
    await board.get(`/admin/members/${cm}`);
    expect((await board.post(`/admin/members/${cm}/reinstate`, { _csrf: board.csrf() })).status).toBe(303);
    expect((await person.get('/members')).status).toBe(200);

    // The contact lapses (past the grace period): so does everyone's access; a new renewal date brings it back.
    clock.advance(new Date(renewal).getTime() + 31 * DAY - clock.now().getTime());
    await site.jobs.runDue();
    // A month later everyone logs in again.
    [board, person] = [await logIn(site, ADMIN), await logIn(site, { email: 'pat@boulder.example.org', password: NEW_PASSWORD })];
    const contact = await logIn(site, CONTACT);
    expect((await site.membership.lifecycle.forUser((await site.accounts.findUserByEmail(CONTACT.email))!.id))!.membership.status).toBe('lapsed');
    expect((await person.get('/members')).status).toBe(403);
    expect(visibleText((await board.get(`/admin/members/${cm}`)).body)).toContain('2 of 5 places used');
    expect((await board.submit(`/admin/members/${cm}`, { months: '12' }, `/admin/members/${cm}/renewal`)).status).toBe(303);
    expect((await person.get('/members')).status).toBe(200);

    // A covered person suspended loses access and their place; the contact cannot add them back.
    expect((await board.submit(`/admin/members/${pm}`, { suspend_reason: '' }, `/admin/members/${pm}/suspend`)).status).toBe(303);
    expect((await person.get('/members')).status).toBe(403);
    expect(visibleText((await board.get(`/admin/members/${pm}`)).body)).toContain('but suspended');
    expect(visibleText((await contact.get('/account')).body)).toContain('1 of 5 places used');
    const back = await addPerson(contact, 'Pat Inspector', 'pat@boulder.example.org');
    expect(back.status).toBe(422);
    expect(fieldError(back.body, 'email')).toBe("Error: pat@boulder.example.org cannot be added to your membership. If they should be covered, ask the association's office.");
    // Reinstating needs a free place in the agency.
    for (const n of [1, 2, 3, 4]) expect((await addPerson(contact, `Person ${n}`, `person${n}@boulder.example.org`)).status).toBe(303);
    await board.get(`/admin/members/${pm}`);
    expect((await board.post(`/admin/members/${pm}/reinstate`, { _csrf: board.csrf() })).status).toBe(303);
    expect(visibleText((await board.get(`/admin/members/${pm}`)).body)).toContain('all its places are taken now. Remove someone from it first, then reinstate.');
    expect((await person.get('/members')).status).toBe(403);
    const p4 = await membershipIdOf(site, 'person4@boulder.example.org');
    expect((await board.post(`/admin/members/${cm}/bundle/people/${p4}/remove`, { _csrf: board.csrf() })).status).toBe(303);
    await board.get(`/admin/members/${pm}`);
    expect((await board.post(`/admin/members/${pm}/reinstate`, { _csrf: board.csrf() })).status).toBe(303);
    expect((await person.get('/members')).status).toBe(200);
    expect(visibleText((await board.get(`/admin/members/${cm}`)).body)).toContain('5 of 5 places used');
  });
});
