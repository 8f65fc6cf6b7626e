/**
 * Characters that have no place in text a person types: C0 controls other than tab, line feed
 * and carriage return, DEL, the C1 controls, lone UTF-16 surrogates and the noncharacters
 * U+FFFE/U+FFFF. PostgreSQL refuses NUL outright (a 500 if it reaches a query) and SQLite would
 * store any of them, so both dialects refuse them here, at the edge, the same way.
 * See docs/decisions/0024-input-at-the-edge.md.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's whole purpose
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasControlCharacter(value: string): boolean {
  return CONTROL.test(value);
}

/**
 * The name of the first field (or `where` for a plain string) holding a control character, in
 * any string nested in a value: form fields, repeated fields (arrays), JSON objects. Buffers
 * (uploaded files) are their consumers' business and are not looked into.
 */
export function findControlCharacter(value: unknown, where: string, depth = 0): string | null {
  if (typeof value === 'string') return hasControlCharacter(value) ? where : null;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || depth > 20) return null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findControlCharacter(item, where, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    // A field name is input too (multipart and JSON carry any name).
    if (hasControlCharacter(key)) return where;
    const found = findControlCharacter(item, depth === 0 ? key : where, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

const CONTROL_ALL = new RegExp(CONTROL.source, 'g');

/** The text with each control character shown as U+FFFD, for putting a refused field back on the page. */
export function markControlCharacters(value: string): string {
  return value.replace(CONTROL_ALL, '\uFFFD');
}

/** A form field held a control character and nothing refused it beside the field: a 400 (see http.tsx). */
export class ControlCharacterError extends Error {
  readonly statusCode = 400;
  readonly code = 'HW_CONTROL_CHARACTER';
  constructor(readonly field: string) {
    super(`The form field "${field}" contained a control character.`);
  }
}

const FLAGGED = Symbol('form fields with control characters');
interface Flagged {
  raw: Record<string, unknown>;
  fields: ReadonlySet<string>;
}

/**
 * The form fields of a body that hold control characters, when they are all plain top-level
 * fields (a string, or repeated strings) that a form could show an error beside; null when the
 * body has none, or has them where no form field could be blamed (a field's name, nested JSON,
 * the CSRF token).
 */
export function plainFieldsWithControlCharacters(body: Record<string, unknown>): Set<string> | null {
  const fields = new Set<string>();
  for (const [key, value] of Object.entries(body)) {
    const strings = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : null;
    if (hasControlCharacter(key)) return null;
    if (strings === null) {
      if (findControlCharacter(value, key) !== null) return null;
      continue;
    }
    if (strings.some(hasControlCharacter)) {
      if (key === '_csrf') return null;
      fields.add(key);
    }
  }
  return fields;
}

/**
 * The body a route sees when some of its form fields hold control characters: reading one of
 * those fields directly (or spreading, or serializing the body) throws ControlCharacterError, so
 * the value cannot reach a query; `parseForm` reads them through `flaggedFields` to refuse them
 * beside their fields instead.
 */
export function guardFields(body: Record<string, unknown>, fields: ReadonlySet<string>): Record<string, unknown> {
  const flagged: Flagged = { raw: body, fields };
  return new Proxy(body, {
    get(target, key, receiver) {
      if (key === FLAGGED) return flagged;
      if (typeof key === 'string' && fields.has(key)) throw new ControlCharacterError(key);
      return Reflect.get(target, key, receiver);
    },
  });
}

/** The original body and its flagged fields, when `guardFields` wrapped it. */
export function flaggedFields(body: unknown): Flagged | null {
  if (!body || typeof body !== 'object') return null;
  return ((body as { [FLAGGED]?: Flagged })[FLAGGED] ?? null) as Flagged | null;
}
