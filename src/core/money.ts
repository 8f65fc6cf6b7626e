/**
 * Money is whole cents (integers) everywhere: in the database, in services, in arithmetic. It
 * becomes dollars only on screen and on paper (`formatMoney`), and comes back from a form through
 * `parseMoney`, which never goes through floating point.
 */

/** The largest amount one form may carry: $1,000,000.00. */
export const MAX_CENTS = 100_000_000;

const grouped = new Intl.NumberFormat('en-US', { useGrouping: true });

/** 123456 → "$1,234.56"; -500 → "-$5.00". */
export function formatMoney(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`Not a whole number of cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100);
  const rest = String(abs % 100).padStart(2, '0');
  return `${sign}$${grouped.format(dollars)}.${rest}`;
}

/** Cents as a form shows them for editing: 12500 → "125.00". */
export const centsToInput = (cents: number) => formatMoney(cents).replace(/[$,]/g, '');

/**
 * What a person types for an amount in dollars ("125", "125.5", "125.00", "$1,250.00") → cents,
 * exactly; null for anything else (negative, more than two decimals, not a number, above
 * MAX_CENTS, which also keeps it inside a PostgreSQL integer column).
 */
export function parseMoney(input: string): number | null {
  const value = input.trim().replace(/^\$\s*/, '');
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(value);
  if (!match) return null;
  const dollars = Number(match[1]!.replace(/,/g, ''));
  const cents = Number((match[2] ?? '').padEnd(2, '0'));
  const total = dollars * 100 + cents;
  return total <= MAX_CENTS ? total : null;
}
