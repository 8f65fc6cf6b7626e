import { z } from 'zod';
import { parseMoney } from '#core/money.js';
import { checkbox, optionalText, text } from '#core/http/forms.js';
import { addMs, iso } from '#core/clock.js';
import { addYears, calendarDate, startOfDay } from '#core/time.js';
import { formatDate } from '#core/views/render.js';
import type { MembershipLevelsTable } from '../tables.js';
import type { Selectable } from 'kysely';

export type Level = Selectable<MembershipLevelsTable>;

const wholeNumber = (label: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => v ?? '')
    .refine((v) => v === '' || (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max), `Enter ${label}: a whole number from ${min} to ${max}.`)
    .transform((v) => (v === '' ? null : Number(v)));

export const levelInput = z
  .object({
    name: text('a name', 80),
    description: optionalText('the description', 1000),
    dues: z
      .string({ error: 'Enter the yearly dues, e.g. 50.00.' })
      .refine((v) => parseMoney(v) !== null, 'Enter the yearly dues in dollars and cents, e.g. 50 or 50.00.')
      .transform((v) => parseMoney(v)!),
    requires_approval: checkbox(),
    renewal_policy: z.enum(['anniversary', 'fixed_date'], { error: 'Choose when memberships renew.' }),
    renewal_month: wholeNumber('the month of the renewal date', 1, 12),
    renewal_day: wholeNumber('the day of the renewal date', 1, 31),
    prorate: checkbox(),
    grace_days: wholeNumber('the grace period in days', 0, 365).transform((v) => v ?? 0),
    public_can_apply: checkbox(),
    bundle_size: wholeNumber('how many people the bundle covers', 2, 500),
  })
  .superRefine((v, ctx) => {
    if (v.renewal_policy !== 'fixed_date') return;
    if (v.renewal_month === null) ctx.addIssue({ code: 'custom', path: ['renewal_month'], message: 'Choose the month of the yearly renewal date.' });
    if (v.renewal_day === null) ctx.addIssue({ code: 'custom', path: ['renewal_day'], message: 'Enter the day of the yearly renewal date.' });
    if (v.renewal_month !== null && v.renewal_day !== null && v.renewal_day > new Date(Date.UTC(2001, v.renewal_month, 0)).getUTCDate()) {
      ctx.addIssue({ code: 'custom', path: ['renewal_day'], message: 'That month does not have that many days.' });
    }
  });
export type LevelInput = z.output<typeof levelInput>;

/** The starting levels of a new site: examples for the board to adjust (dues especially). */
export const EXAMPLE_LEVELS: (Omit<LevelInput, 'description'> & { description: string })[] = [
  {
    name: 'Individual',
    description: 'For a person working in industrial pretreatment: inspectors, coordinators, permit writers, samplers.',
    dues: 5000,
    requires_approval: false,
    renewal_policy: 'anniversary',
    renewal_month: null,
    renewal_day: null,
    prorate: false,
    grace_days: 30,
    public_can_apply: true,
    bundle_size: null,
  },
  {
    name: 'Agency',
    description: "One membership for a POTW's pretreatment staff: the contact adds the people it covers.",
    dues: 20000,
    requires_approval: true,
    renewal_policy: 'fixed_date',
    renewal_month: 1,
    renewal_day: 1,
    prorate: true,
    grace_days: 30,
    public_can_apply: true,
    bundle_size: 5,
  },
  {
    name: 'Associate',
    description: 'For consultants, laboratories and vendors who serve pretreatment programs.',
    dues: 7500,
    requires_approval: true,
    renewal_policy: 'anniversary',
    renewal_month: null,
    renewal_day: null,
    prorate: false,
    grace_days: 30,
    public_can_apply: true,
    bundle_size: null,
  },
  {
    name: 'Student or retired',
    description: 'For students in an environmental field and retired pretreatment professionals.',
    dues: 2000,
    requires_approval: true,
    renewal_policy: 'anniversary',
    renewal_month: null,
    renewal_day: null,
    prorate: false,
    grace_days: 30,
    public_can_apply: true,
    bundle_size: null,
  },
];

/** Days since the epoch of the calendar day an instant falls on, in the time zone. */
function dayNumber(instant: Date, timeZone: string): number {
  const { year, month, day } = calendarDate(instant, timeZone);
  return Date.UTC(year, month - 1, day) / 86_400_000;
}

/**
 * What joining (or renewing) at `start` costs and covers: a year from `start`, or up to the next
 * fixed renewal date (pro-rated by days when the level says so).
 */
export function duesPeriod(level: Level, start: Date, timeZone: string): { periodStart: Date; periodEnd: Date; amountCents: number } {
  if (level.renewal_policy === 'fixed_date' && level.renewal_month && level.renewal_day) {
    const { year } = calendarDate(start, timeZone);
    let end = startOfDay(year, level.renewal_month, level.renewal_day, timeZone);
    if (end.getTime() <= start.getTime()) end = startOfDay(year + 1, level.renewal_month, level.renewal_day, timeZone);
    // Pro-rated by whole days of the association's calendar, counting the day of joining.
    const days = (a: Date, b: Date) => Math.round(dayNumber(b, timeZone) - dayNumber(a, timeZone));
    const amountCents = level.prorate ? Math.round((level.dues_cents * days(start, end)) / days(addYears(end, -1, timeZone), end)) : level.dues_cents;
    return { periodStart: start, periodEnd: end, amountCents };
  }
  return { periodStart: start, periodEnd: addYears(start, 1, timeZone), amountCents: level.dues_cents };
}

export function describeRenewal(level: Pick<Level, 'renewal_policy' | 'renewal_month' | 'renewal_day' | 'prorate'>): string {
  if (level.renewal_policy === 'fixed_date' && level.renewal_month && level.renewal_day) {
    const date = new Date(Date.UTC(2001, level.renewal_month - 1, level.renewal_day)).toLocaleDateString('en-US', { month: 'long', day: 'numeric', timeZone: 'UTC' });
    return `Renews every ${date}${level.prorate ? '; the first year is pro-rated' : ''}.`;
  }
  return 'Renews one year after joining.';
}

/**
 * What a dues invoice says: who it is addressed to (the member's name, organization and mailing
 * address, empty lines left out) and its one line, "<level> membership dues|renewal, <first day>
 * to <last day>" at the period's price.
 */
export function duesInvoiceContent(
  member: { name: string },
  contact: { organization: string; address_line1: string; address_line2: string; city: string; region: string; postal_code: string },
  level: Pick<Level, 'name'>,
  period: { periodStart: Date; periodEnd: Date; amountCents: number },
  timeZone: string,
  kind: 'dues' | 'renewal',
) {
  const billTo = [member.name, contact.organization, contact.address_line1, contact.address_line2, [contact.city, contact.region, contact.postal_code].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join('\n');
  const first = formatDate(iso(period.periodStart), timeZone);
  const last = formatDate(iso(addMs(period.periodEnd, -1)), timeZone);
  return { billTo, lines: [{ description: `${level.name} membership ${kind}, ${first} to ${last}`, quantity: 1, unitCents: period.amountCents }] };
}
