import { z } from 'zod';
import type { FieldErrors } from '../views/forms.js';
import { hasControlCharacter } from './input-guard.js';

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors; values: Record<string, string> };

/** Plain string values of a submitted form, for putting back what the user typed. */
export function formValues(body: unknown): Record<string, string> {
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

/** Validate a form body with zod; on failure, one message per field and the input as typed. */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.output<S>> {
  const values = formValues(body);
  const result = schema.safeParse(values);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return { ok: false, errors, values };
}

/**
 * The message for an invisible control character in a field (decision 0024). The HTTP frame
 * refuses them for every route first; the form helpers below refuse them too, beside the field, for
 * input that reaches a form's schema another way (a service called from the command line, an
 * import, a test) and says which field.
 */
export const controlMessage = (label: string) =>
  `Remove the invisible control character from ${label} (it often comes with copied text): it cannot be stored.`;

/** A plain string that refuses control characters, for schemas built outside these helpers. */
export const plainString = (label: string, params?: Parameters<typeof z.string>[0]) =>
  z.string(params).refine((v) => !hasControlCharacter(v), controlMessage(label));

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
