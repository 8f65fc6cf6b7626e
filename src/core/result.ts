import type { FieldErrors } from './views/forms.js';

/** What a service returns when a rule refuses the input: messages keyed by form field. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const refused = <T = never>(errors: FieldErrors): Outcome<T> => ({ ok: false, errors });
