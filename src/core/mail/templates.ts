import type { Executor } from '../db/index.js';

/**
 * The automated e-mails, as templates admins can reword. Each names the merge fields it offers;
 * `{{field}}` in the subject or text is replaced by the field's value (plain text: these are text
 * e-mails). A placeholder that is not a field of the template stays visible as typed, and a line
 * whose merge fields all came out empty is left out, so "Questions? Write to {{contact}}." vanishes
 * when the association has no contact address.
 *
 * Each module declares its own templates (`defineTemplates`, listed in its manifest's
 * `templates`) and names their keys and merge fields for the compiler by declaration merging:
 *
 *     declare module '../../core/mail/templates.js' {
 *       interface MailTemplates extends TemplateFields<typeof SITE_TEMPLATES> {}
 *     }
 *
 * so `renderTemplate(trx, 'site.x', { … })` is checked: an unknown key or a missing field does not compile.
 */

export interface MergeField {
  description: string;
  sample: string;
  /** The e-mail is useless without it (the link that resets a password): an edit must keep it in the text. */
  required?: boolean;
  /** The value may run over several lines (a reason an admin typed); any other value is kept on one line. */
  multiline?: boolean;
}

export interface TemplateDefinition<Key extends string = string> {
  key: Key;
  /** What admins see in the list. */
  name: string;
  description: string;
  fields: Record<string, MergeField>;
  subject: string;
  text: string;
}

// The fields most e-mails share, with the words admins read and the values a preview shows.
export const commonFields = {
  name: { description: "the member's or applicant's full name", sample: 'Pat Inspector' },
  association: { description: "the association's short name", sample: 'CIPCA' },
  link: { description: 'the link to their account page', sample: 'https://example.org/account' },
  contact: { description: "the association's contact e-mail address (the line is left out when none is set)", sample: 'board@example.org' },
  level: { description: 'the membership level', sample: 'Individual' },
  amount: { description: 'the amount of the invoice', sample: '$50.00' },
  invoice_number: { description: 'the number of the invoice', sample: '1042' },
} satisfies Record<string, MergeField>;

export const field = (description: string, sample: string, more: Pick<MergeField, 'required' | 'multiline'> = {}): MergeField => ({ description, sample, ...more });

/** Every module's templates by key: the key's first part names the module (`membership.approved`). */
export interface MailTemplates {}

/** The merge field names of each template in a list made by `defineTemplates`. */
export type TemplateFields<T extends readonly TemplateDefinition[]> = {
  [D in T[number] as D['key']]: keyof D['fields'] & string;
};

export type TemplateKey = keyof MailTemplates & string;

/** A module's templates, with their keys and field names kept for the compiler. */
export function defineTemplates<const T extends readonly (TemplateDefinition & { fields: Record<string, MergeField> })[]>(templates: T): T {
  return templates;
}

const byKey = new Map<string, TemplateDefinition>();

/** Called by createHeadworks for each module's `templates`; a key already taken by another template is a programming error. */
export function registerTemplates(templates: readonly TemplateDefinition[]) {
  for (const t of templates) {
    const known = byKey.get(t.key);
    if (known && known !== t) throw new Error(`Two e-mail templates have the key ${t.key}`);
    byKey.set(t.key, t);
  }
}

/** Every registered template, in the order the modules listed them. */
export const allTemplates = (): TemplateDefinition[] => [...byKey.values()];

export function templateDefinition(key: string): TemplateDefinition | undefined {
  return byKey.get(key);
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The placeholders in `text` that are not merge fields of the template, as typed ("{{nmae}}"). */
export function unknownPlaceholders(text: string, fields: readonly string[]): string[] {
  const unknown: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (!fields.includes(match[1]!) && !unknown.includes(match[0])) unknown.push(match[0]);
  }
  return unknown;
}

/** The merge fields a text uses, by name ("{{ link }}" counts as {{link}}). */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** The required merge fields of a template that `text` leaves out. */
export function missingRequired(text: string, definition: TemplateDefinition): string[] {
  const used = placeholdersIn(text);
  return Object.entries(definition.fields)
    .filter(([name, f]) => f.required && !used.includes(name))
    .map(([name]) => name);
}

/** Replace known `{{field}}`s with their values in one pass (a value is never read as a template). */
export function substitute(template: string, values: Record<string, string>): string {
  const out: string[] = [];
  for (const line of template.split('\n')) {
    let known = 0;
    let filled = 0;
    const replaced = line.replace(PLACEHOLDER, (whole, name: string) => {
      if (!Object.hasOwn(values, name)) return whole;
      known++;
      const value = values[name]!;
      if (value !== '') filled++;
      return value;
    });
    if (known > 0 && filled === 0) continue;
    out.push(replaced);
  }
  return out.join('\n');
}

export interface RenderedTemplate {
  subject: string;
  text: string;
}

/** The template's subject and text: an admin's override, or the default. */
export async function templateSource(executor: Executor, key: string): Promise<RenderedTemplate & { edited: boolean }> {
  const definition = byKey.get(key);
  if (!definition) throw new Error(`Unknown e-mail template ${key}`);
  // The admin's version, kept by the mail module (its table; core only reads it).
  const override = await executor.selectFrom('mail_templates').select(['subject', 'text_body']).where('key', '=', key).executeTakeFirst();
  return override ? { subject: override.subject, text: override.text_body, edited: true } : { subject: definition.subject, text: definition.text, edited: false };
}

/**
 * Fill a template for sending; `executor` is the caller's transaction when there is one. Values
 * are kept on one line unless their field is `multiline`: a name typed with line breaks cannot
 * add lines of its own (a fake link, a fake signature) to someone else's e-mail.
 */
export async function renderTemplate<K extends TemplateKey>(executor: Executor, key: K, fields: Record<MailTemplates[K], string>): Promise<RenderedTemplate> {
  const source = await templateSource(executor, key);
  const definition = byKey.get(key)!;
  return fillTemplate(source, Object.fromEntries(Object.entries<string>(fields).map(([k, v]) => [k, definition.fields[k]?.multiline ? v : oneLine(v)])));
}

/** Line breaks of every kind (and the spaces around them) become one space. */
const oneLine = (value: string) => value.replace(/\s*[\r\n\v\f\u0085\u2028\u2029]+\s*/g, ' ');

export function fillTemplate(source: RenderedTemplate, fields: Record<string, string>): RenderedTemplate {
  // A subject is one line: a value with line breaks (a reason typed by an admin) must not break it.
  const flat = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, oneLine(v)]));
  return { subject: substitute(source.subject, flat).trim(), text: substitute(source.text.replace(/\r\n?/g, '\n'), fields) };
}

/** The values a preview shows. */
export function sampleValues(definition: TemplateDefinition): Record<string, string> {
  return Object.fromEntries(Object.entries(definition.fields).map(([k, f]) => [k, f.sample]));
}
