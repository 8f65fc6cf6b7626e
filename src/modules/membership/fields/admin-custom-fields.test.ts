import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import { logIn, membershipOf, newSiteWithBoard, uploadMembers } from '#test/support/kit.js';
import type { TestSite } from '#test/support/site.js';

/** Member fields (fields.ts) on the admins' member screens: a member's page, the CSV export and the CSV import. */

const MEMBER_PASSWORD = 'a long member password';
// 9 a.m. in Denver, March 2, 2026.
const START = '2026-03-02T16:00:00.000Z';

/** The board's member fields, made as an admin makes them. "Region" has the key of a built-in column's other name (region = state). */
const FIELDS = [
  { label: 'License number', type: 'text', choices: '', required: 'on', visibility: 'admins' },
  { label: 'Region', type: 'choice', choices: 'Front Range\nWestern Slope', required: '', visibility: 'members' },
  { label: 'Certified', type: 'checkbox', choices: '', required: '', visibility: 'everyone' },
  { label: 'Certified since', type: 'date', choices: '', required: '', visibility: 'members' },
];
const FIELD_COLUMNS = ['field_license_number', 'field_region', 'field_certified', 'field_certified_since'];

async function newSite() {
  const { site, board } = await newSiteWithBoard({ at: START });
  for (const f of FIELDS) {
    const res = await board.submit('/admin/fields/new', f, '/admin/fields');
    if (res.status !== 303) throw new Error(`The field ${f.label} was not created (${res.status}).`);
  }
  const ids = Object.fromEntries((await site.database.db.selectFrom('member_fields').select(['key', 'id']).execute()).map((f) => [f.key, f.id]));
  return { site, board, ids };
}

/** A member with an active membership and some member field values, straight in the database. */
async function addMember(site: TestSite, ids: Record<string, number>, email: string, name: string, values: Record<string, string> = {}) {
  const userId = await site.addUser({ email, name, password: MEMBER_PASSWORD });
  const membershipId = (await site.membership.lifecycle.forUser(userId))!.membership.id;
  const rows = Object.entries(values).map(([key, value]) => ({ membership_id: membershipId, field_id: ids[key]!, value }));
  if (rows.length) await site.database.db.insertInto('member_field_values').values(rows).execute();
  return membershipId;
}

/** A membership's stored member field values, by field key. */
async function valuesOf(site: TestSite, membershipId: number) {
  const rows = await site.database.db
    .selectFrom('member_field_values as v')
    .innerJoin('member_fields as f', 'f.id', 'v.field_id')
    .select(['f.key', 'v.value'])
    .where('v.membership_id', '=', membershipId)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

const membershipIdOf = async (site: TestSite, email: string) => (await membershipOf(site, email))?.membership.id;

async function count(site: TestSite, table: 'users' | 'member_field_values') {
  const row = await site.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const DETAILS = {
  name: 'Pat Inspector',
  email: 'pat@example.org',
  organization: 'City of Boulder',
  job_title: '',
  phone: '',
  address_line1: '',
  address_line2: '',
  city: '',
  region: 'CO',
  postal_code: '',
};

/** The option a select shows as chosen. */
const selected = (html: string, name: string) => {
  const select = new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1] ?? '';
  return /<option value="([^"]*)" selected/.exec(select)?.[1];
};
const checked = (html: string, name: string) => new RegExp(`<input[^>]*name="${name}"[^>]*\\bchecked`).test(html);

describe("member fields on a member's page", () => {
  it('shows every field, whoever may see it, and the admin edits them with the details', async () => {
    const { site, board, ids } = await newSite();
    const id = await addMember(site, ids, 'pat@example.org', 'Pat Inspector', { license_number: 'CO-123', region: 'Front Range', certified: 'on' });
    const page = `/admin/members/${id}`;

    const shown = await board.get(page);
    expect(shown.status).toBe(200);
    const text = visibleText(shown.body);
    expect(text).toContain(
      'Member fields License number (seen by admins only) CO-123 Region (seen by members) Front Range Certified (seen by everyone) Yes Certified since (seen by members) —',
    );
    // The "Edit details" form holds them, as stored.
    expect(inputValue(shown.body, 'field_license_number')).toBe('CO-123');
    expect(selected(shown.body, 'field_region')).toBe('Front Range');
    expect(checked(shown.body, 'field_certified')).toBe(true);
    expect(inputValue(shown.body, 'field_certified_since') ?? '').toBe('');
    // The built-in State keeps its name beside the member field "Region".
    expect(inputValue(shown.body, 'region') ?? '').toBe('');

    // Certified is left unticked: a browser then sends nothing for it.
    const saved = await board.submit(page, { ...DETAILS, field_license_number: ' CO-456 ', field_region: 'Western Slope', field_certified_since: '2024-05-01' }, `${page}/details`);
    expect(saved.status).toBe(303);
    expect(await valuesOf(site, id)).toEqual({ license_number: 'CO-456', region: 'Western Slope', certified: 'off', certified_since: '2024-05-01' });
    const after = visibleText((await board.get(page)).body);
    expect(after).toContain('The details were saved.');
    expect(after).toContain(
      'License number (seen by admins only) CO-456 Region (seen by members) Western Slope Certified (seen by everyone) No Certified since (seen by members) May 1, 2024',
    );
    expect(after).toContain('Details changed: organization, state, License number, Region, Certified, Certified since. (Board Admin)');

    // Only member fields changed: still one history entry naming them; nothing changed: none.
    await board.submit(page, { ...DETAILS, field_license_number: 'CO-456', field_region: '', field_certified_since: '2024-05-01' }, `${page}/details`);
    await board.submit(page, { ...DETAILS, field_license_number: 'CO-456', field_region: '', field_certified_since: '2024-05-01' }, `${page}/details`);
    const history = await site.database.db
      .selectFrom('membership_events')
      .select('detail')
      .where('membership_id', '=', id)
      .where('kind', '=', 'details_changed')
      .orderBy('id')
      .execute();
    expect(history.map((h) => h.detail)).toEqual(['Details changed: organization, state, License number, Region, Certified, Certified since.', 'Details changed: Region.']);
    expect(await valuesOf(site, id)).toEqual({ license_number: 'CO-456', certified: 'off', certified_since: '2024-05-01' });

    // The member sees the admin's answers on their profile.
    const pat = await logIn(site, { email: 'pat@example.org', password: MEMBER_PASSWORD });
    expect(inputValue((await pat.get('/account/profile')).body, 'field_license_number')).toBe('CO-456');
  });

  it('refuses bad values beside their fields, keeping what was typed, with the same rules as the profile', async () => {
    const { site, board, ids } = await newSite();
    const id = await addMember(site, ids, 'pat@example.org', 'Pat Inspector', { license_number: 'CO-123', region: 'Front Range' });
    const page = `/admin/members/${id}`;

    const bad = await board.submit(
      page,
      {
        ...DETAILS,
        name: 'Kept Name',
        email: 'not-an-address',
        field_license_number: '  ',
        field_region: 'Eastern Plains',
        field_certified: 'on',
        field_certified_since: '2026-02-30',
      },
      `${page}/details`,
    );
    expect(bad.status).toBe(422);
    // Built-in and member fields are checked together: every problem at once.
    expect(fieldError(bad.body, 'email')).toContain('Enter an e-mail address in the form name@example.org.');
    expect(fieldError(bad.body, 'field_license_number')).toBe('Error: Enter license number.');
    expect(fieldError(bad.body, 'field_region')).toBe('Error: Choose one of the listed answers for region.');
    expect(fieldError(bad.body, 'field_certified_since')).toBe('Error: Enter certified since as a real date, for example 2026-03-15.');
    expect(bad.body).toMatch(/<details class="card" id="panel-details" open/);
    expect(inputValue(bad.body, 'name')).toBe('Kept Name');
    expect(inputValue(bad.body, 'field_certified_since')).toBe('2026-02-30');
    expect(checked(bad.body, 'field_certified')).toBe(true);
    // The stored answers are still shown as they are.
    expect(visibleText(bad.body)).toContain('License number (seen by admins only) CO-123');

    const long = await board.submit(page, { ...DETAILS, field_license_number: 'x'.repeat(501) }, `${page}/details`);
    expect(long.status).toBe(422);
    expect(fieldError(long.body, 'field_license_number')).toBe('Error: Use at most 500 characters for license number.');
    expect(inputValue(long.body, 'field_license_number')).toBe('x'.repeat(501));

    // Malformed bodies: 4xx, never 500.
    await board.get(page);
    const json = await board.request('POST', `${page}/details`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _csrf: board.csrf(), ...DETAILS, field_license_number: { x: 1 }, field_region: ['Front Range', 'x'] }),
    });
    expect(json.status).toBe(422);
    expect(fieldError(json.body, 'field_license_number')).toBe('Error: Enter license number.');
    expect((await board.post(`${page}/details`, { ...DETAILS, field_license_number: 'CO-9' })).status).toBe(403);
    await board.get(page);
    expect((await board.post('/admin/members/999999/details', { _csrf: board.csrf(), ...DETAILS, field_license_number: 'CO-9' })).status).toBe(404);

    expect(await valuesOf(site, id)).toEqual({ license_number: 'CO-123', region: 'Front Range' });
    expect((await site.accounts.getUser((await site.accounts.findUserByEmail('pat@example.org'))!.id))!.name).toBe('Pat Inspector');
  });
});

describe('member fields in the CSV export', () => {
  it('has one column per field: a checkbox as yes or no, a date as YYYY-MM-DD, a choice as its text', async () => {
    const { site, board, ids } = await newSite();
    await addMember(site, ids, 'ann@example.org', 'Ann', { license_number: '=1+1', region: 'Front Range', certified: 'on', certified_since: '2024-05-01' });
    await addMember(site, ids, 'bo@example.org', 'Bo', { certified: 'off' });
    await addMember(site, ids, 'cy@example.org', 'Cy', { license_number: 'CO-3', region: 'Western Slope' });

    // The filters still choose the members (here: Western Slope only).
    const one = parse((await board.get(`/admin/members.csv?field=${ids.region}&value=western+slope`)).body, { bom: true, columns: true }) as Record<string, string>[];
    expect(one.map((r) => r.email)).toEqual(['cy@example.org']);

    const res = await board.get('/admin/members.csv?sort=name');
    expect(res.status).toBe(200);
    const rows = parse(res.body, { bom: true, columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([
      ...[
        'name',
        'email',
        'organization',
        'job_title',
        'phone',
        'address_line1',
        'address_line2',
        'city',
        'state',
        'postal_code',
        'level',
        'status',
        'renewal_date',
        'joined_date',
      ],
      ...FIELD_COLUMNS,
    ]);
    const cells = (r: Record<string, string>) => FIELD_COLUMNS.map((c) => r[c]);
    expect(rows.map((r) => [r.name, ...cells(r)])).toEqual([
      // A spreadsheet would run =1+1 as a formula: it gets an apostrophe (and loses it when imported).
      ['Ann', `'=1+1`, 'Front Range', 'yes', '2024-05-01'],
      ['Bo', '', '', 'no', ''],
      ['Cy', 'CO-3', 'Western Slope', 'no', ''],
    ]);
  });
});

const HEADER = 'name,email,level,status,renewal_date';

/** Upload a file the import accepts for checking: the address of its check. */
async function upload(board: Client, csv: string) {
  const res = await uploadMembers(board, csv);
  expect(res.status).toBe(303);
  return res.location!;
}

/** The problems table of a preview: [line, column, message] per row. */
function problemsIn(html: string): string[][] {
  const table = /<table class="data">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr><td>([\s\S]*?)<\/td><td>([\s\S]*?)<\/td><td>([\s\S]*?)<\/td><\/tr>/g)].map((m) => [visibleText(m[1]!), visibleText(m[2]!), visibleText(m[3]!)]);
}

async function confirmAndRun(site: TestSite, board: Client, url: string) {
  const confirmed = await board.post(`${url}/confirm`, { _csrf: board.csrf() });
  expect(confirmed.status).toBe(303);
  await site.jobs.runDue();
  expect(visibleText((await board.get(url)).body)).toContain('were imported.');
}

describe('member fields in the CSV import', () => {
  it('names the field columns on the upload page', async () => {
    const { board } = await newSite();
    const text = visibleText((await board.get('/admin/members/import')).body);
    expect(text).toContain('field_license_number: License number, text (required).');
    expect(text).toContain('field_region: Region, one of Front Range, Western Slope.');
    expect(text).toContain('field_certified: Certified, yes or no; empty means no.');
    expect(text).toContain('field_certified_since: Certified since, a date, YYYY-MM-DD.');
  });

  it('reports every bad member field cell (line, column, why) and imports nothing', async () => {
    const { site, board } = await newSite();
    const before = { users: await count(site, 'users'), values: await count(site, 'member_field_values') };
    const csv = [
      `${HEADER},${FIELD_COLUMNS.join(',')},Favourite colour`,
      'Good One,good@example.org,Individual,active,2027-01-31,CO-1,front range,TRUE,5/1/2024,blue',
      'No License,nolicense@example.org,Individual,active,2027-01-31,,Front Range,yes,,',
      'Bad Region,region@example.org,Individual,active,2027-01-31,CO-3,Eastern Plains,no,,',
      'Bad Box,box@example.org,Individual,active,2027-01-31,CO-4,,maybe,,',
      'Bad Date,date@example.org,Individual,active,2027-01-31,CO-5,,,2026-02-30,',
      `Long,long@example.org,Individual,active,2027-01-31,${'x'.repeat(501)},,0,,`,
      'Two Bad,two@example.org,Individual,active,2027-01-31,,Plains,1,1900-00-01,',
    ].join('\n');
    const url = await upload(board, csv);
    const preview = await board.get(url);
    expect(visibleText(preview.body)).toContain('Nothing was imported. The file has 8 problems in its 7 rows.');
    expect(problemsIn(preview.body)).toEqual([
      ['3', 'field_license_number', '“License number” is required, but this cell is empty.'],
      ['4', 'field_region', '“Eastern Plains” is not one of the answers for “Region”. The answers are: Front Range, Western Slope.'],
      ['5', 'field_certified', '“maybe” is not yes or no. Write yes or no (or true and false, 1 and 0), or leave it empty for no.'],
      ['6', 'field_certified_since', '“2026-02-30” is not a date. Write dates as YYYY-MM-DD, for example 2027-01-31.'],
      ['7', 'field_license_number', 'Use at most 500 characters (this has 501).'],
      ['8', 'field_license_number', '“License number” is required, but this cell is empty.'],
      ['8', 'field_region', '“Plains” is not one of the answers for “Region”. The answers are: Front Range, Western Slope.'],
      ['8', 'field_certified_since', '“1900-00-01” is not a date. Write dates as YYYY-MM-DD, for example 2027-01-31.'],
      // Line 2 is fine: a choice in other capitals, TRUE, a US date.
    ]);
    // Unknown columns are still only listed as not imported.
    expect(visibleText(preview.body)).toContain('These columns are not imported: “Favourite colour”.');
    expect(preview.body).not.toContain('Confirm: import');
    await site.jobs.runDue();
    expect({ users: await count(site, 'users'), values: await count(site, 'member_field_values') }).toEqual(before);

    // A required field without a column; two columns for one field.
    const missing = await board.get(await upload(board, `${HEADER},field_region\nAnn,ann@example.org,Individual,active,2027-01-31,Front Range\n`));
    expect(problemsIn(missing.body)).toEqual([
      ['1', 'field_license_number', 'The member field “License number” is required, but the first row has no “field_license_number” column for it.'],
    ]);
    const twice = await board.get(await upload(board, `${HEADER},field_license_number,License number\nAnn,ann@example.org,Individual,active,2027-01-31,CO-1,CO-1\n`));
    expect(problemsIn(twice.body)).toEqual([
      ['1', 'License number', 'The columns “field_license_number” and “License number” are both for the member field “License number”. Keep one and delete the other.'],
    ]);
  });

  it('imports the member field values of a clean file with the members', async () => {
    const { site, board } = await newSite();
    // A field's column may also be named by its key ("License number" → license_number); "Region" stays the built-in state.
    const csv = [
      `${HEADER},License number,region,field_region,field_certified,field_certified_since`,
      'Ann,ann@example.org,Individual,active,2027-01-31,CO-1,CO,front range,Yes,5/1/2024',
      "Bo,bo@example.org,Individual,active,2027-01-31,'=B2,,,no,",
      'Cy,cy@example.org,Associate,lapsed,2025-12-31,CO-3,,Western Slope,,2020-02-29',
    ].join('\r\n');
    const url = await upload(board, csv);
    const preview = await board.get(url);
    expect(visibleText(preview.body)).toContain('The file has no problems: 3 new members ready to import.');
    expect(visibleText(preview.body)).not.toContain('not imported');
    await confirmAndRun(site, board, url);

    const ann = (await membershipIdOf(site, 'ann@example.org'))!;
    expect(await valuesOf(site, ann)).toEqual({ license_number: 'CO-1', region: 'Front Range', certified: 'on', certified_since: '2024-05-01' });
    expect((await site.membership.lifecycle.detail(ann))!.membership.region).toBe('CO');
    expect(await valuesOf(site, (await membershipIdOf(site, 'bo@example.org'))!)).toEqual({ license_number: '=B2', certified: 'off' });
    expect(await valuesOf(site, (await membershipIdOf(site, 'cy@example.org'))!)).toEqual({
      license_number: 'CO-3',
      region: 'Western Slope',
      certified: 'off',
      certified_since: '2020-02-29',
    });
    // The admin sees them on the member's page.
    expect(visibleText((await board.get(`/admin/members/${ann}`)).body)).toContain('License number (seen by admins only) CO-1 Region (seen by members) Front Range');
  });

  it('re-imports an export: the same members and answers on another site with the same fields', async () => {
    const from = await newSite();
    await addMember(from.site, from.ids, 'ann@example.org', 'Ann', { license_number: '=1+1', region: 'Front Range', certified: 'on', certified_since: '2024-05-01' });
    await addMember(from.site, from.ids, 'bo@example.org', 'Bo, Jr.', { license_number: 'CO-2', certified: 'off' });
    await addMember(from.site, from.ids, 'cy@example.org', 'Cy', { license_number: 'Line one\nline two', region: 'Western Slope', certified_since: '2020-02-29' });
    const exported = (await from.board.get('/admin/members.csv')).body;

    const to = await newSite();
    const url = await upload(to.board, exported);
    const preview = await to.board.get(url);
    expect(problemsIn(preview.body)).toEqual([]);
    expect(visibleText(preview.body)).toContain('The file has no problems: 3 new members ready to import.');
    // Only the date joined is not imported (an imported member joins on the day of the import).
    expect(visibleText(preview.body)).toContain('These columns are not imported: “joined_date”.');
    await confirmAndRun(to.site, to.board, url);

    for (const email of ['ann@example.org', 'bo@example.org', 'cy@example.org']) {
      const [a, b] = [(await membershipIdOf(from.site, email))!, (await membershipIdOf(to.site, email))!];
      // An unticked checkbox and no answer are the same.
      const answered = (v: Record<string, string>) => ({ certified: 'off', ...v });
      expect(answered(await valuesOf(to.site, b)), email).toEqual(answered(await valuesOf(from.site, a)));
    }
    const reexported = parse((await to.board.get('/admin/members.csv?sort=name')).body, { bom: true, columns: true }) as Record<string, string>[];
    const original = parse((await from.board.get('/admin/members.csv?sort=name')).body, { bom: true, columns: true }) as Record<string, string>[];
    const withoutJoined = (rows: Record<string, string>[]) => rows.map(({ joined_date: _joined, ...r }) => r);
    expect(withoutJoined(reexported)).toEqual(withoutJoined(original));
  });
});
