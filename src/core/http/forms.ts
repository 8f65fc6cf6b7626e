import { z } from 'zod';
import type { FieldErrors } from '../views/forms.js';

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

/** Form text inputs: trimmed, with a clear message when empty or too long. */
export const text = (label: string, max = 200) =>
  z
    .string({ error: `Enter ${label}.` })
    .trim()
    .min(1, `Enter ${label}.`)
    .max(max, `Use at most ${max} characters for ${label}.`);

export const optionalText = (label: string, max = 500) =>
  z
    .string()
    .trim()
    .max(max, `Use at most ${max} characters for ${label}.`)
    .optional()
    .transform((v) => v ?? '');

export const email = () =>
  z
    .string({ error: 'Enter your e-mail address.' })
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
