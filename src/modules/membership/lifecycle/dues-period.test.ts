import { describe, expect, it } from 'vitest';
import { describeRenewal, duesPeriod, levelInput, type Level } from './levels.js';

/**
 * What a membership covers and costs, as the member and the admin see it on the invoice line
 * ("Agency membership dues, March 5, 2027 to December 31, 2027") and on the account page
 * ("paid through January 1, 2028"). Pure rules: no database, no server.
 */

const ZONE = 'America/Denver';

function level(overrides: Partial<Level> = {}): Level {
  return {
    id: 1,
    name: 'Individual',
    description: '',
    dues_cents: 5000,
    requires_approval: 0,
    renewal_policy: 'anniversary',
    renewal_month: null,
    renewal_day: null,
    prorate: 0,
    grace_days: 30,
    public_can_apply: 1,
    bundle_size: null,
    is_example: 0,
    position: 0,
    archived_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const everyJanuary1 = (overrides: Partial<Level> = {}) =>
  level({ name: 'Agency', dues_cents: 20000, renewal_policy: 'fixed_date', renewal_month: 1, renewal_day: 1, ...overrides });

/** The local date and time in Denver, as a person there reads it. */
function denver(instant: Date): string {
  return instant.toLocaleString('en-US', { timeZone: ZONE, year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}

/** An instant given as Denver local time ("2027-03-05 10:00"): MST is UTC−7, MDT is UTC−6. */
function at(local: string, offsetHours: 6 | 7): Date {
  return new Date(`${local.replace(' ', 'T')}:00.000-0${offsetHours}:00`);
}

describe('a level that renews on the anniversary of joining', () => {
  it('covers a member for one year from the moment they join, at the full dues', () => {
    const joined = at('2027-03-05 10:00', 7);
    const period = duesPeriod(level(), joined, ZONE);
    expect(period.periodStart).toEqual(joined);
    expect(denver(period.periodEnd)).toBe('March 5, 2028 at 10:00 AM');
    expect(period.amountCents).toBe(5000);
  });

  it('keeps the local time of day when the renewal falls on the other side of a daylight-saving change', () => {
    // Summer time starts on 14 March 2027 but on 12 March 2028: 13 March is winter time (UTC−7) in 2027, summer time (UTC−6) in 2028.
    const joined = at('2027-03-13 09:00', 7);
    const end = duesPeriod(level(), joined, ZONE).periodEnd;
    expect(denver(end)).toBe('March 13, 2028 at 9:00 AM');
    expect(end.toISOString()).toBe('2028-03-13T15:00:00.000Z');
  });

  it('gives a member who joins on 29 February a year ending on 28 February', () => {
    const joined = at('2028-02-29 12:00', 7);
    expect(denver(duesPeriod(level(), joined, ZONE).periodEnd)).toBe('February 28, 2029 at 12:00 PM');
  });

  it('counts the day of joining by the association’s calendar: 23:30 on 31 December in Denver is a 31 December join', () => {
    // 23:30 in Denver is 06:30 UTC on 1 January: the renewal is on 31 December of the next year, not 1 January.
    const joined = at('2027-12-31 23:30', 7);
    expect(joined.toISOString()).toBe('2028-01-01T06:30:00.000Z');
    expect(denver(duesPeriod(level(), joined, ZONE).periodEnd)).toBe('December 31, 2028 at 11:30 PM');
  });

  it('charges nothing for a level without dues and still covers a year', () => {
    const period = duesPeriod(level({ dues_cents: 0 }), at('2027-06-01 08:00', 6), ZONE);
    expect(period.amountCents).toBe(0);
    expect(denver(period.periodEnd)).toBe('June 1, 2028 at 8:00 AM');
  });
});

describe('a level that renews every 1 January', () => {
  it('covers a member who joins on 5 March until 1 January next year, at the full dues when not pro-rated', () => {
    const joined = at('2027-03-05 10:00', 7);
    const period = duesPeriod(everyJanuary1(), joined, ZONE);
    expect(period.periodStart).toEqual(joined);
    expect(denver(period.periodEnd)).toBe('January 1, 2028 at 12:00 AM');
    expect(period.amountCents).toBe(20000);
  });

  it('charges for the days left when pro-rated, counting the day of joining', () => {
    // 5 March to 1 January 2028: 302 days of 365.
    const period = duesPeriod(everyJanuary1({ prorate: 1 }), at('2027-03-05 10:00', 7), ZONE);
    expect(period.amountCents).toBe(Math.round((20000 * 302) / 365));
    expect(period.amountCents).toBe(16548);
  });

  it('charges a full year to a member who joins on the renewal date itself', () => {
    const period = duesPeriod(everyJanuary1({ prorate: 1 }), at('2027-01-01 00:00', 7), ZONE);
    expect(denver(period.periodEnd)).toBe('January 1, 2028 at 12:00 AM');
    expect(period.amountCents).toBe(20000);
  });

  it('charges one day to a member who joins on 31 December at 23:30 Denver time, and renews them the next morning', () => {
    // Already 1 January in UTC: the association's calendar, not UTC, decides.
    const period = duesPeriod(everyJanuary1({ prorate: 1 }), at('2027-12-31 23:30', 7), ZONE);
    expect(denver(period.periodEnd)).toBe('January 1, 2028 at 12:00 AM');
    expect(period.amountCents).toBe(Math.round(20000 / 365));
  });

  it('pro-rates over the 366 days of a year with a 29 February', () => {
    // 1 July 2027 to 1 July 2028 holds 29 February 2028: 1 March 2028 to 1 July 2028 is 122 days of 366.
    const period = duesPeriod(level({ dues_cents: 36600, renewal_policy: 'fixed_date', renewal_month: 7, renewal_day: 1, prorate: 1 }), at('2028-03-01 09:00', 7), ZONE);
    expect(denver(period.periodEnd)).toBe('July 1, 2028 at 12:00 AM');
    expect(period.amountCents).toBe(12200);
  });

  it('renews a member who joins after this year’s date on next year’s date', () => {
    const sept = level({ renewal_policy: 'fixed_date', renewal_month: 9, renewal_day: 1 });
    expect(denver(duesPeriod(sept, at('2027-08-31 12:00', 6), ZONE).periodEnd)).toBe('September 1, 2027 at 12:00 AM');
    expect(denver(duesPeriod(sept, at('2027-09-01 12:00', 6), ZONE).periodEnd)).toBe('September 1, 2028 at 12:00 AM');
  });

  it('starts the renewal day at local midnight whether the date is in summer or winter time', () => {
    const july = level({ renewal_policy: 'fixed_date', renewal_month: 7, renewal_day: 1 });
    expect(duesPeriod(july, at('2027-03-05 10:00', 7), ZONE).periodEnd.toISOString()).toBe('2027-07-01T06:00:00.000Z');
    expect(duesPeriod(everyJanuary1(), at('2027-03-05 10:00', 7), ZONE).periodEnd.toISOString()).toBe('2028-01-01T07:00:00.000Z');
  });

  it('follows on without a gap when a renewal starts on the renewal date', () => {
    const end = duesPeriod(everyJanuary1(), at('2027-03-05 10:00', 7), ZONE).periodEnd;
    const next = duesPeriod(everyJanuary1({ prorate: 1 }), end, ZONE);
    expect(next.periodStart).toEqual(end);
    expect(denver(next.periodEnd)).toBe('January 1, 2029 at 12:00 AM');
    expect(next.amountCents).toBe(20000);
  });
});

describe('how a level’s renewal is described to people', () => {
  it('names the yearly date, and says when the first year is pro-rated', () => {
    expect(describeRenewal(everyJanuary1())).toBe('Renews every January 1.');
    expect(describeRenewal(everyJanuary1({ prorate: 1 }))).toBe('Renews every January 1; the first year is pro-rated.');
    expect(describeRenewal(level({ renewal_policy: 'fixed_date', renewal_month: 10, renewal_day: 31 }))).toBe('Renews every October 31.');
    expect(describeRenewal(level())).toBe('Renews one year after joining.');
  });
});

describe('the level form’s rules for renewal dates and grace periods', () => {
  const form = (fields: Record<string, string>) =>
    levelInput.safeParse({ name: 'Agency', dues: '200', renewal_policy: 'fixed_date', renewal_month: '1', renewal_day: '1', grace_days: '30', ...fields });
  const errors = (fields: Record<string, string>) => {
    const parsed = form(fields);
    return parsed.success ? {} : Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message]));
  };

  it('accepts a fixed date and reads dues in dollars', () => {
    const parsed = form({});
    expect(parsed.success && parsed.data).toMatchObject({ dues: 20000, renewal_month: 1, renewal_day: 1, grace_days: 30, prorate: false });
  });

  it('refuses a day the month does not have, 29 February included (the date must come every year)', () => {
    expect(errors({ renewal_month: '4', renewal_day: '31' })).toEqual({ renewal_day: 'That month does not have that many days.' });
    expect(errors({ renewal_month: '2', renewal_day: '29' })).toEqual({ renewal_day: 'That month does not have that many days.' });
    expect(errors({ renewal_month: '2', renewal_day: '28' })).toEqual({});
    expect(errors({ renewal_month: '12', renewal_day: '31' })).toEqual({});
  });

  it('asks for the month and day of a fixed date, and not for an anniversary level', () => {
    expect(errors({ renewal_month: '', renewal_day: '' })).toEqual({
      renewal_month: 'Choose the month of the yearly renewal date.',
      renewal_day: 'Enter the day of the yearly renewal date.',
    });
    expect(errors({ renewal_policy: 'anniversary', renewal_month: '', renewal_day: '' })).toEqual({});
  });

  it('takes an empty grace period as none, and refuses one over a year', () => {
    const parsed = form({ grace_days: '' });
    expect(parsed.success && parsed.data.grace_days).toBe(0);
    expect(errors({ grace_days: '366' })).toEqual({ grace_days: 'Enter the grace period in days: a whole number from 0 to 365.' });
    expect(errors({ grace_days: '-1' })).toEqual({ grace_days: 'Enter the grace period in days: a whole number from 0 to 365.' });
  });
});
