/** Calendar arithmetic in the association's time zone (dates are stored as UTC instants). */

/** Building a formatter costs far more than using one (a CSV export of 10,000 members uses thousands): one per zone and kind. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: 'instant' | 'date', timeZone: string): Intl.DateTimeFormat {
  const key = `${kind} ${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f =
      kind === 'instant'
        ? new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
        : new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(key, f);
  }
  return f;
}

function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = formatter('instant', timeZone).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant at which a calendar day starts in a time zone. */
export function startOfDay(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - zoneOffsetMs(guess, timeZone);
  // Once more, in case the offset differs on either side of a daylight-saving change.
  return new Date(guess - zoneOffsetMs(first, timeZone));
}

/** Year, month (1–12) and day of an instant, as a calendar in the time zone shows it. */
export function calendarDate(instant: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = formatter('date', timeZone).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** The same calendar day one or more years later (29 February becomes 28 February). */
export function addYears(instant: Date, years: number, timeZone: string): Date {
  const { year, month, day } = calendarDate(instant, timeZone);
  const lastDay = new Date(Date.UTC(year + years, month, 0)).getUTCDate();
  const start = startOfDay(year + years, month, Math.min(day, lastDay), timeZone);
  return new Date(start.getTime() + (instant.getTime() - startOfDay(year, month, day, timeZone).getTime()));
}

// Calendar dates as people write them in files and forms

/** A calendar date written YYYY-MM-DD (or M/D/YYYY, as US spreadsheets do), or null when it is not a real date. */
export function parseCalendarDate(value: string): { year: number; month: number; day: number } | null {
  const v = value.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(v);
  let year: number, month: number, day: number;
  if (m) [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v))) [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else return null;
  if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  return { year, month, day };
}

/** The instant a written date starts in the association's zone (how renewal dates are stored). */
export function dateToInstant(value: string, timeZone: string): Date | null {
  const d = parseCalendarDate(value);
  return d ? startOfDay(d.year, d.month, d.day, timeZone) : null;
}

/** YYYY-MM-DD of an instant in the association's zone. */
export function isoDay(isoString: string, timeZone: string): string {
  const { year, month, day } = calendarDate(new Date(isoString), timeZone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The same time of the same calendar day, `months` later (31 January + 1 month is 28 or 29 February). */
export function addMonths(instant: Date, months: number, timeZone: string): Date {
  const { year, month, day } = calendarDate(instant, timeZone);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const mo = (index % 12) + 1;
  const lastDay = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const start = startOfDay(y, mo, Math.min(day, lastDay), timeZone);
  return new Date(start.getTime() + (instant.getTime() - startOfDay(year, month, day, timeZone).getTime()));
}
