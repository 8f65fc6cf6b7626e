import { z } from 'zod';
import { changesOf, recordAudit, type Actor } from '#core/audit/index.js';
import { iso, type Clock } from '#core/clock.js';
import type { Db, Executor } from '#core/db/index.js';
import { text } from '#core/http/forms.js';
import { ok, refused, type Outcome } from '#core/result.js';
import { deleteOverride, findOverride, listOverrideKeys, saveOverride } from './template-queries.js';
import {
  fillTemplate,
  missingRequired,
  sampleValues,
  templateDefinition,
  allTemplates,
  templateSource,
  unknownPlaceholders,
  type TemplateDefinition,
} from '#core/mail/templates.js';

export const SUBJECT_MAX = 200;
export const TEXT_MAX = 10_000;

export const templateInput = z.object({
  subject: text('the subject', SUBJECT_MAX).refine((v) => !/[\r\n]/.test(v), 'Keep the subject on one line.'),
  // Kept as typed (only line endings made plain): the spacing of a text e-mail is its layout.
  text: z
    .string({ error: 'Enter the text of the e-mail.' })
    .transform((v) => v.replace(/\r\n?/g, '\n').replace(/\s+$/, '') + '\n')
    .refine((v) => v.trim().length > 0, 'Enter the text of the e-mail.')
    .refine((v) => v.length <= TEXT_MAX, `Use at most ${TEXT_MAX} characters for the text.`),
});
export type TemplateInput = z.output<typeof templateInput>;

const listFields = (d: TemplateDefinition) =>
  Object.keys(d.fields)
    .map((f) => `{{${f}}}`)
    .join(', ');

/** The rules of the admins' e-mail templates: which exist, what an edit may contain, restoring a default. */
export class MailTemplateService {
  constructor(
    private db: Db,
    private clock: Clock,
  ) {}

  async list() {
    const edited = new Map((await listOverrideKeys(this.db)).map((r) => [r.key, r.updated_at]));
    return allTemplates().map((t) => ({ key: t.key, name: t.name, description: t.description, edited: edited.has(t.key) }));
  }

  /** The template as it is now, with a preview filled with sample values; undefined for an unknown key. */
  async get(key: string) {
    const definition = templateDefinition(key);
    if (!definition) return undefined;
    const source = await templateSource(this.db, key);
    const override = source.edited ? await findOverride(this.db, key) : undefined;
    return { definition, source, updatedAt: override?.updated_at ?? null, preview: this.preview(definition, source) };
  }

  preview(definition: TemplateDefinition, source: { subject: string; text: string }) {
    return fillTemplate(source, sampleValues(definition));
  }

  /** Check an edit: placeholders must be merge fields of this template, so a typo never reaches a member. */
  check(definition: TemplateDefinition, input: TemplateInput): Outcome<TemplateInput> {
    const names = Object.keys(definition.fields);
    const errors: Record<string, string> = {};
    for (const name of ['subject', 'text'] as const) {
      const unknown = unknownPlaceholders(input[name], names);
      if (unknown.length) {
        errors[name] = `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a merge field' : 'are not merge fields'} of this e-mail; available: ${listFields(definition)}.`;
      }
    }
    // A reset or set-up e-mail without its link would leave the person stuck.
    const missing = missingRequired(input.text, definition);
    if (missing.length) {
      const what = missing.map((f) => `{{${f}}} (${definition.fields[f]!.description})`).join(' and ');
      const needed = `Keep ${what} in the text: this e-mail is of no use without it.`;
      errors.text = errors.text ? `${errors.text} ${needed}` : needed;
    }
    return Object.keys(errors).length ? refused(errors) : ok(input);
  }

  async save(key: string, input: TemplateInput, actorUserId: number, by?: Actor): Promise<Outcome<null>> {
    const definition = templateDefinition(key);
    if (!definition) return refused({ form: 'There is no such e-mail template.' }, 'not_found');
    const checked = this.check(definition, input);
    if (!checked.ok) return checked;
    const now = iso(this.clock.now());
    await this.db.transaction().execute(async (trx) => {
      const before = await this.wording(trx, definition);
      // The default word for word is no edit: keep following the default as it changes.
      if (input.subject === definition.subject && input.text === definition.text) await deleteOverride(trx, key);
      else await saveOverride(trx, { key, subject: input.subject, text_body: input.text, updated_at: now, updated_by: actorUserId });
      const changes = changesOf(before, { subject: input.subject, text: input.text }, { subject: 'Subject', text: 'Text' });
      if (changes.length)
        await recordAudit(trx, by, now, {
          action: 'mail.template_changed',
          summary: `Changed the e-mail template “${definition.name}”`,
          subject: { type: 'mail_template', label: definition.name },
          changes,
        });
    });
    return ok(null);
  }

  async restoreDefault(key: string, by?: Actor): Promise<boolean> {
    const definition = templateDefinition(key);
    if (!definition) return false;
    const now = iso(this.clock.now());
    await this.db.transaction().execute(async (trx) => {
      const before = await this.wording(trx, definition);
      await deleteOverride(trx, key);
      const changes = changesOf(before, { subject: definition.subject, text: definition.text }, { subject: 'Subject', text: 'Text' });
      if (changes.length)
        await recordAudit(trx, by, now, {
          action: 'mail.template_restored',
          summary: `Restored the default wording of “${definition.name}”`,
          subject: { type: 'mail_template', label: definition.name },
          changes,
        });
    });
    return true;
  }

  /** The subject and text the template sends now: the admins' edit, or the default. */
  private async wording(executor: Executor, definition: TemplateDefinition) {
    const override = await findOverride(executor, definition.key);
    return override ? { subject: override.subject, text: override.text_body } : { subject: definition.subject, text: definition.text };
  }
}
