import { stringify } from 'csv-stringify/sync';
import { parseChanges, type Change } from '#core/audit/index.js';
import type { AuditFilters, AuditLog, AuditRow } from '#core/audit/queries.js';
import { startOfDay } from '#core/time.js';
import { formatDateTime } from '#core/views/render.js';

/** The kinds of action the log holds, by area, in the words the page uses. Unknown actions show as written. */
export const AUDIT_AREAS: { key: string; label: string; actions: Record<string, string> }[] = [
  {
    key: 'settings',
    label: 'Settings',
    actions: {
      'settings.changed': 'Settings changed',
      'renewals.reminders_changed': 'Renewal reminders changed',
      'mail.template_changed': 'E-mail template changed',
      'mail.template_restored': 'E-mail template restored',
      'field.created': 'Member field added',
      'field.changed': 'Member field changed',
      'field.removed': 'Member field removed',
    },
  },
  {
    key: 'roles',
    label: 'Roles',
    actions: {
      'admin.invited': 'Administrator invited',
      'admin.promoted': 'Member made an administrator',
    },
  },
  {
    key: 'money',
    label: 'Money',
    actions: {
      'invoice.payment': 'Payment recorded',
      'invoice.refund': 'Refund recorded',
      'invoice.void': 'Invoice voided',
      'level.created': 'Membership level added',
      'level.changed': 'Membership level changed',
    },
  },
  {
    key: 'members',
    label: "Members' data",
    actions: {
      'member.details_changed': 'Member details changed',
      'member.level_changed': 'Member level changed',
      'member.renewal_date_changed': 'Renewal date moved',
      'member.suspended': 'Member suspended',
      'member.reinstated': 'Member reinstated',
      'member.note_added': 'Note added',
      'application.approved': 'Application approved',
      'application.rejected': 'Application rejected',
      'bundle.person_added': 'Person added to an agency bundle',
      'bundle.person_removed': 'Person removed from an agency bundle',
      'members.imported': 'Members imported',
    },
  },
  {
    key: 'content',
    label: 'Pages and news',
    actions: {
      'page.created': 'Page added',
      'page.changed': 'Page changed',
      'page.deleted': 'Page deleted',
      'news.created': 'News post added',
      'news.changed': 'News post changed',
      'news.deleted': 'News post deleted',
    },
  },
];

const ACTION_LABELS = new Map(AUDIT_AREAS.flatMap((a) => Object.entries(a.actions)));
export const actionLabel = (action: string) => ACTION_LABELS.get(action) ?? action;

export const AUDIT_PER_PAGE = 50;

/** The page's filters as the query string says them (and as links and the CSV link repeat them). */
export interface AuditParams {
  /** `user:<id>`, `stripe`, or '' for anyone. */
  actor: string;
  /** `area:<key>`, an action, or '' for any. */
  kind: string;
  /** YYYY-MM-DD in the association's zone, as typed. */
  from: string;
  to: string;
  person: number | null;
  page: number;
}

export type AuditParamErrors = Partial<Record<'from' | 'to', string>>;

const str = (v: unknown, max = 100) => (typeof v === 'string' ? v.trim().slice(0, max) : '');
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dayStart(value: string, timeZone: string): Date | null {
  const m = DATE.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 2000 || year > 2200 || month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  return startOfDay(year, month, day, timeZone);
}

/**
 * Parse the query string into the page's settings and the log's filters. Anything malformed is
 * dropped (a bad date is said beside its field), never an error page.
 */
export function parseAuditParams(query: unknown, timeZone: string): { params: AuditParams; filters: AuditFilters; errors: AuditParamErrors } {
  const q = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const positive = (v: unknown) => {
    const n = typeof v === 'string' && /^\d{1,9}$/.test(v.trim()) ? Number(v) : NaN;
    return Number.isInteger(n) && n > 0 ? n : null;
  };
  const params: AuditParams = {
    actor: str(q.actor),
    kind: str(q.kind),
    from: str(q.from, 20),
    to: str(q.to, 20),
    person: positive(q.person),
    page: Math.min(positive(q.page) ?? 1, 100_000),
  };
  const filters: AuditFilters = {};
  const errors: AuditParamErrors = {};
  const userActor = /^user:(\d{1,9})$/.exec(params.actor);
  if (userActor) filters.actor = { kind: 'user', userId: Number(userActor[1]) };
  else if (params.actor === 'stripe') filters.actor = { kind: 'stripe' };
  else params.actor = '';
  const area = params.kind.startsWith('area:') ? AUDIT_AREAS.find((a) => `area:${a.key}` === params.kind) : undefined;
  if (area) filters.actions = Object.keys(area.actions);
  else if (ACTION_LABELS.has(params.kind)) filters.actions = [params.kind];
  else params.kind = '';
  if (params.from) {
    const start = dayStart(params.from, timeZone);
    if (start) filters.from = start.toISOString();
    else errors.from = 'Enter a date as YYYY-MM-DD, for example 2026-03-01.';
  }
  if (params.to) {
    const start = dayStart(params.to, timeZone);
    // Through the whole of that day in the association's zone.
    if (start) filters.until = nextDay(params.to, timeZone);
    else errors.to = 'Enter a date as YYYY-MM-DD, for example 2026-03-31.';
  }
  if (filters.from && filters.until && filters.from >= filters.until) errors.to = 'The end date is before the start date.';
  if (params.person !== null) filters.personUserId = params.person;
  return { params, filters, errors };
}

/** The instant the day after `value` starts (a day is not always 24 hours long). */
function nextDay(value: string, timeZone: string): string {
  const m = DATE.exec(value)!;
  const next = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1));
  return startOfDay(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone).toISOString();
}

export function auditQueryString(p: AuditParams, overrides: Partial<AuditParams> = {}): string {
  const v = { ...p, ...overrides };
  const qs = new URLSearchParams();
  if (v.actor) qs.set('actor', v.actor);
  if (v.kind) qs.set('kind', v.kind);
  if (v.from) qs.set('from', v.from);
  if (v.to) qs.set('to', v.to);
  if (v.person !== null) qs.set('person', String(v.person));
  if (v.page > 1) qs.set('page', String(v.page));
  const s = qs.toString();
  return s ? `?${s}` : '';
}

export const actorText = (r: Pick<AuditRow, 'actor_kind' | 'actor_name' | 'actor_email'>) => (r.actor_kind === 'stripe' ? 'Stripe' : `${r.actor_name} <${r.actor_email}>`);
export const changeText = (c: Change) => (c.hidden ? `${c.field}: changed` : `${c.field}: ${c.before || '(empty)'} → ${c.after || '(empty)'}`);

/** A cell a spreadsheet would run as a formula gets a leading apostrophe. */
const protect = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

/** The filtered log as a CSV file, newest first (with a byte-order mark, so Excel reads accents right). */
export async function auditCsv(log: AuditLog, filters: AuditFilters, timeZone: string): Promise<string> {
  const rows: string[][] = [];
  const chunk = 1000;
  for (let offset = 0; ; offset += chunk) {
    const page = await log.list(filters, chunk, offset);
    for (const r of page) {
      rows.push(
        [
          r.created_at,
          formatDateTime(r.created_at, timeZone),
          actorText(r),
          r.ip ?? '',
          actionLabel(r.action),
          r.summary,
          r.subject_label,
          r.person_name ?? '',
          parseChanges(r.changes).map(changeText).join('\n'),
        ].map(protect),
      );
    }
    if (page.length < chunk) break;
  }
  return stringify(rows, {
    header: true,
    columns: ['time_utc', 'time', 'who', 'from_address', 'action', 'summary', 'subject', 'member', 'changes'],
    bom: true,
    record_delimiter: 'windows',
    quoted_match: /[\r\n]/,
  });
}
