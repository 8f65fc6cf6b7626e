import { describe, expect, it } from 'vitest';
import type { MemberField } from '../fields/service.js';
import { decodeCsv, membersCsv, notCsvReason, parseImport, protectCell, type ExportRow } from './csv.js';

/**
 * Reading an import file, as the admin sees it in the preview: rows ready to import, and each
 * problem named by its line (as the spreadsheet numbers it), its column and what to do. Pure
 * functions: no database, no server.
 */

const ZONE = 'America/Denver';
const LEVELS = [
  { id: 1, name: 'Individual' },
  { id: 2, name: 'Agency' },
];
const read = (text: string, fields: MemberField[] = []) => parseImport(text, { levels: LEVELS, timeZone: ZONE, fields });
const HEADER = 'name,email,level,renewal_date';

function field(overrides: Partial<MemberField>): MemberField {
  return {
    id: 1,
    key: 'license',
    label: 'License number',
    type: 'text',
    choices: '',
    required: 0,
    visibility: 'admins',
    position: 0,
    created_at: '',
    updated_at: '',
    ...overrides,
  };
}

describe('a clean file', () => {
  it('gives one row per member, with the level, an active status and the renewal date at the start of that day in Denver', async () => {
    const parsed = await read(
      `${HEADER},organization,state\nAda Lovelace,Ada@Example.org,Individual,2027-01-31,City of Pueblo,CO\nGrace Hopper,grace@example.org,agency,1/1/2028,,\n`,
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.total).toBe(2);
    expect(parsed.rows).toMatchObject([
      {
        line: 2,
        name: 'Ada Lovelace',
        email: 'ada@example.org',
        level_id: 1,
        status: 'active',
        expires_at: '2027-01-31T07:00:00.000Z',
        organization: 'City of Pueblo',
        region: 'CO',
      },
      { line: 3, name: 'Grace Hopper', email: 'grace@example.org', level_id: 2, status: 'active', expires_at: '2028-01-01T07:00:00.000Z', organization: '' },
    ]);
  });

  it('matches the header spellings people use, in any order and case, and lists the columns it ignores', async () => {
    const parsed = await read('E-mail Address, Full Name ,Membership Level,Renews,ZIP,Favourite colour\nada@example.org,Ada,Individual,2027-07-04,80202,blue\n');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]).toMatchObject({ name: 'Ada', email: 'ada@example.org', level_id: 1, postal_code: '80202', expires_at: '2027-07-04T06:00:00.000Z' });
    expect(parsed.ignoredColumns).toEqual(['Favourite colour']);
  });

  it('reads the statuses by their label, and lets a member who is not active go without a renewal date', async () => {
    const parsed = await read(
      'name,email,level,status,renewal_date\nA,a@example.org,Individual,Lapsed,2026-12-31\nB,b@example.org,Individual,canceled,\nC,c@example.org,Individual,SUSPENDED,\n',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows.map((r) => [r.status, r.expires_at])).toEqual([
      ['lapsed', '2026-12-31T07:00:00.000Z'],
      ['cancelled', null],
      ['suspended', null],
    ]);
  });

  it('reads quoted values with commas, quotation marks and line breaks, and counts lines as the spreadsheet does', async () => {
    const parsed = await read(
      `${HEADER},address_line1\r\n"Hopper, Grace",grace@example.org,Individual,2027-01-31,"1 Main St\r\nSuite ""B"""\r\nAda,ada@example.org,Individual,2027-01-31,\r\n`,
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows).toMatchObject([
      { line: 2, name: 'Hopper, Grace', address_line1: '1 Main St\nSuite "B"' },
      { line: 4, name: 'Ada' },
    ]);
  });

  it('skips a byte-order mark and empty lines', async () => {
    const decoded = decodeCsv(Buffer.from(`\uFEFF${HEADER}\n\nAda,ada@example.org,Individual,2027-01-31\n,,,\n`, 'utf8'));
    const parsed = await parseImport(decoded, { levels: LEVELS, timeZone: ZONE });
    expect(parsed.problems).toEqual([]);
    expect(parsed.total).toBe(1);
    expect(parsed.rows[0]).toMatchObject({ line: 3, name: 'Ada' });
  });

  it('takes back the apostrophe the export put before a value a spreadsheet would run as a formula', async () => {
    const parsed = await read(`${HEADER},organization\n'=Ada,ada@example.org,Individual,2027-01-31,'+Plus\n`);
    expect(parsed.rows[0]).toMatchObject({ name: '=Ada', organization: '+Plus' });
  });
});

describe('a file with problems: each named by line, column and reason', () => {
  it('reports every bad cell of every row, and imports none of those rows', async () => {
    const parsed = await read(
      [
        'name,email,level,status,renewal_date',
        ',ada@example.org,Individual,,2027-01-31',
        'Grace,not-an-address,Gold,,2027-02-30',
        'Edsger,edsger@example.org,Individual,pending,',
        'Barbara,,,,',
        'Alan,alan@example.org,Individual,,2027-01-31',
      ].join('\n'),
    );
    expect(parsed.problems).toEqual([
      { line: 2, column: 'name', message: 'The name is missing.' },
      { line: 3, column: 'email', message: '“not-an-address” is not an e-mail address.' },
      { line: 3, column: 'level', message: 'There is no level called “Gold”. The levels are: Individual, Agency.' },
      { line: 3, column: 'renewal_date', message: '“2027-02-30” is not a date. Write dates as YYYY-MM-DD, for example 2027-01-31.' },
      { line: 4, column: 'status', message: '“pending” is not a status that can be imported. Use active, lapsed, suspended or cancelled, or leave it empty for active.' },
      { line: 5, column: 'email', message: 'The e-mail address is missing.' },
      { line: 5, column: 'level', message: 'The level is missing. The levels are: Individual, Agency.' },
      { line: 5, column: 'renewal_date', message: 'An active member needs a renewal date (YYYY-MM-DD), or members-only pages stay closed to them.' },
    ]);
    expect(parsed.rows.map((r) => r.name)).toEqual(['Alan']);
    expect(parsed.total).toBe(5);
  });

  it('refuses dates that do not exist and dates in other orders: 29 February only in a leap year', async () => {
    const parsed = await read(
      `${HEADER}\nA,a@example.org,Individual,2027-02-29\nB,b@example.org,Individual,2028-02-29\nC,c@example.org,Individual,31/01/2027\nD,d@example.org,Individual,Jan 31 2027\n`,
    );
    expect(parsed.problems.map((p) => [p.line, p.column])).toEqual([
      [2, 'renewal_date'],
      [4, 'renewal_date'],
      [5, 'renewal_date'],
    ]);
    expect(parsed.rows).toMatchObject([{ name: 'B', expires_at: '2028-02-29T07:00:00.000Z' }]);
  });

  it('names the first line of an e-mail address that comes twice, whatever its capitals', async () => {
    const parsed = await read(
      `${HEADER}\nAda,ada@example.org,Individual,2027-01-31\nGrace,grace@example.org,Individual,2027-01-31\nAda again,ADA@example.org,Individual,2027-01-31\n`,
    );
    expect(parsed.problems).toEqual([{ line: 4, column: 'email', message: 'The same e-mail address is already on line 2. Each member needs an address of their own.' }]);
    expect(parsed.rows.map((r) => r.line)).toEqual([2, 3]);
  });

  it('says a row has more cells than columns (an unquoted comma), and values that are too long', async () => {
    const parsed = await read(
      `${HEADER}\nAda,ada@example.org,Individual,2027-01-31,Denver, CO\nGrace,grace@example.org,Individual,2027-01-31\n`.replace('Grace,', `${'G'.repeat(121)},`),
    );
    expect(parsed.problems).toEqual([
      { line: 2, column: '', message: 'This row has 6 cells but the first row names only 4 columns. A comma inside a value needs quotation marks around the value.' },
      { line: 3, column: 'name', message: 'Use at most 120 characters (this has 121).' },
    ]);
  });

  it('points to the line of a quotation mark that is never closed', async () => {
    const parsed = await read(`${HEADER}\nAda,ada@example.org,Individual,2027-01-31\n"Grace,grace@example.org,Individual,2027-01-31\n`);
    expect(parsed.rows).toEqual([]);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]!.message).toBe('A quotation mark opened here is never closed, so the rest of the file cannot be read. Check the quotation marks on this line.');
  });
});

describe('the header row', () => {
  it('names each required column that is missing, and reads no row', async () => {
    const parsed = await read('full name,phone\nAda,303 555 0100\n');
    expect(parsed.problems.map((p) => [p.line, p.column])).toEqual([
      [1, 'email'],
      [1, 'level'],
    ]);
    expect(parsed.problems[0]!.message).toMatch(/^The first row has no “email” column\. The first row must name the columns: name,email,level,/);
    expect(parsed.rows).toEqual([]);
    expect(parsed.total).toBe(1);
  });

  it('refuses two columns for the same thing, even spelled differently', async () => {
    const parsed = await read('name,email,e-mail,level\nAda,ada@example.org,ada@example.org,Individual\n');
    expect(parsed.problems).toEqual([{ line: 1, column: 'email', message: 'There are two “email” columns. Keep one and delete the other.' }]);
  });
});

describe('an empty file', () => {
  it('is refused at upload before it is read', () => {
    expect(notCsvReason(Buffer.alloc(0))).toBe('The file is empty. Choose a CSV file with a header row and one member per line.');
  });

  it('says a file of blank lines has no rows, and a header alone has no members', async () => {
    expect((await read('\n\n')).problems).toEqual([{ line: 0, column: '', message: 'The file has no rows.' }]);
    expect((await read(`${HEADER}\n`)).problems).toEqual([{ line: 0, column: '', message: 'The file has a header row but no members under it.' }]);
  });
});

describe('files that are not CSV text', () => {
  it('tells an Excel workbook and a UTF-16 file from a CSV file, in words for the upload form', () => {
    expect(notCsvReason(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]))).toMatch(/^This is an Excel workbook, not a CSV file\./);
    expect(notCsvReason(Buffer.from('\uFEFFname', 'utf16le'))).toMatch(/^This file is saved as UTF-16/);
    expect(notCsvReason(Buffer.from(`${HEADER}\n`))).toBeNull();
  });

  it('reads a Windows-1252 file as older Excel saves it', async () => {
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\nRen`), Buffer.from([0xe9]), Buffer.from(',rene@example.org,Individual,2027-01-31\n')]);
    const parsed = await parseImport(decodeCsv(bytes), { levels: LEVELS, timeZone: ZONE });
    expect(parsed.rows[0]!.name).toBe('René');
  });
});

describe('member fields in an import file', () => {
  const fields = [
    field({ id: 1, key: 'license', label: 'License number', required: 1 }),
    field({ id: 2, key: 'sector', label: 'Sector', type: 'choice', choices: 'Public\nPrivate' }),
    field({ id: 3, key: 'certified', label: 'Certified', type: 'checkbox' }),
    field({ id: 4, key: 'certified_on', label: 'Certified on', type: 'date' }),
  ];

  it('reads each field’s column by its key, as the export writes it, with yes/no, any capitals of a choice and US dates', async () => {
    const parsed = await read(`${HEADER},field_license,sector,field_certified,field_certified_on\nAda,ada@example.org,Individual,2027-01-31,L-1,public,Yes,3/7/2026\n`, fields);
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]!.field_values).toEqual([
      { field_id: 1, value: 'L-1' },
      { field_id: 2, value: 'Public' },
      { field_id: 3, value: 'on' },
      { field_id: 4, value: '2026-03-07' },
    ]);
  });

  it('names each bad field cell with the field’s words, and a required field’s missing column', async () => {
    const bad = await read(`${HEADER},field_license,field_sector,field_certified\nAda,ada@example.org,Individual,2027-01-31,,Hobby,maybe\n`, fields);
    expect(bad.problems).toEqual([
      { line: 2, column: 'field_license', message: '“License number” is required, but this cell is empty.' },
      { line: 2, column: 'field_sector', message: '“Hobby” is not one of the answers for “Sector”. The answers are: Public, Private.' },
      { line: 2, column: 'field_certified', message: '“maybe” is not yes or no. Write yes or no (or true and false, 1 and 0), or leave it empty for no.' },
    ]);
    const missing = await read(`${HEADER}\nAda,ada@example.org,Individual,2027-01-31\n`, fields);
    expect(missing.problems).toEqual([
      { line: 1, column: 'field_license', message: 'The member field “License number” is required, but the first row has no “field_license” column for it.' },
    ]);
  });
});

describe('the export a re-import reads', () => {
  const row: ExportRow = {
    id: 7,
    name: '=HYPERLINK("x")',
    email: 'ada@example.org',
    organization: 'City of Pueblo',
    job_title: '',
    phone: '+1 303 555 0100',
    address_line1: '1 Main St\nSuite B',
    address_line2: '',
    city: 'Denver',
    region: 'CO',
    postal_code: '80202',
    level_name: 'Individual',
    status: 'active',
    expires_at: '2028-01-01T06:30:00.000Z',
    joined_at: '2027-01-01T07:00:00.000Z',
  };

  it('protects formulas but not phone numbers, writes Denver days, and reads back the same member', async () => {
    expect(protectCell('=1+1')).toBe("'=1+1");
    expect(protectCell('+1 303 555 0100')).toBe('+1 303 555 0100');
    expect(protectCell('-x')).toBe("'-x");
    const file = membersCsv([row], ZONE);
    expect(file.startsWith('\uFEFFname,email,')).toBe(true);
    // 06:30 UTC on 1 January is still 31 December in Denver.
    expect(file).toContain(',Individual,Active,2027-12-31,2027-01-01\r\n');
    const back = await parseImport(decodeCsv(Buffer.from(file)), { levels: LEVELS, timeZone: ZONE });
    expect(back.problems).toEqual([]);
    expect(back.rows[0]).toMatchObject({
      name: '=HYPERLINK("x")',
      phone: '+1 303 555 0100',
      address_line1: '1 Main St\nSuite B',
      expires_at: '2027-12-31T07:00:00.000Z',
      level_id: 1,
    });
  });
});
