import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '../../../test/support/client.js';
import { TestClock } from '../../../test/support/clock.js';
import { startTestSite, type TestSite } from '../../../test/support/site.js';
import { linkIn, startSmtp, type SmtpCatcher } from '../../../test/support/smtp.js';

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
async function newSite(expires = '2027-01-01T07:00:00.000Z') {
  const clock = new TestClock('2026-07-02T16:00:00.000Z');
  const site = await startTestSite({ env: { SMTP_URL: smtp.url }, clock });
  onTestFinished(() => site.close());
  const contactId = await site.addUser(CONTACT);
  const agency = (await site.membership.listLevels()).find((l) => l.name === 'Agency')!;
  // A fixture: the contact's membership moved to the Agency level (as if approved and paid).
  await site.database.db.updateTable('memberships').set({ level_id: agency.id, organization: 'City of Boulder', expires_at: expires }).where('user_id', '=', contactId).execute();
  const contact = new Client(site.app);
  await contact.logIn(CONTACT.email, CONTACT.password);
  return { site, clock, contact, contactId };
}

async function mailFor(site: TestSite, address: string, since: number): Promise<ParsedMail[]> {
  await site.jobs.runDue();
  return smtp.messages.slice(since).filter((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((t) => t?.text.includes(address)));
}

const addPerson = (contact: Client, name: string, email: string) => contact.submit('/account', { name, email }, '/account/bundle/people');

/** The person opens the set-up link from their e-mail and chooses a password: their browser, logged in. */
async function setUp(site: TestSite, address: string, since: number) {
  const [mail] = await mailFor(site, address, since);
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
  const mine = await site.membership.forUser(userId);
  return (await site.membership.detail(mine!.membership.id))!.events.map((e) => `${e.kind}: ${e.detail}`);
};

describe('agency bundles', () => {
  it('lets the contact add people up to the size; the next is refused beside the field', async () => {
    const { site, contact, contactId } = await newSite();
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
    const { site, contact } = await newSite();
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
    const { site, contact, contactId } = await newSite();
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
    const [mail] = await mailFor(site, 'pat@boulder.example.org', again);
    expect(linkIn(mail!.text)).toBe('/login');
    expect((await person.get('/members')).status).toBe(200);
  });

  it('takes access from covered people when the agency membership lapses', async () => {
    const renewal = '2026-07-10T06:00:00.000Z';
    const { site, clock, contact } = await newSite(renewal);
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
    const again = new Client(site.app);
    await again.logIn('pat@boulder.example.org', NEW_PASSWORD);
    expect((await again.get('/members')).status).toBe(403);
    expect((await person.get('/members')).status).toBe(403);
    const contactAgain = new Client(site.app);
    await contactAgain.logIn(CONTACT.email, CONTACT.password);
    expect((await contactAgain.get('/members')).status).toBe(403);
  });

  it('refuses people who have a membership of their own, and bad addresses, keeping the input', async () => {
    const { site, contact } = await newSite();
    await site.addUser(MEMBER);

    const own = await addPerson(contact, 'Sam Solo', MEMBER.email);
    expect(own.status).toBe(422);
    expect(fieldError(own.body, 'email')).toBe(`Error: ${MEMBER.email} already has a membership of their own, so they cannot be added to this one.`);
    const self = await addPerson(contact, 'Casey', CONTACT.email);
    expect(fieldError(self.body, 'email')).toContain('already has a membership of their own');

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
    const { site } = await newSite();
    await site.addUser(MEMBER);
    const solo = new Client(site.app);
    await solo.logIn(MEMBER.email, MEMBER.password);
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
