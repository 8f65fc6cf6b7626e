import { describe, expect, it } from 'vitest';
import { chargeDueAt } from './auto-renewal.js';
import { accessEnds, describeReminderDays, reminderDaysInput, reminderDue, renewalOpensAt } from './service.js';

/**
 * The rules of a renewal cycle by themselves (no database, no server): when reminders go out,
 * when "Renew now" opens, how long access lasts after the renewal date, and when an automatic
 * renewal is charged. Dates are in Denver, the association's zone.
 */

const ZONE = 'America/Denver';
/** 1 January 2028 at midnight in Denver. */
const RENEWAL = '2028-01-01T07:00:00.000Z';
const denverDay = (instant: Date | number) => new Date(instant).toLocaleDateString('en-US', { timeZone: ZONE, year: 'numeric', month: 'long', day: 'numeric' });
const denverTime = (instant: Date | number) =>
  new Date(instant).toLocaleString('en-US', { timeZone: ZONE, year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' });

describe('the grace period', () => {
  it('keeps members-only pages open for the level’s grace days after the renewal date', () => {
    expect(denverTime(accessEnds({ expires_at: RENEWAL, grace_days: 30 }))).toBe('January 31, 2028 at 12:00 AM');
    expect(accessEnds({ expires_at: RENEWAL, grace_days: 0 })).toBe(Date.parse(RENEWAL));
  });

  it('counts grace days as 24 hours each, so a grace period over the spring change ends at 1:00 AM local time', () => {
    // Renewal 1 March 2028 at midnight (MST); 30 days later is past the change to MDT on 12 March.
    expect(denverTime(accessEnds({ expires_at: '2028-03-01T07:00:00.000Z', grace_days: 30 }))).toBe('March 31, 2028 at 1:00 AM');
  });
});

describe('which renewal reminder is due', () => {
  const days = [-30, -7, 0, 7];

  it('sends nothing before the first reminder day', () => {
    expect(reminderDue(RENEWAL, days, new Date('2027-12-01T06:59:59.000Z'))).toBeNull();
  });

  it('sends the 30-days-before reminder from the moment it is due', () => {
    expect(reminderDue(RENEWAL, days, new Date('2027-12-02T07:00:00.000Z'))).toBe(-30);
  });

  it('sends only the latest reminder that is due after a pause: one e-mail, not several', () => {
    expect(reminderDue(RENEWAL, days, new Date('2028-01-03T12:00:00.000Z'))).toBe(0);
    expect(reminderDue(RENEWAL, days, new Date('2028-02-01T12:00:00.000Z'))).toBe(7);
  });
});

describe('when a member may press “Renew now”', () => {
  const active = { status: 'active', expires_at: RENEWAL };

  it('opens 30 days before the renewal date by default', () => {
    expect(denverTime(renewalOpensAt(active, { dues_cents: 5000 }, [-30, -7, 0, 7])!)).toBe('December 2, 2027 at 12:00 AM');
  });

  it('opens with the first reminder when that goes out sooner, and never later than 30 days before', () => {
    expect(denverDay(renewalOpensAt(active, { dues_cents: 5000 }, [-60, 0])!)).toBe('November 2, 2027');
    expect(denverDay(renewalOpensAt(active, { dues_cents: 5000 }, [-7, 0])!)).toBe('December 2, 2027');
  });

  it('is open at once to a lapsed member, and never to one without dues or not yet a member', () => {
    expect(renewalOpensAt({ status: 'lapsed', expires_at: RENEWAL }, { dues_cents: 5000 }, [0])).toBe(0);
    expect(renewalOpensAt(active, { dues_cents: 0 }, [0])).toBeNull();
    expect(renewalOpensAt({ status: 'pending_approval', expires_at: RENEWAL }, { dues_cents: 5000 }, [0])).toBeNull();
    expect(renewalOpensAt({ status: 'active', expires_at: null }, { dues_cents: 5000 }, [0])).toBeNull();
  });
});

describe('when an automatic renewal is charged', () => {
  it('charges on the renewal date when the notice went out more than 7 days before', () => {
    expect(chargeDueAt(RENEWAL, new Date('2027-12-01T17:00:00.000Z'), ZONE).toISOString()).toBe(RENEWAL);
  });

  it('charges no sooner than the start of the 7th day after the notice, in Denver’s calendar', () => {
    // Notice at 23:30 on 30 December in Denver (already 31 December in UTC): the charge is on 6 January, Denver midnight.
    const charge = chargeDueAt(RENEWAL, new Date('2027-12-31T06:30:00.000Z'), ZONE);
    expect(denverTime(charge)).toBe('January 6, 2028 at 12:00 AM');
  });

  it('counts the 7 days across a month end and a daylight-saving change', () => {
    // Notice on 8 March 2028 (MST); the 15th is in MDT: midnight there is 06:00 UTC.
    expect(chargeDueAt('2028-03-01T07:00:00.000Z', new Date('2028-03-08T20:00:00.000Z'), ZONE).toISOString()).toBe('2028-03-15T06:00:00.000Z');
    expect(denverDay(chargeDueAt('2028-01-31T07:00:00.000Z', new Date('2028-01-28T20:00:00.000Z'), ZONE))).toBe('February 4, 2028');
  });
});

describe('the reminder days an admin types', () => {
  const read = (text: string) => {
    const parsed = reminderDaysInput.safeParse({ reminder_days: text });
    return parsed.success ? parsed.data.reminder_days : parsed.error.issues.map((i) => i.message);
  };

  it('reads whole days in any order, once each, with a word processor’s minus sign', () => {
    expect(read('7, -30, 0, −7, 7')).toEqual([-30, -7, 0, 7]);
    expect(read('-14;0 3')).toEqual([-14, 0, 3]);
  });

  it('says what is wrong in words', () => {
    expect(read('')).toEqual(['Enter at least one day, e.g. -30, -7, 0, 7.']);
    expect(read('-30, two weeks')).toEqual(['“two” is not a number of days. Write whole numbers separated by commas, e.g. -30, -7, 0, 7.']);
    expect(read('-400')).toEqual(['-400 is too far from the renewal date: use days from -365 to 365.']);
    expect(read('1,2,3,4,5,6,7,8,9,10,11')).toEqual(['Choose at most 10 reminders.']);
  });

  it('describes them as the settings page shows them', () => {
    expect(describeReminderDays([-30, -1, 0, 7])).toBe('30 days before, 1 day before, on the renewal date, 7 days after');
  });
});
