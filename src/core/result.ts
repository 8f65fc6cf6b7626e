import type { FieldErrors } from './views/forms.js';

/**
 * Why a rule refused, for code to branch on (a status, a redirect, later an API's answer). The
 * sentences in `errors` are for people and may be reworded at any time: never compare them.
 * - `invalid`: the input or the action breaks a rule; the sentences say which (the default).
 * - `not_found`: what the request names does not exist, or no longer does.
 * - `already_done`: what was asked is already the case (a second click, two tabs).
 * - `rate_limited`: too many attempts or e-mails for now; the sentence says when to try again.
 * Add a code here when code needs to tell a refusal apart from the others.
 */
export type RefusalCode = 'invalid' | 'not_found' | 'already_done' | 'rate_limited';

export type Refused = { ok: false; code: RefusalCode; errors: FieldErrors };

/** What a service returns when a rule refuses: a code, and messages keyed by form field ('form' for the whole form). */
export type Outcome<T> = { ok: true; value: T } | Refused;

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const refused = <T = never>(errors: FieldErrors, code: RefusalCode = 'invalid'): Outcome<T> => ({ ok: false, code, errors });
