import { describe, expect, it } from 'vitest';
import { addYears, calendarDate, startOfDay } from './time.js';

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
