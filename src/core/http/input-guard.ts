/**
 * Characters that have no place in text a person types: C0 controls other than tab, line feed
 * and carriage return, DEL, the C1 controls, lone UTF-16 surrogates and the noncharacters
 * U+FFFE/U+FFFF. PostgreSQL refuses NUL outright (a 500 if it reaches a query) and SQLite would
 * store any of them, so both dialects refuse them here, at the edge, the same way.
 * See docs/decisions/0024-input-at-the-edge.md.
 */
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
