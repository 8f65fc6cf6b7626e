import { Parser } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import type { MemberContact, MembershipStatus } from '../tables.js';
import { email as emailSchema } from '#core/http/forms.js';
import { dateToInstant, isoDay, parseCalendarDate } from '#core/time.js';
import { checkFieldValue, choicesOf, inputName, MAX_TEXT as MAX_TEXT_LENGTH, type FieldValue, type FieldValueProblem, type MemberField } from '../fields/index.js';
import { STATUS_LABELS } from '../lifecycle/index.js';

/**
 * Member lists as CSV files: reading an import file into checked rows (every problem with its
 * line and column), and writing the admin list out. Pure functions: no database, no HTTP.
 */

// Import

export const IMPORT_COLUMNS = [
  'name',
  'email',
  'level',
  'status',
  'renewal_date',
  'organization',
  'job_title',
  'phone',
  'address_line1',
  'address_line2',
  'city',
  'state',
  'postal_code',
] as const;
type ImportColumn = (typeof IMPORT_COLUMNS)[number];
const REQUIRED: ImportColumn[] = ['name', 'email', 'level'];

/** Header spellings people use for the same column (after lower-casing and turning spaces into _). */
const ALIASES: Record<string, ImportColumn> = {
  e_mail: 'email',
  email_address: 'email',
  e_mail_address: 'email',
  full_name: 'name',
  membership_level: 'level',
  renewal: 'renewal_date',
  renews: 'renewal_date',
  job: 'job_title',
  title: 'job_title',
  address: 'address_line1',
  address1: 'address_line1',
  address_1: 'address_line1',
  street: 'address_line1',
  address2: 'address_line2',
  address_2: 'address_line2',
  region: 'state',
  zip: 'postal_code',
  zip_code: 'postal_code',
  postcode: 'postal_code',
};

const MAX_LENGTH: Partial<Record<ImportColumn, number>> = {
  name: 120,
  organization: 150,
  job_title: 120,
  phone: 40,
  address_line1: 150,
  address_line2: 150,
  city: 80,
  state: 80,
  postal_code: 20,
};

/** Statuses an import may give; the others belong to an application under way. */
export const IMPORTABLE_STATUSES: MembershipStatus[] = ['active', 'lapsed', 'suspended', 'cancelled'];

export const MAX_IMPORT_ROWS = 50_000;

export interface ImportProblem {
  /** Line of the file (1 is the header row); 0 for the file as a whole. */
  line: number;
  column: string;
  message: string;
}

/** A row that passed every check the file alone allows (the database is checked by the service). */
export interface ImportRow extends MemberContact {
  line: number;
  name: string;
  email: string;
  level_id: number;
  status: MembershipStatus;
  /** ISO instant, or null. */
  expires_at: string | null;
  /** Its member fields' values, checked by the rules of fields.ts (empty cells are left out). */
  field_values: FieldValue[];
}

export interface ParsedImport {
  rows: ImportRow[];
  problems: ImportProblem[];
  /** People in the file (non-empty data rows), with or without problems. */
  total: number;
  ignoredColumns: string[];
}

/** The file's text, and whether it was UTF-8 with broken byte sequences (each shown as U+FFFD). */
export interface DecodedCsv {
  text: string;
  brokenUtf8: boolean;
}

/** Whether the bytes hold at least one well-formed multi-byte UTF-8 sequence (so the file was meant as UTF-8). */
function hasUtf8Sequence(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0xc2 || b > 0xf4) continue;
    const n = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
    let ok = i + n < bytes.length;
    for (let k = 1; ok && k <= n; k++) ok = (bytes[i + k]! & 0xc0) === 0x80;
    if (ok) return true;
  }
  return false;
}

/**
 * The file's text: UTF-8 (with or without a byte-order mark), or Windows-1252 as older Excel saves
 * it. A file that is UTF-8 in places and broken in others is read as UTF-8 with `brokenUtf8`, so
 * each cell with a broken sequence is reported rather than every accent turned into nonsense.
 */
export function decodeCsv(bytes: Buffer): DecodedCsv {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), brokenUtf8: false };
  } catch {
    if (hasUtf8Sequence(bytes)) return { text: new TextDecoder('utf-8').decode(bytes), brokenUtf8: true };
    return { text: new TextDecoder('windows-1252').decode(bytes), brokenUtf8: false };
  }
}

/** Why a file cannot be a CSV file at all, in words for the upload form; null when it may be one. */
export function notCsvReason(bytes: Buffer): string | null {
  if (bytes.length === 0) return 'The file is empty. Choose a CSV file with a header row and one member per line.';
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    return 'This is an Excel workbook, not a CSV file. In Excel, choose File, Save As, and the format “CSV UTF-8”, then upload that file.';
  }
  const head = bytes.subarray(0, 4096);
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    return 'This file is saved as UTF-16 (“Unicode text”). In Excel, choose File, Save As, and the format “CSV UTF-8”, then upload that file.';
  }
  // Binary files are full of zero bytes; a stray one in a text file is reported with its line and column instead.
  let zeros = 0;
  for (const b of head) if (b === 0) zeros += 1;
  if (zeros > 8) return 'This does not look like a CSV file. Save the list as CSV (comma-separated values) and upload that file.';
  return null;
}

/**
 * Characters that have no place in a cell: C0 controls but tab and line breaks, DEL, C1 controls
 * (what stray bytes of other encodings become) and the non-characters U+FFFE/U+FFFF. PostgreSQL
 * refuses NUL outright, so a file must never be called clean with one in it.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's whole purpose
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/;

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** What is wrong with the characters of one cell, with the line it is on (for a cell over several lines); null when nothing. */
function cellCharacterProblem(value: string, brokenUtf8: boolean): { offsetLines: number; message: string } | null {
  const control = CONTROL.exec(value);
  const broken = brokenUtf8 ? value.indexOf('\uFFFD') : -1;
  if (!control && broken < 0) return null;
  const at = control && (broken < 0 || control.index < broken) ? control.index : broken;
  const offsetLines = (value.slice(0, at).match(/\n/g) ?? []).length;
  const position = at - (value.lastIndexOf('\n', at - 1) + 1) + 1;
  if (at === broken) {
    return {
      offsetLines,
      message: `Character ${position} of this cell is not valid UTF-8 text (shown as “\uFFFD”). Save the file again from the spreadsheet as “CSV UTF-8” and upload it again.`,
    };
  }
  const name = value[at] === '\u0000' ? ' (a zero byte, NUL)' : '';
  return {
    offsetLines,
    message: `Character ${position} of this cell is an invisible control character, ${codePoint(value[at]!)}${name}, that has no place in text. Delete it in the spreadsheet (it often comes from copying out of another program) and save the file again.`,
  };
}

/** Let other requests run: checking a large file is done in slices of a few milliseconds. */
const SLICE_MS = 8;
export function slicer() {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

type CsvRecord = { record: string[]; info: { lines: number } };

/** csv-parse fed the text a slice at a time, yielding between slices. */
async function readRecords(text: string, breathe: () => Promise<void>): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  const parser = new Parser({ bom: true, info: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true });
  let failure: unknown;
  parser.on('data', (r: CsvRecord) => records.push(r));
  parser.on('error', (err) => (failure ??= err));
  const ended = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('error', () => resolve());
  });
  // csv-parse reads about a few MB a second (with line info): 8 KB is a few milliseconds.
  const SLICE = 8 * 1024;
  for (let i = 0; i < text.length && failure === undefined; i += SLICE) {
    parser.write(text.slice(i, i + SLICE));
    await breathe();
  }
  if (failure === undefined) parser.end();
  await ended;
  if (failure !== undefined) throw failure;
  return records;
}

const normalizeHeader = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');

/** A spreadsheet cell that our export protected from formula evaluation comes back as typed. */
const unprotect = (v: string) => (/^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v);

// Member fields (fields.ts) in files: one column per field

/** The column of a member field in export and import files: `field_<key>`, as its form input is named; the key stays when the label changes. */
export const fieldColumn = (field: Pick<MemberField, 'key'>) => inputName(field);

const CHECKBOX_WORDS = new Map<string, 'on' | 'off'>([
  ['yes', 'on'],
  ['true', 'on'],
  ['1', 'on'],
  ['on', 'on'],
  ['no', 'off'],
  ['false', 'off'],
  ['0', 'off'],
  ['off', 'off'],
  ['', 'off'],
]);

/** Why a cell does not suit its member field, in words for the import preview. */
function fieldProblem(field: MemberField, problem: FieldValueProblem, raw: string): string {
  switch (problem) {
    case 'missing':
      return field.type === 'choice' ? `“${field.label}” is required: choose one of ${choicesOf(field).join(', ')}.` : `“${field.label}” is required, but this cell is empty.`;
    case 'not_ticked':
      return `“${field.label}” is required to be ticked: write yes.`;
    case 'not_a_choice':
      return `“${raw}” is not one of the answers for “${field.label}”. The answers are: ${choicesOf(field).join(', ')}.`;
    case 'not_a_date':
      return `“${raw}” is not a date. Write dates as YYYY-MM-DD, for example 2027-01-31.`;
    case 'too_long':
      return `Use at most ${MAX_TEXT_LENGTH} characters (this has ${raw.length}).`;
  }
}

/**
 * A member field's cell as the import reads it, then checked by the rules the forms use: a
 * checkbox is yes/no, true/false, 1/0 (or empty for no); a date may be written M/D/YYYY as US
 * spreadsheets save it; a choice may differ in capitals.
 */
function readFieldCell(field: MemberField, raw: string, choices: Map<string, string>): { value: string } | { message: string } {
  let value = raw;
  if (field.type === 'checkbox') {
    const word = CHECKBOX_WORDS.get(raw.toLowerCase());
    if (!word) return { message: `“${raw}” is not yes or no. Write yes or no (or true and false, 1 and 0), or leave it empty for no.` };
    value = word;
  } else if (field.type === 'date' && raw !== '') {
    const d = parseCalendarDate(raw);
    if (d) value = `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  } else if (field.type === 'choice') {
    value = choices.get(raw.toLowerCase()) ?? raw;
  }
  const checked = checkFieldValue(field, value);
  return 'problem' in checked ? { message: fieldProblem(field, checked.problem, raw) } : checked;
}

/**
 * Read and check an import file: rows ready to import, and every problem found, in every cell of
 * the whole file. Works in slices that yield to other requests (a 50,000-row file takes seconds).
 */
export async function parseImport(file: string | DecodedCsv, options: { levels: { id: number; name: string }[]; timeZone: string; fields?: MemberField[] }): Promise<ParsedImport> {
  const { text, brokenUtf8 } = typeof file === 'string' ? { text: file, brokenUtf8: false } : file;
  const breathe = slicer();
  const problems: ImportProblem[] = [];
  let records: CsvRecord[];
  try {
    // One kind of line break, so line numbers count as a spreadsheet does (csv-parse counts a CR LF inside quotes as two).
    records = await readRecords(text.replace(/\r\n?/g, '\n'), breathe);
  } catch (err) {
    const line = typeof (err as { lines?: unknown }).lines === 'number' ? (err as { lines: number }).lines : 0;
    const quote = (err as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED';
    return {
      rows: [],
      problems: [
        {
          line,
          column: '',
          message: quote
            ? 'A quotation mark opened here is never closed, so the rest of the file cannot be read. Check the quotation marks on this line.'
            : 'The file cannot be read as CSV from this line on. Save it again from the spreadsheet as CSV and upload it again.',
        },
      ],
      total: 0,
      ignoredColumns: [],
    };
  }
  if (records.length === 0) return { rows: [], problems: [{ line: 0, column: '', message: 'The file has no rows.' }], total: 0, ignoredColumns: [] };

  // Where each record starts: csv-parse reports the line it ends on.
  const startLine = (r: { record: string[]; info: { lines: number } }) => r.info.lines - r.record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);

  // Every cell of the file, the header and columns that are not imported included, before anything else.
  const rawHeader = records[0]!.record.map((h) => h.trim());
  const badCells = new Set<CsvRecord>();
  for (const r of records) {
    let lines = 0;
    r.record.forEach((value, i) => {
      const bad = cellCharacterProblem(value, brokenUtf8);
      if (bad) {
        problems.push({ line: startLine(r) + lines + bad.offsetLines, column: r === records[0] ? '' : (rawHeader[i] ?? ''), message: bad.message });
        badCells.add(r);
      }
      lines += value.match(/\n/g)?.length ?? 0;
    });
    await breathe();
  }
  if (badCells.has(records[0]!)) return { rows: [], problems, total: records.length - 1, ignoredColumns: [] };

  const header = records[0]!.record.map(normalizeHeader);
  const columnIndex = new Map<ImportColumn, number>();
  const ignoredColumns: string[] = [];
  // A member field's column is field_<key> (as the export writes it), or its bare key when that is not a built-in column.
  const fields = options.fields ?? [];
  const fieldByColumn = new Map<string, MemberField>(fields.map((f) => [fieldColumn(f), f]));
  for (const f of fields) {
    if (!fieldByColumn.has(f.key) && !(IMPORT_COLUMNS as readonly string[]).includes(f.key) && !ALIASES[f.key]) fieldByColumn.set(f.key, f);
  }
  const fieldColumns = new Map<number, { field: MemberField; index: number; column: string; choices: Map<string, string> }>();
  header.forEach((raw, i) => {
    const name = (IMPORT_COLUMNS as readonly string[]).includes(raw) ? (raw as ImportColumn) : ALIASES[raw];
    const field = name ? undefined : fieldByColumn.get(raw);
    if (field) {
      const column = records[0]!.record[i]!.trim();
      const seen = fieldColumns.get(field.id);
      if (seen)
        problems.push({ line: 1, column, message: `The columns “${seen.column}” and “${column}” are both for the member field “${field.label}”. Keep one and delete the other.` });
      else fieldColumns.set(field.id, { field, index: i, column, choices: new Map(choicesOf(field).map((c) => [c.toLowerCase(), c])) });
      return;
    }
    if (!name) {
      if (raw !== '') ignoredColumns.push(records[0]!.record[i]!.trim());
      return;
    }
    if (columnIndex.has(name)) problems.push({ line: 1, column: name, message: `There are two “${name}” columns. Keep one and delete the other.` });
    else columnIndex.set(name, i);
  });
  for (const name of REQUIRED) {
    if (!columnIndex.has(name))
      problems.push({
        line: 1,
        column: name,
        message: `The first row has no “${name}” column. The first row must name the columns: ${IMPORT_COLUMNS.join(',')} (name, email and level are required).`,
      });
  }
  for (const f of fields) {
    if (f.required && !fieldColumns.has(f.id)) {
      problems.push({ line: 1, column: fieldColumn(f), message: `The member field “${f.label}” is required, but the first row has no “${fieldColumn(f)}” column for it.` });
    }
  }
  const body = records.slice(1);
  if (problems.length > 0) return { rows: [], problems, total: body.length, ignoredColumns };

  const levelsByName = new Map(options.levels.map((l) => [l.name.trim().toLowerCase(), l]));
  const levelList = options.levels.map((l) => l.name).join(', ');
  const statusByWord = new Map<string, MembershipStatus>();
  for (const s of IMPORTABLE_STATUSES) {
    statusByWord.set(s, s);
    statusByWord.set(STATUS_LABELS[s].toLowerCase(), s);
  }
  statusByWord.set('canceled', 'cancelled');

  const emailCheck = emailSchema();
  // Working out a day's start in a time zone is slow (Intl); a file repeats few dates.
  const dayStarts = new Map<string, Date | null>();
  const dayStart = (raw: string) => {
    if (!dayStarts.has(raw)) dayStarts.set(raw, dateToInstant(raw, options.timeZone));
    return dayStarts.get(raw)!;
  };
  const firstLineOf = new Map<string, number>();
  const rows: ImportRow[] = [];
  let total = 0;
  for (const r of body) {
    await breathe();
    if (r.record.every((cell) => cell.trim() === '')) continue;
    total += 1;
    const line = startLine(r);
    const before = problems.length;
    const problem = (column: string, message: string) => problems.push({ line, column, message });
    const cell = (name: ImportColumn) => {
      const i = columnIndex.get(name);
      return i === undefined ? '' : unprotect((r.record[i] ?? '').trim());
    };

    const extra = r.record.slice(header.length).filter((c) => c.trim() !== '');
    if (extra.length > 0)
      problem('', `This row has ${r.record.length} cells but the first row names only ${header.length} columns. A comma inside a value needs quotation marks around the value.`);

    const name = cell('name');
    if (name === '') problem('name', 'The name is missing.');

    const rawEmail = cell('email');
    const parsedEmail = emailCheck.safeParse(rawEmail);
    let email = '';
    if (rawEmail === '') problem('email', 'The e-mail address is missing.');
    else if (!parsedEmail.success) problem('email', `“${rawEmail}” is not an e-mail address.`);
    else {
      email = parsedEmail.data;
      const seen = firstLineOf.get(email);
      if (seen !== undefined) problem('email', `The same e-mail address is already on line ${seen}. Each member needs an address of their own.`);
      else firstLineOf.set(email, line);
    }

    const levelName = cell('level');
    const level = levelsByName.get(levelName.toLowerCase());
    if (levelName === '') problem('level', `The level is missing. The levels are: ${levelList}.`);
    else if (!level) problem('level', `There is no level called “${levelName}”. The levels are: ${levelList}.`);

    const statusWord = cell('status');
    const status = statusWord === '' ? 'active' : statusByWord.get(statusWord.toLowerCase());
    if (!status) problem('status', `“${statusWord}” is not a status that can be imported. Use active, lapsed, suspended or cancelled, or leave it empty for active.`);

    const rawDate = cell('renewal_date');
    let expiresAt: string | null = null;
    if (rawDate !== '') {
      const instant = dayStart(rawDate);
      if (!instant) problem('renewal_date', `“${rawDate}” is not a date. Write dates as YYYY-MM-DD, for example 2027-01-31.`);
      else expiresAt = instant.toISOString();
    } else if (status === 'active') {
      problem('renewal_date', 'An active member needs a renewal date (YYYY-MM-DD), or members-only pages stay closed to them.');
    }

    for (const [column, max] of Object.entries(MAX_LENGTH) as [ImportColumn, number][]) {
      if (cell(column).length > max) problem(column, `Use at most ${max} characters (this has ${cell(column).length}).`);
    }

    const fieldValues: FieldValue[] = [];
    for (const { field, index, column, choices } of fieldColumns.values()) {
      const read = readFieldCell(field, unprotect((r.record[index] ?? '').trim()), choices);
      if ('message' in read) problem(column, read.message);
      else if (read.value !== '') fieldValues.push({ field_id: field.id, value: read.value });
    }

    if (problems.length === before && level && status && !badCells.has(r)) {
      rows.push({
        line,
        name,
        email,
        level_id: level.id,
        status,
        expires_at: expiresAt,
        organization: cell('organization'),
        job_title: cell('job_title'),
        phone: cell('phone'),
        address_line1: cell('address_line1'),
        address_line2: cell('address_line2'),
        city: cell('city'),
        region: cell('state'),
        postal_code: cell('postal_code'),
        field_values: fieldValues,
      });
    }
  }
  if (total === 0) problems.push({ line: 0, column: '', message: 'The file has a header row but no members under it.' });
  if (total > MAX_IMPORT_ROWS) {
    return {
      rows: [],
      problems: [{ line: 0, column: '', message: `The file has ${total} members; import at most ${MAX_IMPORT_ROWS} at a time. Split it into smaller files.` }],
      total,
      ignoredColumns,
    };
  }
  return { rows, problems, total, ignoredColumns };
}

// Export

export interface ExportRow extends MemberContact {
  /** The membership's id (member field values are keyed by it). */
  id: number;
  name: string;
  email: string;
  level_name: string;
  status: MembershipStatus;
  expires_at: string | null;
  joined_at: string;
}

export const EXPORT_HEADER = [
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
];

/**
 * A spreadsheet runs a cell that starts with = + - or @ as a formula: such a value (a name someone
 * typed when applying) gets a leading apostrophe. Phone numbers like +1 303 555 0100 stay as they are.
 */
export function protectCell(value: string): string {
  if (/^[=@\t\r]/.test(value)) return `'${value}`;
  if (/^[+-]/.test(value) && !/^[+-][\d\s().-]*$/.test(value)) return `'${value}`;
  return value;
}

/** A member field's stored value as the file writes it: a checkbox as yes or no (no answer is no); a date YYYY-MM-DD; a choice or text as it is. */
const exportValue = (type: MemberField['type'], value: string | undefined) => (type === 'checkbox' ? (value === 'on' ? 'yes' : 'no') : (value ?? ''));

/**
 * The filtered list as a CSV file (with a byte-order mark, so Excel reads accents right), with one
 * column per member field (`fieldColumn`) after the built-in ones; its columns re-import as they are.
 */
export function membersCsv(
  rows: ExportRow[],
  timeZone: string,
  custom: { fields: Pick<MemberField, 'id' | 'key' | 'type'>[]; values: Map<number, Map<number, string>> } = { fields: [], values: new Map() },
): string {
  return stringify(
    rows.map((r) =>
      [
        r.name,
        r.email,
        r.organization,
        r.job_title,
        r.phone,
        r.address_line1,
        r.address_line2,
        r.city,
        r.region,
        r.postal_code,
        r.level_name,
        STATUS_LABELS[r.status],
        r.expires_at ? isoDay(r.expires_at, timeZone) : '',
        isoDay(r.joined_at, timeZone),
        ...custom.fields.map((f) => exportValue(f.type, custom.values.get(r.id)?.get(f.id))),
      ].map(protectCell),
    ),
    // A line break inside a value is quoted too (csv-stringify quotes only the record delimiter, CR LF, by itself).
    { header: true, columns: [...EXPORT_HEADER, ...custom.fields.map(fieldColumn)], bom: true, record_delimiter: 'windows', quoted_match: /[\r\n]/ },
  );
}
