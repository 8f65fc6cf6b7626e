import { z } from 'zod';
import type { FieldErrors } from '../views/forms.js';
import { ControlCharacterError, findControlCharacter, flaggedFields, hasControlCharacter, markControlCharacters } from './input-guard.js';

/** A form that fails its schema is refused as `invalid` (core/result.ts), so it mixes with a service's refusals. */
export type FormResult<T> = { ok: true; data: T } | { ok: false; code: 'invalid'; errors: FieldErrors; values: Record<string, string> };

/**
 * Plain string values of a submitted form, for putting back what the user typed. A control
 * character in a field refused at the edge is shown as U+FFFD, so the user sees where it was and
 * nothing that reads these values can store it.
 */
export function formValues(body: unknown): Record<string, string> {
  const flagged = flaggedFields(body);
  const values = stringValues(flagged ? flagged.raw : body);
  if (flagged) for (const field of flagged.fields) if (values[field] !== undefined) values[field] = markControlCharacters(values[field]);
  return values;
}

function stringValues(body: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) {
      if (k === '_csrf') continue;
      if (typeof v === 'string') values[k] = v;
      else if (Array.isArray(v) && typeof v[0] === 'string') values[k] = v[0];
    }
  }
  return values;
}

/**
 * Validate a form body with zod; on failure, one message per field and the input as typed. A
 * field with a control character (decision 0024) is refused by the schema (the helpers below do
 * it, beside the field); if the schema accepts the form with one in it, the whole form is
 * refused (400). A field outside the schema is left to its own parser (custom member fields).
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.output<S>> {
  const values = formValues(body);
  const flagged = flaggedFields(body);
  const result = schema.safeParse(flagged ? stringValues(flagged.raw) : values);
  if (result.success) {
    // The schema let a control character through (a field not checked as text, e.g. a password).
    if (flagged) {
      const field = findControlCharacter(result.data, 'form');
      if (field !== null) throw new ControlCharacterError(field === 'form' ? [...flagged.fields][0]! : field);
    }
    return { ok: true, data: result.data };
  }
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return { ok: false, code: 'invalid', errors, values };
}

/**
 * The message for an invisible control character in a field (decision 0024): the HTTP frame
 * hands a form field holding one to the form's schema, and these helpers refuse it beside the
 * field; input that reaches a schema another way (the command line, an import) is refused too.
 */
export const controlMessage = (label: string) => `Remove the invisible control character from ${label} (it often comes with copied text): it cannot be stored.`;

/** A plain string that refuses control characters, for schemas built outside these helpers. */
export const plainString = (label: string, params?: Parameters<typeof z.string>[0]) => z.string(params).refine((v) => !hasControlCharacter(v), controlMessage(label));

/** Form text inputs: trimmed, with a clear message when empty or too long. */
export const text = (label: string, max = 200) =>
  plainString(label, { error: `Enter ${label}.` })
    .trim()
    .min(1, `Enter ${label}.`)
    .max(max, `Use at most ${max} characters for ${label}.`);

export const optionalText = (label: string, max = 500) =>
  plainString(label)
    .trim()
    .max(max, `Use at most ${max} characters for ${label}.`)
    .optional()
    .transform((v) => v ?? '');

export const email = () =>
  plainString('the e-mail address', { error: 'Enter your e-mail address.' })
    .trim()
    .min(1, 'Enter an e-mail address.')
    .max(254, 'That e-mail address is too long.')
    .pipe(z.email('Enter an e-mail address in the form name@example.org.'))
    .transform((v) => v.toLowerCase());

export const checkbox = () =>
  z
    .string()
    .optional()
    .transform((v) => v === 'on' || v === 'true' || v === '1');
