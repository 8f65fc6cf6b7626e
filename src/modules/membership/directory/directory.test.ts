import { describe, expect, it } from 'vitest';
import { generateDirectoryMembers } from '../../../../bench/directory-data.js';
import { DAY } from '#core/clock.js';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import { ADMIN, JULY_2, logIn, newSite } from '#test/support/kit.js';
import type { TestSite } from '#test/support/site.js';
import { DirectoryService, profileInput, searchWords } from './service.js';
import { deriveKey, isCalendarDate, parseCustomFields, type MemberField } from '../fields/index.js';

const PASSWORD = 'a long member password';

const memberClient = (site: TestSite, email: string) => logIn(site, { email, password: PASSWORD });

const profile = (extra: Record<string, string> = {}) => ({
  name: 'Member',
  organization: '',
  job_title: '',
  phone: '',
  address_line1: '',
  address_line2: '',
  city: '',
  region: '',
  postal_code: '',
  listed: 'on',
  show_email: 'on',
  ...extra,
});

/** A member with an active membership and a profile, saved through the directory service. */
async function addMember(site: TestSite, email: string, details: Record<string, string>, values: { field_id: number; value: string }[] = []) {
  const id = await site.addUser({ email, password: PASSWORD, name: details.name ?? email });
  const saved = await site.membership.directory.saveProfile(id, profileInput.parse(profile(details)), values);
  expect(saved.ok).toBe(true);
  return id;
}

async function defineField(site: TestSite, fields: Record<string, string>) {
  const board = await logIn(site, ADMIN);
  const res = await board.submit('/admin/fields/new', fields, '/admin/fields');
  expect(res.status, JSON.stringify(fields)).toBe(303);
  return (await site.membership.fields.list()).find((f) => f.label === fields.label)!;
}

const directoryNames = (html: string) => [...html.matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1]!);

describe('the words the directory searches', () => {
  it('folds case and accents, joins apostrophes and splits on everything else', () => {
    expect(searchWords("José Núñez-O'Brien, City of FORT Collins")).toEqual(['jose', 'nunez', 'obrien', 'city', 'of', 'fort', 'collins']);
    expect(searchWords('  ')).toEqual([]);
  });

  it('derives field keys and checks dates', () => {
    expect(deriveKey('Wastewater certification (level)')).toBe('wastewater_certification_level');
    expect(deriveKey('Año')).toBe('ano');
    expect(deriveKey('!!!')).toBe('field');
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('2026-2-3')).toBe(false);
  });

  it('checks submitted member fields by type', () => {
    const base = { choices: '', required: 0, visibility: 'members', position: 1, created_at: '', updated_at: '' } as const;
    const fields: MemberField[] = [
      { ...base, id: 1, key: 'license', label: 'License number', type: 'text', required: 1 },
      { ...base, id: 2, key: 'level', label: 'Level', type: 'choice', choices: 'A\nB' },
      { ...base, id: 3, key: 'since', label: 'Certified since', type: 'date' },
      { ...base, id: 4, key: 'agree', label: 'I follow the code of ethics', type: 'checkbox', required: 1 },
    ];
    expect(parseCustomFields(fields, { field_license: ' ', field_level: 'C', field_since: '2026-13-01' })).toEqual({
      errors: {
        field_license: 'Enter license number.',
        field_level: 'Choose one of the listed answers for level.',
        field_since: 'Enter certified since as a real date, for example 2026-03-15.',
        field_agree: 'Tick “I follow the code of ethics” to continue.',
      },
    });
    expect(parseCustomFields(fields, { field_license: 'X-1', field_level: '', field_since: '', field_agree: 'on', other: [1] })).toEqual({
      values: [
        { field_id: 1, value: 'X-1' },
        { field_id: 2, value: '' },
        { field_id: 3, value: '' },
        { field_id: 4, value: 'on' },
      ],
    });
    expect('errors' in parseCustomFields(fields, { field_license: 'x'.repeat(501), field_agree: 'on' })).toBe(true);
    expect(parseCustomFields(fields, undefined)).toHaveProperty('errors');
  });
});

describe('admins define member fields', () => {
  it('refuses an empty label and a bad list of choices beside the fields, keeping the input', async () => {
    const { site } = await newSite({ at: JULY_2, admins: [ADMIN] });
    const board = await logIn(site, ADMIN);
    const bad = await board.submit('/admin/fields/new', { label: ' ', type: 'choice', choices: 'Only one', visibility: 'members' }, '/admin/fields');
    expect(bad.status).toBe(422);
    expect(fieldError(bad.body, 'label')).toBe('Error: Enter a label.');
    expect(fieldError(bad.body, 'choices')).toBe('Error: Enter at least two choices, one on each line.');
    expect(inputValue(bad.body, 'choices')).toBe('Only one');

    const twice = await board.submit('/admin/fields/new', { label: 'Level', type: 'choice', choices: 'A\nB\na', visibility: 'everyone' }, '/admin/fields');
    expect(fieldError(twice.body, 'choices')).toMatch(/“a” is there twice/);
    expect(inputValue(twice.body, 'label')).toBe('Level');

    const oddType = await board.submit('/admin/fields/new', { label: 'X', type: 'photo', visibility: 'nobody', position: 'first' }, '/admin/fields');
    expect(oddType.status).toBe(422);
    expect(fieldError(oddType.body, 'type')).toBe('Error: Choose the kind of answer.');
    expect(fieldError(oddType.body, 'visibility')).toBe('Error: Choose who may see this field.');
    expect(fieldError(oddType.body, 'position')).toMatch(/whole number/);
    expect(await site.membership.fields.list()).toEqual([]);
  });

  it('creates, lists and edits fields; the key stays; a label is used once', async () => {
    const { site } = await newSite({ at: JULY_2, admins: [ADMIN] });
    const board = await logIn(site, ADMIN);
    await defineField(site, { label: 'Certification level', type: 'choice', choices: 'Class A\r\n\r\nClass B\r\nClass C', required: 'on', visibility: 'members' });
    await defineField(site, { label: 'Certified since', type: 'date', visibility: 'admins' });
    const list = visibleText((await board.get('/admin/fields')).body);
    expect(list).toContain('Certification level Choice from a list: Class A, Class B, Class C Yes Members');
    expect(list).toContain('Certified since Date No Only administrators');
    expect((await board.get('/admin')).body).toContain('href="/admin/fields"');

    const [level, since] = await site.membership.fields.list();
    expect(level).toMatchObject({ key: 'certification_level', choices: 'Class A\nClass B\nClass C', required: 1, position: 1 });
    expect(since).toMatchObject({ key: 'certified_since', position: 2, choices: '' });

    const dup = await board.submit(`/admin/fields/${since!.id}`, { label: 'CERTIFICATION LEVEL', type: 'date', visibility: 'admins' });
    expect(fieldError(dup.body, 'label')).toMatch(/already a field called/);

    const edit = await board.submit(`/admin/fields/${level!.id}`, {
      label: 'Operator certification',
      type: 'choice',
      choices: 'Class A\nClass B',
      visibility: 'everyone',
      position: '5',
    });
    expect(edit.status).toBe(303);
    expect(await site.membership.fields.get(level!.id)).toMatchObject({
      key: 'certification_level',
      label: 'Operator certification',
      required: 0,
      visibility: 'everyone',
      position: 5,
    });

    // Once members have answered, the kind of answer cannot change.
    await addMember(site, 'a@example.org', { name: 'A' }, [{ field_id: level!.id, value: 'Class A' }]);
    const retype = await board.submit(`/admin/fields/${level!.id}`, { label: 'Operator certification', type: 'text', visibility: 'everyone' });
    expect(retype.status).toBe(422);
    expect(fieldError(retype.body, 'type')).toMatch(/cannot change/);

    for (const path of ['/admin/fields/999', '/admin/fields/abc']) expect((await board.get(path)).status).toBe(404);
  });

  it('is for admins only', async () => {
    const { site } = await newSite({ at: JULY_2, admins: [ADMIN] });
    await site.addUser({ email: 'm@example.org', password: PASSWORD });
    const member = await memberClient(site, 'm@example.org');
    for (const path of ['/admin/fields', '/admin/fields/new']) expect((await member.get(path)).status).toBe(403);
    expect((await new Client(site.app).get('/admin/fields')).location).toBe('/login?next=%2Fadmin%2Ffields');
  });
});

describe('member fields on the application', () => {
  it('asks for a required field beside it, keeps what was typed, and saves the answers', async () => {
    const { site } = await newSite({ at: JULY_2, admins: [ADMIN] });
    const license = await defineField(site, { label: 'License number', type: 'text', required: 'on', visibility: 'admins' });
    const level = await defineField(site, { label: 'Certification level', type: 'choice', choices: 'Class A\nClass B', visibility: 'members' });
    const since = await defineField(site, { label: 'Certified since', type: 'date', visibility: 'members' });
    const levelId = (await site.membership.lifecycle.listLevels())[0]!.id;
    const applicant = new Client(site.app);
    const form = await applicant.get(`/join/${levelId}`);
    expect(visibleText(form.body)).toContain(
      "More about you License number Seen only by the association's administrators. Certification level (optional) Shown to members in the member directory. Choose… Class A Class B Certified since (optional) For example 2026-03-15. Shown to members in the member directory.",
    );

    const application = {
      name: 'Pat Inspector',
      email: 'pat@example.org',
      password: PASSWORD,
      confirm: PASSWORD,
      organization: 'City of Boulder',
      field_certification_level: 'Class B',
      field_certified_since: '2019-02-29',
    };
    const missing = await applicant.submit(`/join/${levelId}`, application);
    expect(missing.status).toBe(422);
    expect(fieldError(missing.body, 'field_license_number')).toBe('Error: Enter license number.');
    expect(fieldError(missing.body, 'field_certified_since')).toMatch(/real date/);
    expect(missing.body).toMatch(/<option value="Class B" selected>/);
    expect(inputValue(missing.body, 'field_certified_since')).toBe('2019-02-29');
    expect(inputValue(missing.body, 'organization')).toBe('City of Boulder');
    expect(await site.accounts.findUserByEmail('pat@example.org')).toBeUndefined();

    // Built-in and member-field problems are reported together.
    const both = await applicant.submit(`/join/${levelId}`, { ...application, name: '', field_certified_since: '' });
    expect(fieldError(both.body, 'name')).toBe('Error: Enter your full name.');
    expect(fieldError(both.body, 'field_license_number')).toBe('Error: Enter license number.');

    const done = await applicant.submit(`/join/${levelId}`, { ...application, field_license_number: 'CO-1234', field_certified_since: '2019-03-01' });
    expect(done.status).toBe(200);
    const user = await site.accounts.findUserByEmail('pat@example.org');
    const saved = await site.membership.directory.profile(user!.id);
    expect(saved!.values.map((v) => [v.field_id, v.value]).sort()).toEqual(
      [
        [license.id, 'CO-1234'],
        [level.id, 'Class B'],
        [since.id, '2019-03-01'],
      ].sort(),
    );
  });

  it('shows no extra section when the board defined no fields', async () => {
    const { site } = await newSite({ at: JULY_2, admins: [ADMIN] });
    const levelId = (await site.membership.lifecycle.listLevels())[0]!.id;
    expect(visibleText((await new Client(site.app).get(`/join/${levelId}`)).body)).not.toContain('More about you');
  });
});

describe('a member edits their profile and privacy', () => {
  it('shows the defaults, refuses bad input beside the fields, and saves', async () => {
    const { site } = await newSite({ at: JULY_2, admins: [ADMIN] });
    await defineField(site, { label: 'Certification level', type: 'choice', choices: 'Class A\nClass B', required: 'on', visibility: 'members' });
    await defineField(site, { label: 'On the board', type: 'checkbox', visibility: 'everyone' });
    await site.addUser({ email: 'mia@example.org', password: PASSWORD, name: 'Mia Member' });
    const mia = await memberClient(site, 'mia@example.org');

    const account = await mia.get('/account');
    expect(account.body).toContain('href="/account/profile"');
    expect(account.body).toContain('href="/directory"');

    const page = await mia.get('/account/profile');
    expect(page.status).toBe(200);
    expect(inputValue(page.body, 'name')).toBe('Mia Member');
    expect(page.body).toMatch(/name="listed" type="checkbox" value="on" checked/);
    expect(page.body).toMatch(/name="show_email" type="checkbox" value="on" checked/);
    expect(page.body).not.toMatch(/name="show_phone" type="checkbox" value="on" checked/);
    expect(page.body).not.toMatch(/name="show_address" type="checkbox" value="on" checked/);

    const bad = await mia.submit('/account/profile', profile({ name: '', organization: 'Metro Water Recovery', phone: 'x'.repeat(41), field_certification_level: 'Class Z' }));
    expect(bad.status).toBe(422);
    expect(fieldError(bad.body, 'name')).toBe('Error: Enter your full name.');
    expect(fieldError(bad.body, 'phone')).toMatch(/at most 40 characters/);
    expect(fieldError(bad.body, 'field_certification_level')).toMatch(/listed answers/);
    expect(inputValue(bad.body, 'organization')).toBe('Metro Water Recovery');

    const good = await mia.submit(
      '/account/profile',
      profile({
        name: 'Mia Rivera',
        organization: 'Metro Water Recovery',
        job_title: 'Inspector',
        phone: '303-555-0199',
        city: 'Denver',
        region: 'CO',
        field_certification_level: 'Class A',
        field_on_the_board: 'on',
        show_phone: 'on',
        show_email: '',
      }),
    );
    expect(good.status).toBe(303);
    const after = await mia.get('/account/profile');
    expect(visibleText(after.body)).toContain('Your profile was saved.');
    expect(visibleText(after.body)).toContain('Signed in as Mia Rivera');
    expect(inputValue(after.body, 'phone')).toBe('303-555-0199');
    expect(after.body).toMatch(/<option value="Class A" selected>/);
    expect(after.body).toMatch(/name="field_on_the_board" type="checkbox" value="on" checked/);
    expect(after.body).toMatch(/name="show_phone" type="checkbox" value="on" checked/);
    expect(after.body).not.toMatch(/name="show_email" type="checkbox" value="on" checked/);

    const listing = visibleText((await mia.get('/directory?q=mia')).body);
    expect(listing).toContain('Mia Rivera Inspector, Metro Water Recovery City Denver, CO Phone 303-555-0199 Certification level Class A On the board Yes');
    expect(listing).not.toContain('mia@example.org');
  });

  it('keeps an answer the board has since taken off the choices, until the member changes it', async () => {
    const { site } = await newSite({ at: JULY_2, admins: [ADMIN] });
    const level = await defineField(site, { label: 'Certification level', type: 'choice', choices: 'Class A\nClass B', visibility: 'members' });
    const miaId = await addMember(site, 'mia@example.org', { name: 'Mia Member' }, [{ field_id: level.id, value: 'Class B' }]);
    const board = await logIn(site, ADMIN);
    expect((await board.submit(`/admin/fields/${level.id}`, { label: 'Certification level', type: 'choice', choices: 'Grade 1\nGrade 2', visibility: 'members' })).status).toBe(
      303,
    );

    const mia = await memberClient(site, 'mia@example.org');
    const page = await mia.get('/account/profile');
    expect(page.body).toMatch(/<option value="Class B" selected>Class B \(no longer offered\)<\/option>/);
    // Saving something else on the profile keeps the old answer.
    expect((await mia.submit('/account/profile', profile({ name: 'Mia Member', city: 'Denver', field_certification_level: 'Class B' }))).status).toBe(303);
    expect((await site.membership.directory.profile(miaId))!.values.map((v) => v.value)).toEqual(['Class B']);
    // Another answer that is not on the list is still refused; a listed one replaces the old answer.
    const other = await mia.submit('/account/profile', profile({ name: 'Mia Member', field_certification_level: 'Class A' }));
    expect(other.status).toBe(422);
    expect(fieldError(other.body, 'field_certification_level')).toMatch(/listed answers/);
    expect((await mia.submit('/account/profile', profile({ name: 'Mia Member', field_certification_level: 'Grade 2' }))).status).toBe(303);
    const after = await mia.get('/account/profile');
    expect(after.body).toMatch(/<option value="Grade 2" selected>/);
    expect(after.body).not.toContain('no longer offered');
  });

  it('tells a user without a membership there is no profile', async () => {
    const { site } = await newSite({ at: JULY_2, admins: [ADMIN] });
    const board = await logIn(site, ADMIN);
    expect(visibleText((await board.get('/account/profile')).body)).toContain('You have no membership');
    expect((await new Client(site.app).get('/account/profile')).location).toBe('/login?next=%2Faccount%2Fprofile');
  });
});

describe('the member directory', () => {
  async function directorySite() {
    const { site, clock } = await newSite({ at: JULY_2, admins: [ADMIN] });
    const cert = await defineField(site, { label: 'Certification level', type: 'choice', choices: 'Class A\nClass B', visibility: 'members' });
    const secret = await defineField(site, { label: 'Internal note', type: 'text', visibility: 'admins' });
    await addMember(
      site,
      'ana@example.org',
      {
        name: 'Ana Núñez',
        organization: 'City of Boulder',
        job_title: 'Pretreatment Coordinator',
        city: 'Boulder',
        region: 'CO',
        phone: '303-555-0101',
        address_line1: '1 Water St',
        postal_code: '80301',
      },
      [
        { field_id: cert.id, value: 'Class A' },
        { field_id: secret.id, value: 'Owes a call back' },
      ],
    );
    await addMember(site, 'ben@example.org', {
      name: 'Ben Smith',
      organization: 'Metro Water Recovery',
      city: 'Denver',
      region: 'CO',
      phone: '720-555-0102',
      show_phone: 'on',
      show_address: 'on',
      address_line1: '6450 York St',
      postal_code: '80229',
    });
    await addMember(site, 'cal@example.org', { name: 'Cal Smithers', organization: 'Colorado Labs', city: 'Fort Collins', region: 'CO' });
    await addMember(site, 'dee@example.org', { name: 'Dee Hidden', organization: 'City of Boulder', city: 'Boulder', listed: '' });
    await addMember(site, 'eve@example.org', { name: 'Eve Lapsed', organization: 'City of Boulder', city: 'Boulder' });
    await site.addUser({ email: 'mia@example.org', password: PASSWORD, name: 'Mia Member' });
    // Eve's membership lapsed: she is no longer listed.
    const eve = await site.accounts.findUserByEmail('eve@example.org');
    await site.database.db.updateTable('memberships').set({ status: 'lapsed', updated_at: clock.now().toISOString() }).where('user_id', '=', eve!.id).execute();
    const mia = await memberClient(site, 'mia@example.org');
    return { site, clock, mia };
  }

  it('finds people by name, organization or city, in any case, with accents or not', async () => {
    const { mia } = await directorySite();
    const names = async (q: string) => directoryNames((await mia.get(`/directory?q=${encodeURIComponent(q)}`)).body);
    expect(await names('')).toEqual(['Ana Núñez', 'Ben Smith', 'Cal Smithers', 'Mia Member']);
    expect(await names('smith')).toEqual(['Ben Smith', 'Cal Smithers']);
    expect(await names('SMITHERS')).toEqual(['Cal Smithers']);
    expect(await names('nunez')).toEqual(['Ana Núñez']);
    expect(await names('Núñ')).toEqual(['Ana Núñez']);
    expect(await names('boulder')).toEqual(['Ana Núñez']);
    expect(await names('metro water')).toEqual(['Ben Smith']);
    expect(await names('fort col')).toEqual(['Cal Smithers']);
    expect(await names('city of denver')).toEqual([]);
    expect(await names('ith')).toEqual([]);
    const none = await mia.get('/directory?q=zzz');
    expect(visibleText(none.body)).toContain('No members match “zzz”.');
  });

  it('shows only what each member allows', async () => {
    const { mia } = await directorySite();
    const page = await mia.get('/directory');
    const text = visibleText(page.body);
    // Ana: defaults (e-mail shown; phone and address hidden); her admins-only field never shows.
    expect(text).toContain('Ana Núñez Pretreatment Coordinator, City of Boulder City Boulder, CO E-mail ana@example.org Certification level Class A');
    expect(page.body).not.toContain('303-555-0101');
    expect(page.body).not.toContain('1 Water St');
    expect(page.body).not.toContain('80301');
    expect(page.body).not.toContain('Owes a call back');
    expect(page.body).not.toContain('Internal note');
    // Ben shows his phone and address.
    expect(text).toContain('Ben Smith Metro Water Recovery City Denver, CO E-mail ben@example.org Phone 720-555-0102 Mailing address 6450 York St Denver, CO 80229');
    expect(page.body).toContain('href="tel:7205550102"');
    // Not listed, and lapsed: not there at all.
    expect(page.body).not.toContain('Dee Hidden');
    expect(page.body).not.toContain('dee@example.org');
    expect(page.body).not.toContain('Eve Lapsed');
    expect(text).toContain('4 members are listed.');
  });

  it('follows changes made elsewhere: names, statuses, renewal dates and grace periods', async () => {
    const { site, clock, mia } = await directorySite();
    const db = site.database.db;
    const ben = await site.accounts.findUserByEmail('ben@example.org');
    await db.updateTable('users').set({ name: 'Benjamin Smith' }).where('id', '=', ben!.id).execute();
    expect(directoryNames((await mia.get('/directory?q=benj')).body)).toEqual(['Benjamin Smith']);

    const eve = await site.accounts.findUserByEmail('eve@example.org');
    await db.updateTable('memberships').set({ status: 'active' }).where('user_id', '=', eve!.id).execute();
    expect(directoryNames((await mia.get('/directory?q=eve')).body)).toEqual(['Eve Lapsed']);

    // A membership past its renewal date stays listed through the grace period (30 days), then not.
    await db
      .updateTable('memberships')
      .set({ expires_at: new Date(clock.now().getTime() - 10 * DAY).toISOString() })
      .where('user_id', '=', eve!.id)
      .execute();
    expect(directoryNames((await mia.get('/directory?q=eve')).body)).toEqual(['Eve Lapsed']);
    clock.advance(25 * DAY);
    expect(directoryNames((await mia.get('/directory?q=eve')).body)).toEqual([]);
    const level = (await site.membership.lifecycle.listLevels())[0]!;
    await db.updateTable('membership_levels').set({ grace_days: 60 }).where('id', '=', level.id).execute();
    expect(directoryNames((await mia.get('/directory?q=eve')).body)).toEqual(['Eve Lapsed']);
  });

  it('follows changes another app process indexed (each process holds the index in memory)', async () => {
    const { site, clock, mia } = await directorySite();
    // A second process on the same database: its own directory service, its own index in memory.
    const other = new DirectoryService(site.database.db, clock, site.accounts, site.membership.fields);
    expect((await other.search({ q: 'ben', page: 1 })).entries.map((e) => e.name)).toEqual(['Ben Smith']);
    expect(directoryNames((await mia.get('/directory?q=ben')).body)).toEqual(['Ben Smith']);

    // The change is noted; the other process searches first and re-indexes it.
    const ben = await site.accounts.findUserByEmail('ben@example.org');
    await site.database.db.updateTable('users').set({ name: 'Benedict Smith' }).where('id', '=', ben!.id).execute();
    expect((await other.search({ q: 'benedict', page: 1 })).entries.map((e) => e.name)).toEqual(['Benedict Smith']);
    // This process finds nothing left to re-index, yet sees the new index.
    expect(directoryNames((await mia.get('/directory?q=benedict')).body)).toEqual(['Benedict Smith']);
    expect(directoryNames((await mia.get('/directory?q=ben')).body)).toEqual(['Benedict Smith']);
  });

  it("follows the board's changes to member fields and answers written elsewhere", async () => {
    const { site, mia } = await directorySite();
    const board = await logIn(site, ADMIN);
    const cert = (await site.membership.fields.list()).find((f) => f.key === 'certification_level')!;
    await board.submit(`/admin/fields/${cert.id}`, { label: 'Operator class', type: 'choice', choices: 'Class A\nClass B', visibility: 'members' });
    expect(visibleText((await mia.get('/directory?q=ana')).body)).toContain('Operator class Class A');
    await board.submit(`/admin/fields/${cert.id}`, { label: 'Operator class', type: 'choice', choices: 'Class A\nClass B', visibility: 'admins' });
    expect((await mia.get('/directory?q=ana')).body).not.toContain('Operator class');

    // An answer and a privacy choice written straight into the tables (as an import might).
    const ben = (await site.membership.lifecycle.forUser((await site.accounts.findUserByEmail('ben@example.org'))!.id))!.membership;
    const secret = (await site.membership.fields.list()).find((f) => f.key === 'internal_note')!;
    await site.membership.fields.save(secret.id, { label: 'Internal note', type: 'text', choices: [], required: false, visibility: 'everyone', position: null });
    await site.database.db.insertInto('member_field_values').values({ membership_id: ben.id, field_id: secret.id, value: 'Brings donuts' }).execute();
    expect(visibleText((await mia.get('/directory?q=ben')).body)).toContain('Internal note Brings donuts');
    await site.database.db.updateTable('member_privacy').set({ show_phone: 0 }).where('membership_id', '=', ben.id).execute();
    expect((await mia.get('/directory?q=ben')).body).not.toContain('720-555-0102');
    await site.database.db.deleteFrom('member_privacy').where('membership_id', '=', ben.id).execute();
    expect((await mia.get('/directory?q=ben')).body).not.toContain('6450 York St');
    // Deleting a membership takes its listing with it.
    await site.database.db.deleteFrom('memberships').where('id', '=', ben.id).execute();
    expect(directoryNames((await mia.get('/directory?q=ben')).body)).toEqual([]);
  });

  it('lets active members and admins in, sends visitors to log in and tells lapsed members to renew', async () => {
    const { site } = await directorySite();
    const visitor = await new Client(site.app).get('/directory?q=smith');
    expect(visitor.status).toBe(303);
    expect(visitor.location).toBe('/login?next=%2Fdirectory%3Fq%3Dsmith');

    const board = await logIn(site, ADMIN);
    expect(directoryNames((await board.get('/directory?q=smith')).body)).toEqual(['Ben Smith', 'Cal Smithers']);

    const eve = await memberClient(site, 'eve@example.org');
    const refused = await eve.get('/directory');
    expect(refused.status).toBe(403);
    expect(visibleText(refused.body)).toContain('your membership is not active');
    // A lapsed member may still edit their profile, to renew with it up to date.
    expect((await eve.get('/account/profile')).status).toBe(200);

    await site.addUser({ email: 'nomember@example.org', password: PASSWORD, membership: false });
    expect((await (await memberClient(site, 'nomember@example.org')).get('/directory')).status).toBe(403);
  });

  it('answers odd requests without an error', async () => {
    const { mia } = await directorySite();
    for (const url of [
      '/directory?q=a&q=b',
      '/directory?page=-1',
      '/directory?page=abc',
      `/directory?q=${'x'.repeat(5000)}`,
      '/directory?q=%F0%9F%92%A7',
      '/directory?q=%25_%5C',
    ]) {
      const res = await mia.get(url);
      expect(res.status, url).toBe(200);
    }
    // A control character is refused at the edge, for every search box alike (decision 0024).
    const nul = await mia.get('/directory?page=abc&q=%00');
    expect(nul.status).toBe(400);
    expect(nul.body).toContain('invisible control character');
  });
});

describe('the directory at size', () => {
  it('pages through 60 members, 25 at a time, in name order', async () => {
    const { site } = await newSite({ at: JULY_2, admins: [ADMIN] });
    const email = 'm00@example.org';
    for (let i = 0; i < 60; i++) {
      const n = String(i).padStart(2, '0');
      await site.addUser({ email: `m${n}@example.org`, password: PASSWORD, name: `Member ${n}` });
    }
    const c = await memberClient(site, email);
    const first = await c.get('/directory');
    expect(directoryNames(first.body)).toEqual(Array.from({ length: 25 }, (_, i) => `Member ${String(i).padStart(2, '0')}`));
    expect(visibleText(first.body)).toContain('60 members are listed. Showing 1 to 25.');
    expect(visibleText(first.body)).toMatch(/Page 1 of 3 ?Next page/);
    const third = await c.get('/directory?page=3');
    expect(directoryNames(third.body)).toEqual(Array.from({ length: 10 }, (_, i) => `Member ${50 + i}`));
    expect(visibleText(third.body)).toContain('Showing 51 to 60.');
    expect(directoryNames((await c.get('/directory?page=99')).body)).toHaveLength(10);
    const search = await c.get('/directory?q=member&page=2');
    expect(directoryNames(search.body)[0]).toBe('Member 25');
    expect(search.body).toContain('href="/directory?q=member&amp;page=3"');
  });

  it('searches 10,000 members generated in batches', async () => {
    const { site } = await newSite({ at: JULY_2, admins: [ADMIN] });
    const summary = await generateDirectoryMembers(site.database.db, 10_000, { now: site.clock.now(), passwordHash: null });
    expect(summary.members).toBe(10_000);
    await site.addUser({ email: 'mia@example.org', password: PASSWORD, name: 'Mia Member' });
    const mia = await memberClient(site, 'mia@example.org');
    const res = await mia.get(`/directory?q=${summary.sampleQuery}`);
    expect(res.status).toBe(200);
    const total = Number(/(\d+) members match/.exec(visibleText(res.body))?.[1]);
    expect(total).toBeGreaterThan(50);
    expect(total).toBeLessThan(1000);
    expect(directoryNames(res.body)).toHaveLength(25);
    expect(directoryNames(res.body).every((n) => /garcia/i.test(n))).toBe(true);
    const everyone = visibleText((await mia.get('/directory?page=400')).body);
    const listed = Number(/(\d+) members are listed/.exec(everyone)?.[1]);
    // About 90% active, of whom about 95% listed (and Mia).
    expect(listed).toBeGreaterThan(8000);
    expect(listed).toBeLessThan(9500);
    expect(visibleText((await mia.get('/directory?q=denver%20city')).body)).toMatch(/\d+ members match/);

    // Every kind of search (a rare word, common words, one letter) agrees with a plain reading of the tables.
    const now = site.clock.now().getTime();
    const people = await site.database.db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .leftJoin('member_privacy as p', 'p.membership_id', 'm.id')
      .select(['m.id', 'u.name', 'm.organization', 'm.city', 'm.status', 'm.expires_at', 'p.listed'])
      .execute();
    const visible = people
      .filter((p) => p.status === 'active' && p.listed !== 0 && new Date(p.expires_at!).getTime() + 30 * DAY > now)
      .map((p) => ({ ...p, words: searchWords(`${p.name} ${p.organization} ${p.city}`), key: searchWords(p.name).join(' ') }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id - b.id));
    for (const q of ['c', 'garcia', 'city of', 'fort col', 'nunez', "o'brien", 'jose denver', 'a b']) {
      const words = searchWords(q);
      const expected = visible.filter((p) => words.every((w) => p.words.some((x) => x.startsWith(w))));
      for (const page of [1, 2]) {
        const got = await site.membership.directory.search({ q, page });
        expect(got.total, q).toBe(expected.length);
        const from = (Math.min(page, Math.max(1, Math.ceil(expected.length / 25))) - 1) * 25;
        expect(got.ids, `${q}, page ${page}`).toEqual(expected.slice(from, from + 25).map((p) => p.id));
      }
    }
  });
});
