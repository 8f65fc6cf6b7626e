import { z } from 'zod';
import type { Selectable } from 'kysely';
import { changesOf, recordAudit, type Actor } from '#core/audit/index.js';
import { iso, type Clock } from '#core/clock.js';
import type { Db } from '#core/db/index.js';
import type { Executor } from '#core/db/index.js';
import type { MemberFieldsTable, MemberFieldType, MemberFieldVisibility } from '../tables.js';
import { checkbox, controlMessage, formValues, text } from '#core/http/forms.js';
import { flaggedFields } from '#core/http/input-guard.js';
import { ok, refused, type Outcome } from '#core/result.js';
import type { FieldErrors } from '#core/views/forms.js';
import * as q from './queries.js';

/**
 * Member fields: what the board asks members beyond the built-in name, e-mail, organization, job
 * title, phone and address. Each has a type (its values are checked by it), may be required, and
 * says who may see it. Values belong to a membership; the application, the profile and the
 * directory use them.
 */
export type MemberField = Selectable<MemberFieldsTable>;
/** A value as submitted and checked: '' for a field left empty (the stored value is then removed). */
export type FieldValue = { field_id: number; value: string };

export const FIELD_TYPES: { value: MemberFieldType; label: string }[] = [
  { value: 'text', label: 'Text' },
  { value: 'choice', label: 'Choice from a list' },
  { value: 'checkbox', label: 'Checkbox (yes or no)' },
  { value: 'date', label: 'Date' },
];

export const VISIBILITY: { value: MemberFieldVisibility; label: string }[] = [
  { value: 'admins', label: 'Only administrators' },
  { value: 'members', label: 'Members (shown in the member directory)' },
  { value: 'everyone', label: 'Everyone (shown in the member directory)' },
];

/** The visibilities the member directory shows (its readers are members). */
export const DIRECTORY_VISIBILITIES: MemberFieldVisibility[] = ['members', 'everyone'];

export const MAX_TEXT = 500;
const MAX_CHOICE = 100;
const MAX_CHOICES = 50;

/** The choices of a choice field, as the admin typed them (one a line), blank lines dropped. */
export const splitChoices = (raw: string) =>
  raw
    .split(/\r?\n/)
    .map((c) => c.trim())
    .filter(Boolean);

export const choicesOf = (field: Pick<MemberField, 'choices'>) => splitChoices(field.choices);

export const fieldInput = z
  .object({
    label: text('a label', 80),
    type: z.enum(['text', 'choice', 'checkbox', 'date'], { error: 'Choose the kind of answer.' }),
    choices: z
      .string()
      .optional()
      .transform((v) => splitChoices(v ?? '')),
    required: checkbox(),
    visibility: z.enum(['admins', 'members', 'everyone'], { error: 'Choose who may see this field.' }),
    position: z
      .string()
      .trim()
      .optional()
      .transform((v) => v ?? '')
      .refine((v) => v === '' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 999), 'Enter the position as a whole number from 1 to 999, or leave it empty.')
      .transform((v) => (v === '' ? null : Number(v))),
  })
  .superRefine((v, ctx) => {
    if (v.type !== 'choice') return;
    const problem = (message: string) => ctx.addIssue({ code: 'custom', path: ['choices'], message });
    if (v.choices.length < 2) return problem('Enter at least two choices, one on each line.');
    if (v.choices.length > MAX_CHOICES) return problem(`Enter at most ${MAX_CHOICES} choices.`);
    const long = v.choices.find((c) => c.length > MAX_CHOICE);
    if (long) return problem(`Keep each choice to ${MAX_CHOICE} characters or fewer (“${long.slice(0, 30)}…” is longer).`);
    const seen = new Set<string>();
    for (const c of v.choices) {
      if (seen.has(c.toLowerCase())) return problem(`Each choice must be different: “${c}” is there twice.`);
      seen.add(c.toLowerCase());
    }
  });
export type FieldInput = z.output<typeof fieldInput>;

/** The key a label gives: lower case letters, digits and underscores, e.g. "License no." → license_no. */
export function deriveKey(label: string): string {
  const key = label
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/g, '');
  return key || 'field';
}

/** The name of a field's input in a form (kept apart from the built-in names). */
export const inputName = (field: Pick<MemberField, 'key'>) => `field_${field.key}`;

// A label inside a sentence: "License number" reads "license number"; "EPA ID" stays as it is.
const inSentence = (label: string) => (/^\p{Lu}\p{Ll}/u.test(label) ? label.charAt(0).toLowerCase() + label.slice(1) : label);

/** A YYYY-MM-DD string that names a real day (1900–2199). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1900 || year > 2199) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** Why a value does not suit its field (the words differ between a form and an import file). */
export type FieldValueProblem = 'missing' | 'not_ticked' | 'not_a_choice' | 'not_a_date' | 'too_long';

/**
 * One field's value, checked by its type: the value to store ('' for none; a checkbox is 'on' or
 * 'off'), or what is wrong. The one set of rules for the application, the profile, the admin's
 * edit of a member and CSV imports.
 */
export function checkFieldValue(
  field: Pick<MemberField, 'type' | 'required' | 'choices'>,
  raw: string | undefined,
  /** The answer stored now: kept even when the board has since taken it off the field's choices. */
  stored?: string,
): { value: string } | { problem: FieldValueProblem } {
  const value = (raw ?? '').trim();
  switch (field.type) {
    case 'checkbox': {
      const on = value === 'on' || value === 'true' || value === '1';
      if (field.required && !on) return { problem: 'not_ticked' };
      return { value: on ? 'on' : 'off' };
    }
    case 'choice':
      if (value === '') return field.required ? { problem: 'missing' } : { value: '' };
      return choicesOf(field).includes(value) || (stored !== undefined && value === stored) ? { value } : { problem: 'not_a_choice' };
    case 'date':
      if (value === '') return field.required ? { problem: 'missing' } : { value: '' };
      return isCalendarDate(value) ? { value } : { problem: 'not_a_date' };
    default:
      if (value === '') return field.required ? { problem: 'missing' } : { value: '' };
      return value.length <= MAX_TEXT ? { value } : { problem: 'too_long' };
  }
}

/** What a form says beside a field whose value does not suit it. */
function formMessage(field: MemberField, problem: FieldValueProblem): string {
  const label = inSentence(field.label);
  switch (problem) {
    case 'not_ticked':
      return `Tick “${field.label}” to continue.`;
    case 'missing':
      return field.type === 'choice' ? `Choose ${label}.` : `Enter ${label}.`;
    case 'not_a_choice':
      return `Choose one of the listed answers for ${label}.`;
    case 'not_a_date':
      return `Enter ${label} as a real date, for example 2026-03-15.`;
    case 'too_long':
      return `Use at most ${MAX_TEXT} characters for ${label}.`;
  }
}

/**
 * Check a submitted form's member fields (inputs named `field_<key>`): every value, or the
 * problems keyed by input name so they show beside the fields.
 */
export function parseCustomFields(
  fields: MemberField[],
  body: unknown,
  /** The member's stored answers, when editing: a choice no longer offered may be kept as it is. */
  stored: { field_id: number; value: string }[] = [],
): { values: FieldValue[] } | { errors: FieldErrors } {
  const raw = formValues(body);
  const values: FieldValue[] = [];
  const errors: FieldErrors = {};
  const storedById = new Map(stored.map((v) => [v.field_id, v.value]));
  // Fields holding a control character, refused at the edge (decision 0024): said beside them.
  const flagged = flaggedFields(body)?.fields;
  for (const field of fields) {
    if (flagged?.has(inputName(field))) {
      errors[inputName(field)] = controlMessage(inSentence(field.label));
      continue;
    }
    const checked = checkFieldValue(field, raw[inputName(field)], storedById.get(field.id));
    if ('problem' in checked) errors[inputName(field)] = formMessage(field, checked.problem);
    else values.push({ field_id: field.id, value: checked.value });
  }
  return Object.keys(errors).length ? { errors } : { values };
}

/** Stored values as a form shows them (keyed by input name). */
export function fieldFormValues(fields: MemberField[], stored: { field_id: number; value: string }[]): Record<string, string> {
  const byId = new Map(stored.map((v) => [v.field_id, v.value]));
  const values: Record<string, string> = {};
  for (const f of fields) {
    const v = byId.get(f.id) ?? '';
    values[inputName(f)] = f.type === 'checkbox' ? (v === 'on' ? 'on' : '') : v;
  }
  return values;
}

const dateFormat = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });

/** A stored value as people read it: a date in words, a checkbox as Yes or No. */
export function displayValue(type: MemberFieldType, value: string): string {
  if (type === 'checkbox') return value === 'on' ? 'Yes' : 'No';
  if (type === 'date' && isCalendarDate(value)) {
    const [y, m, d] = value.split('-').map(Number) as [number, number, number];
    return dateFormat.format(new Date(Date.UTC(y, m - 1, d)));
  }
  return value;
}

const FIELD_LABELS: Partial<Record<keyof MemberField, string>> = {
  label: 'Label',
  type: 'Kind of answer',
  choices: 'Choices',
  required: 'Required',
  visibility: 'Seen by',
  position: 'Position',
};
const FIELD_FORMATS = {
  required: (v: unknown) => (v === undefined ? '' : v ? 'yes' : 'no'),
  choices: (v: unknown) => (typeof v === 'string' ? v.split('\n').filter(Boolean).join(', ') : ''),
};

/** The board's member fields: defining them, and reading them for forms. */
export class MemberFieldsService {
  constructor(
    private db: Db,
    private clock: Clock,
  ) {}

  list = () => q.listFields(this.db);
  get = (id: number) => q.findField(this.db, id);

  async save(id: number | null, input: FieldInput, by?: Actor): Promise<Outcome<number>> {
    const fields = await q.listFields(this.db);
    const current = id === null ? undefined : fields.find((f) => f.id === id);
    if (id !== null && !current) return refused({ form: 'This field no longer exists.' }, 'not_found');
    if (fields.some((f) => f.id !== id && f.label.toLowerCase() === input.label.toLowerCase())) {
      return refused({ label: `There is already a field called “${input.label}”.` });
    }
    if (current && current.type !== input.type && (await q.countValues(this.db, current.id)) > 0) {
      return refused({ type: 'Members have already answered this field, so its kind of answer cannot change. Make a new field instead.' });
    }
    const now = iso(this.clock.now());
    const values = {
      label: input.label,
      type: input.type,
      choices: input.type === 'choice' ? input.choices.join('\n') : '',
      required: input.required ? 1 : 0,
      visibility: input.visibility,
      position: input.position ?? (current ? current.position : Math.max(0, ...fields.map((f) => f.position)) + 1),
      updated_at: now,
    };
    const audit = (trx: Executor, fieldId: number, action: string, summary: string) => {
      const changes = changesOf<Partial<MemberField>>(current ?? {}, values, FIELD_LABELS, { format: FIELD_FORMATS });
      return changes.length ? recordAudit(trx, by, now, { action, summary, subject: { type: 'member_field', id: fieldId, label: input.label }, changes }) : Promise.resolve();
    };
    if (current) {
      await this.db.transaction().execute(async (trx) => {
        await q.updateField(trx, current.id, values);
        await audit(trx, current.id, 'field.changed', `Changed the member field ${current.label}`);
      });
      return ok(current.id);
    }
    const taken = new Set(fields.map((f) => f.key));
    const base = deriveKey(input.label);
    let key = base;
    for (let n = 2; taken.has(key); n++) key = `${base}_${n}`;
    try {
      return ok(
        await this.db.transaction().execute(async (trx) => {
          const { id: created } = await q.insertField(trx, { ...values, key, created_at: now });
          await audit(trx, created, 'field.created', `Added the member field ${input.label}`);
          return created;
        }),
      );
    } catch (err) {
      // Two admins adding the same label at the same moment: the unique key decides.
      if ((await q.listFields(this.db)).some((f) => f.key === key)) return refused({ label: `There is already a field called “${input.label}”.` });
      throw err;
    }
  }
}
