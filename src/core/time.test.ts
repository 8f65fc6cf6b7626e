import { describe, expect, it } from 'vitest';
import { addMonths, addYears, calendarDate, dateToInstant, isoDay, parseCalendarDate, startOfDay } from './time.js';

describe('calendar arithmetic in a time zone', () => {
  it('finds the instant a day starts, on either side of a daylight-saving change', () => {
    expect(startOfDay(2026, 1, 15, 'America/Denver').toISOString()).toBe('2026-01-15T07:00:00.000Z');
    expect(startOfDay(2026, 7, 15, 'America/Denver').toISOString()).toBe('2026-07-15T06:00:00.000Z');
    // Each zone keeps its own answer when both are asked in turn.
    expect(startOfDay(2026, 7, 15, 'America/New_York').toISOString()).toBe('2026-07-15T04:00:00.000Z');
    expect(startOfDay(2026, 7, 15, 'America/Denver').toISOString()).toBe('2026-07-15T06:00:00.000Z');
  });

  it('reads the calendar day an instant falls on in the zone', () => {
    // 03:30 UTC on March 2 is still the evening of March 1 in Denver, but March 2 in London.
    const instant = new Date('2026-03-02T03:30:00.000Z');
    expect(calendarDate(instant, 'America/Denver')).toEqual({ year: 2026, month: 3, day: 1 });
    expect(calendarDate(instant, 'Europe/London')).toEqual({ year: 2026, month: 3, day: 2 });
  });

  it('adds years by the calendar, keeping the local time of day; 29 February becomes 28 February', () => {
    expect(addYears(new Date('2026-01-10T17:00:00.000Z'), 1, 'America/Denver').toISOString()).toBe('2027-01-10T17:00:00.000Z');
    // 10:00 in Denver on a leap day, to 10:00 on the last day of February a year later.
    expect(addYears(new Date('2028-02-29T17:00:00.000Z'), 1, 'America/Denver').toISOString()).toBe('2029-02-28T17:00:00.000Z');
  });
});

describe('adding months, as an admin extending a renewal date by hand does', () => {
  const Z = 'America/Denver';

  it('gives the last day of February for 31 January + 1 month, in a leap year and in another', () => {
    // Noon in Denver (UTC−7 in winter).
    expect(addMonths(new Date('2027-01-31T19:00:00.000Z'), 1, Z).toISOString()).toBe('2027-02-28T19:00:00.000Z');
    expect(addMonths(new Date('2028-01-31T19:00:00.000Z'), 1, Z).toISOString()).toBe('2028-02-29T19:00:00.000Z');
  });

  it('keeps the day when the target month has it, across year ends and backwards', () => {
    expect(isoDay(addMonths(new Date('2027-11-30T19:00:00.000Z'), 3, Z).toISOString(), Z)).toBe('2028-02-29');
    expect(isoDay(addMonths(new Date('2027-12-15T19:00:00.000Z'), 1, Z).toISOString(), Z)).toBe('2028-01-15');
    expect(isoDay(addMonths(new Date('2027-03-31T18:00:00.000Z'), -1, Z).toISOString(), Z)).toBe('2027-02-28');
    expect(isoDay(addMonths(new Date('2027-05-31T18:00:00.000Z'), 12, Z).toISOString(), Z)).toBe('2028-05-31');
  });

  it('keeps the local time of day across a daylight-saving change', () => {
    // 1 February 10:00 MST (UTC−7) + 2 months = 1 April 10:00 MDT (UTC−6).
    expect(addMonths(new Date('2027-02-01T17:00:00.000Z'), 2, Z).toISOString()).toBe('2027-04-01T16:00:00.000Z');
  });

  it('counts from the Denver calendar day, not the UTC one: 23:30 on 31 January + 1 month is 23:30 on 28 February', () => {
    // 23:30 in Denver on 31 January is 06:30 UTC on 1 February.
    expect(addMonths(new Date('2027-02-01T06:30:00.000Z'), 1, Z).toISOString()).toBe('2027-03-01T06:30:00.000Z');
  });
});

describe('calendar dates as people write them in files and forms', () => {
  it('reads YYYY-MM-DD and the M/D/YYYY of US spreadsheets', () => {
    expect(parseCalendarDate('2027-01-31')).toEqual({ year: 2027, month: 1, day: 31 });
    expect(parseCalendarDate(' 1/31/2027 ')).toEqual({ year: 2027, month: 1, day: 31 });
    expect(parseCalendarDate('2027-1-5')).toEqual({ year: 2027, month: 1, day: 5 });
  });

  it('refuses dates that do not exist, other orders and years out of range', () => {
    expect(parseCalendarDate('2027-02-29')).toBeNull();
    expect(parseCalendarDate('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
    expect(parseCalendarDate('2027-04-31')).toBeNull();
    expect(parseCalendarDate('2027-13-01')).toBeNull();
    expect(parseCalendarDate('31/01/2027')).toBeNull();
    expect(parseCalendarDate('31.01.2027')).toBeNull();
    expect(parseCalendarDate('1800-01-01')).toBeNull();
    expect(parseCalendarDate('next Tuesday')).toBeNull();
    expect(parseCalendarDate('')).toBeNull();
  });

  it('stores a written date as the start of that day in the association’s zone, winter or summer', () => {
    expect(dateToInstant('2027-01-31', 'America/Denver')?.toISOString()).toBe('2027-01-31T07:00:00.000Z');
    expect(dateToInstant('7/4/2027', 'America/Denver')?.toISOString()).toBe('2027-07-04T06:00:00.000Z');
    // The day summer time starts still starts at local midnight (the change is at 02:00).
    expect(dateToInstant('2027-03-14', 'America/Denver')?.toISOString()).toBe('2027-03-14T07:00:00.000Z');
    expect(dateToInstant('2027-02-30', 'America/Denver')).toBeNull();
  });

  it('writes an instant back as the Denver day it falls on', () => {
    expect(isoDay('2028-01-01T06:30:00.000Z', 'America/Denver')).toBe('2027-12-31');
    expect(isoDay('2028-01-01T07:00:00.000Z', 'America/Denver')).toBe('2028-01-01');
    expect(isoDay(dateToInstant('2027-11-07', 'America/Denver')!.toISOString(), 'America/Denver')).toBe('2027-11-07');
  });
});
