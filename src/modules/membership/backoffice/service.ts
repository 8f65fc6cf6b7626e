import { z } from 'zod';
import type { Actor, Change } from '#core/audit/index.js';
import { iso, type Clock } from '#core/clock.js';
import type { Db, Executor } from '#core/db/index.js';
import type { Events } from '#core/events/index.js';
import type { MembershipStatus } from '../tables.js';
import { email, formValues, optionalText, parseForm, text } from '#core/http/forms.js';
import type { Jobs } from '#core/jobs/index.js';
import { ok, refused, type Outcome } from '#core/result.js';
import type { SiteState } from '#core/settings.js';
import { addMonths, calendarDate, dateToInstant, isoDay, parseCalendarDate, startOfDay } from '#core/time.js';
import { formatDate } from '#core/views/render.js';
import type { AccountsService } from '#modules/accounts/index.js';
import { MemberImports } from '../imports/index.js';
import * as aq from './queries.js';
import { auditMember } from '../lifecycle/index.js';
import { checkLevelChange, checkReinstate, checkRenewalChange, followLevelChange } from '../bundles/index.js';
import { membersCsv } from '../imports/index.js';
import { displayValue, parseCustomFields, type FieldValue } from '../fields/index.js';
import { fieldQueries as fq } from '../fields/index.js';
import { lifecycleQueries as q } from '../lifecycle/index.js';
import { memberContactInput, STATUS_LABELS, type MembershipService } from '../lifecycle/index.js';
import { changeStatus } from '../lifecycle/index.js';

// The list's query string

const STATUSES = Object.keys(STATUS_LABELS) as [MembershipStatus, ...MembershipStatus[]];
const blankIsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const PER_PAGE = 50;

/** What the list's query string may hold; anything malformed is dropped, never an error page. */
const listQuery = z.object({
  status: z.preprocess(blankIsUnset, z.enum(STATUSES).optional()).catch(undefined),
  level: z
    .preprocess(
      blankIsUnset,
      z.coerce
        .number()
        .int()
        .positive()
        .max(2 ** 31 - 1)
        .optional(),
    )
    .catch(undefined),
  due: z.unknown().optional(),
  q: z.preprocess(blankIsUnset, z.string().trim().max(100).optional()).catch(undefined),
  field: z
    .preprocess(
      blankIsUnset,
      z.coerce
        .number()
        .int()
        .positive()
        .max(2 ** 31 - 1)
        .optional(),
    )
    .catch(undefined),
  value: z.preprocess(blankIsUnset, z.string().trim().max(200).optional()).catch(undefined),
  sort: z.enum(['name', 'renewal', 'joined']).catch('joined'),
  dir: z.enum(['asc', 'desc']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

/** The list's settings as the query string says them (and as links and the filter form repeat them). */
export interface ListParams {
  status: MembershipStatus | null;
  levelId: number | null;
  dueDays: number | null;
  search: string;
  /** A member field's id and the value it must have (as typed). */
  fieldId: number | null;
  fieldValue: string;
  sort: aq.MemberSort;
  dir: 'asc' | 'desc';
  page: number;
}

export const DEFAULT_DIR: Record<aq.MemberSort, 'asc' | 'desc'> = { name: 'asc', renewal: 'asc', joined: 'desc' };

/** Parse the query string; `dueError` says why a "due within" value was not used. */
export function parseListParams(query: unknown): { params: ListParams; dueError?: string; rawDue: string } {
  const parsed = listQuery.parse(query && typeof query === 'object' ? query : {});
  const rawDue = typeof parsed.due === 'string' ? parsed.due.trim() : '';
  let dueDays: number | null = null;
  let dueError: string | undefined;
  if (rawDue !== '') {
    if (/^\d{1,4}$/.test(rawDue) && Number(rawDue) <= 3660) dueDays = Number(rawDue);
    else dueError = 'Enter a number of days from 0 to 3660, for example 30.';
  }
  return {
    params: {
      status: parsed.status ?? null,
      levelId: parsed.level ?? null,
      dueDays,
      search: parsed.q ?? '',
      fieldId: parsed.field ?? null,
      fieldValue: parsed.value ?? '',
      sort: parsed.sort,
      dir: parsed.dir ?? DEFAULT_DIR[parsed.sort],
      page: parsed.page,
    },
    dueError,
    rawDue,
  };
}

/** The query string of a list (defaults left out), so filters survive paging, sorting and export. */
export function listQueryString(p: ListParams, overrides: Partial<ListParams> = {}): string {
  const v = { ...p, ...overrides };
  const qs = new URLSearchParams();
  if (v.status) qs.set('status', v.status);
  if (v.levelId) qs.set('level', String(v.levelId));
  if (v.dueDays !== null) qs.set('due', String(v.dueDays));
  if (v.search) qs.set('q', v.search);
  if (v.fieldId) qs.set('field', String(v.fieldId));
  if (v.fieldValue) qs.set('value', v.fieldValue);
  if (v.sort !== 'joined' || v.dir !== DEFAULT_DIR.joined) {
    qs.set('sort', v.sort);
    qs.set('dir', v.dir);
  }
  if (v.page > 1) qs.set('page', String(v.page));
  const s = qs.toString();
  return s ? `?${s}` : '';
}

// Forms on a member's page

export const detailsInput = z.object({
  name: text('the name', 120),
  email: email(),
  ...memberContactInput,
});
export type DetailsInput = z.output<typeof detailsInput>;

export const levelChangeInput = z.object({
  level_id: z.coerce
    .number({ error: 'Choose a level.' })
    .int('Choose a level.')
    .positive('Choose a level.')
    .max(2 ** 31 - 1, 'Choose a level.'),
});

export const renewalInput = z
  .object({
    renewal_date: z
      .string()
      .trim()
      .optional()
      .transform((v) => v ?? ''),
    months: z
      .string()
      .trim()
      .optional()
      .transform((v) => v ?? ''),
  })
  .superRefine((v, ctx) => {
    if (v.renewal_date === '' && v.months === '') ctx.addIssue({ code: 'custom', path: ['renewal_date'], message: 'Choose the new renewal date, or a number of months to add.' });
    if (v.renewal_date !== '' && !dateToInstant(v.renewal_date, 'UTC'))
      ctx.addIssue({ code: 'custom', path: ['renewal_date'], message: 'Enter a real date, for example 2027-06-30.' });
    if (v.months !== '' && !(/^\d{1,2}$/.test(v.months) && Number(v.months) >= 1 && Number(v.months) <= 60)) {
      ctx.addIssue({ code: 'custom', path: ['months'], message: 'Enter a whole number of months from 1 to 60.' });
    }
  })
  .transform((v) => (v.renewal_date !== '' ? { kind: 'date' as const, date: v.renewal_date } : { kind: 'months' as const, months: Number(v.months) }));

export const suspendInput = z.object({ suspend_reason: optionalText('the reason', 500) });
export const noteInput = z.object({ note: text('the note', 4000) });

const gone = <T>() => refused<T>({ form: 'This member no longer exists.' }, 'not_found');

/**
 * What admins do to members: find them (filters, sort, pages, CSV export), edit their details,
 * change level, move the renewal date, suspend and reinstate, add notes (each with a history
 * event naming the admin); and, through `imports`, add many at once from a CSV file.
 */
export class AdminMembersService {
  constructor(
    private db: Db,
    private clock: Clock,
    private state: SiteState,
    jobs: Jobs,
    private membership: MembershipService,
    private accounts: AccountsService,
    private events: Events,
  ) {
    this.imports = new MemberImports(db, clock, state, jobs, accounts);
  }

  /** Importing members from a CSV file (admin-imports.ts). */
  readonly imports: MemberImports;

  // Finding members

  private async filters(p: ListParams): Promise<aq.MemberFilters> {
    let due: aq.MemberFilters['due'] = null;
    if (p.dueDays !== null) {
      // From the start of today to the end of the Nth day after it, in the association's calendar.
      const { timeZone } = await this.state.getSettings();
      const today = calendarDate(this.clock.now(), timeZone);
      const from = startOfDay(today.year, today.month, today.day, timeZone);
      const last = new Date(Date.UTC(today.year, today.month - 1, today.day + p.dueDays + 1));
      due = { from: iso(from), before: iso(startOfDay(last.getUTCFullYear(), last.getUTCMonth() + 1, last.getUTCDate(), timeZone)) };
    }
    const { field } = await this.fieldFilter(p);
    return { status: p.status, levelId: p.levelId, due, search: p.search, field, sort: p.sort, dir: p.dir };
  }

  /** The member-field filter, when both a field and a value are given and the value suits the field. */
  private async fieldFilter(p: ListParams): Promise<{ field: aq.MemberFilters['field']; error?: string }> {
    if (!p.fieldId || !p.fieldValue) return { field: null, error: p.fieldId && !p.fieldValue ? 'Enter the value the field must have.' : undefined };
    const field = await fq.findField(this.db, p.fieldId);
    if (!field) return { field: null };
    let value = p.fieldValue;
    if (field.type === 'checkbox') {
      const word = value.toLowerCase();
      if (['yes', 'on', 'true', '1', 'ticked', 'checked'].includes(word)) value = 'on';
      else if (['no', 'off', 'false', '0', 'not ticked', 'unchecked'].includes(word)) value = 'off';
      else return { field: null, error: `“${field.label}” is a checkbox: enter yes or no.` };
    } else if (field.type === 'date') {
      const d = parseCalendarDate(value);
      if (!d) return { field: null, error: `“${field.label}” is a date: enter it as YYYY-MM-DD, for example 2026-03-15.` };
      value = `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
    }
    return { field: { id: field.id, type: field.type, value } };
  }

  async list(p: ListParams) {
    const f = await this.filters(p);
    const [total, { error: fieldError }, fields] = await Promise.all([aq.countMembers(this.db, f), this.fieldFilter(p), fq.listFields(this.db)]);
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    const page = Math.min(p.page, pages);
    const rows = await aq.searchMembers(this.db, f, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE });
    return { rows, total, page, pages, fields: fields.map((x) => ({ id: x.id, label: x.label, type: x.type })), fieldError };
  }

  /** The filtered list as CSV, and a file name with today's date. */
  async exportCsv(p: ListParams): Promise<{ csv: string; fileName: string }> {
    const [f, fields, settings] = await Promise.all([this.filters(p), fq.listFields(this.db), this.state.getSettings()]);
    // The member fields' values come from one more query with the same filters (no list of ids, however many members).
    const [rows, values] = await Promise.all([aq.exportMembers(this.db, f), fields.length ? aq.exportFieldValues(this.db, f) : []]);
    const byMembership = new Map<number, Map<number, string>>();
    for (const v of values) {
      if (!byMembership.has(v.membership_id)) byMembership.set(v.membership_id, new Map());
      byMembership.get(v.membership_id)!.set(v.field_id, v.value);
    }
    return {
      csv: membersCsv(rows, settings.timeZone, { fields, values: byMembership }),
      fileName: `members-${isoDay(iso(this.clock.now()), settings.timeZone)}.csv`,
    };
  }

  listLevels = () => q.listLevels(this.db);

  /** A member's page: the membership (membership/service.ts), with every member field and its stored values (admins see them all). */
  async detail(membershipId: number) {
    const detail = await this.membership.detail(membershipId);
    if (!detail) return null;
    const [fields, fieldValues] = await Promise.all([fq.listFields(this.db), fq.valuesFor(this.db, [membershipId])]);
    return { ...detail, fields, fieldValues };
  }

  // A member's page

  /** An audit log entry about this membership's person (named as they are now), in the transaction of the change. */
  private async audit(trx: Executor, by: Actor | undefined, now: string, m: q.MembershipRow, action: string, summary: (name: string) => string, changes: Change[]) {
    if (!by) return;
    const name = (await this.accounts.person(trx, m.user_id))?.name ?? `member ${m.id}`;
    await auditMember(trx, by, now, { membershipId: m.id, userId: m.user_id, name }, action, summary(name), changes);
  }

  private async withMembership<T>(membershipId: number, act: (m: q.MembershipRow, now: string) => Promise<Outcome<T>>): Promise<Outcome<T>> {
    const membership = await q.findMembership(this.db, membershipId);
    if (!membership) return gone<T>();
    return act(membership, iso(this.clock.now()));
  }

  /**
   * The "Edit details" form as submitted: the built-in details and every member field, checked
   * together (the member fields by the rules of the profile form, fields.ts), so all problems show
   * at once beside their fields.
   */
  async saveDetails(membershipId: number, body: unknown, actorUserId: number, by?: Actor): Promise<Outcome<null>> {
    const [fields, stored] = await Promise.all([fq.listFields(this.db), fq.valuesFor(this.db, [membershipId])]);
    const form = parseForm(detailsInput, body);
    const custom = parseCustomFields(fields, formValues(body), stored);
    if (!form.ok || 'errors' in custom) return refused({ ...(form.ok ? {} : form.errors), ...('errors' in custom ? custom.errors : {}) });
    return this.updateDetails(membershipId, form.data, actorUserId, custom.values, by);
  }

  /** Save a member's built-in details and (when given) member field values, with one history event naming what changed. */
  updateDetails(membershipId: number, input: DetailsInput, actorUserId: number, fieldValues: FieldValue[] = [], by?: Actor): Promise<Outcome<null>> {
    return this.withMembership(membershipId, async (m, now) => {
      const [user, fields, stored] = await Promise.all([this.accounts.person(this.db, m.user_id), fq.listFields(this.db), fq.valuesFor(this.db, [m.id])]);
      if (!user) return refused({ form: 'This member no longer exists.' }, 'not_found');
      const owner = (await this.accounts.findUserByEmail(input.email))?.id;
      const taken = refused<null>({ email: 'Another account already uses this e-mail address.' });
      if (owner !== undefined && owner !== m.user_id) return taken;
      const labels: [keyof DetailsInput, string][] = [
        ['name', 'name'],
        ['organization', 'organization'],
        ['job_title', 'job title'],
        ['phone', 'phone'],
        ['address_line1', 'address'],
        ['address_line2', 'address'],
        ['city', 'city'],
        ['region', 'state'],
        ['postal_code', 'ZIP code'],
      ];
      const before: DetailsInput = { ...m, name: user.name, email: user.email };
      const changed = [...new Set(labels.filter(([k]) => before[k] !== input[k]).map(([, label]) => label))];
      const emailChanged = user.email !== input.email;
      if (emailChanged) changed.push(`e-mail address (was ${user.email})`);
      // A member field changes when its value does; an unticked checkbox is the same as no answer.
      const storedValue = new Map(stored.map((v) => [v.field_id, v.value]));
      const same = (a: string, b: string, type: string) => a === b || (type === 'checkbox' && (a || 'off') === (b || 'off'));
      const fieldChanges = fieldValues.flatMap((v) => {
        const field = fields.find((f) => f.id === v.field_id);
        return field && !same(storedValue.get(v.field_id) ?? '', v.value, field.type) ? [{ value: v, label: field.label, type: field.type }] : [];
      });
      const AUDIT_LABELS: [keyof DetailsInput, string][] = [
        ['email', 'E-mail address'],
        ...labels.map(([k, label]): [keyof DetailsInput, string] => [
          k,
          k === 'address_line1' ? 'Address line 1' : k === 'address_line2' ? 'Address line 2' : label[0]!.toUpperCase() + label.slice(1),
        ]),
      ];
      const auditChanges: Change[] = [
        ...AUDIT_LABELS.filter(([k]) => before[k] !== input[k]).map(([k, field]) => ({ field, before: before[k], after: input[k] })),
        ...fieldChanges.map((c) => ({ field: c.label, before: displayValue(c.type, storedValue.get(c.value.field_id) ?? ''), after: displayValue(c.type, c.value.value) })),
      ];
      changed.push(...fieldChanges.map((c) => c.label));
      if (changed.length === 0) return ok(null);
      try {
        await this.db.transaction().execute(async (trx) => {
          await this.accounts.changeIdentity(trx, m.user_id, { name: input.name, email: input.email });
          const { name: _name, email: _email, ...membershipValues } = input;
          await q.updateMembership(trx, m.id, { ...membershipValues, updated_at: now });
          await fq.saveFieldValues(
            trx,
            m.id,
            fieldChanges.map((c) => c.value),
          );
          await q.insertEvent(trx, {
            membership_id: m.id,
            kind: 'details_changed',
            detail: `Details changed: ${changed.join(', ')}.`,
            actor_user_id: actorUserId,
            created_at: now,
          });
          await auditMember(
            trx,
            by,
            now,
            { membershipId: m.id, userId: m.user_id, name: input.name },
            'member.details_changed',
            `Changed the details of ${input.name}`,
            auditChanges,
          );
        });
      } catch (err) {
        // Two accounts given one address at the same moment: the unique e-mail decides.
        const owner = (await this.accounts.findUserByEmail(input.email))?.id;
        if (owner !== undefined && owner !== m.user_id) return taken;
        throw err;
      }
      return ok(null);
    });
  }

  changeLevel(membershipId: number, levelId: number, actorUserId: number, by?: Actor): Promise<Outcome<null>> {
    return this.withMembership(membershipId, async (m, now) => {
      const [from, to] = await Promise.all([q.findLevel(this.db, m.level_id), q.findLevel(this.db, levelId)]);
      if (!to || to.archived_at) return refused({ level_id: 'Choose one of the levels in the list.' });
      if (to.id === m.level_id) return refused({ level_id: `This member is already at the ${to.name} level.` });
      // Agency bundles (bundles.ts): a covered person's level is the agency's; a contact's people must fit the new level, and move with it or lose their coverage.
      return this.db.transaction().execute(async (trx): Promise<Outcome<null>> => {
        const allowed = await checkLevelChange(trx, m, to, now);
        if (!allowed.ok) return allowed;
        await q.updateMembership(trx, m.id, { level_id: to.id, updated_at: now });
        await q.insertEvent(trx, {
          membership_id: m.id,
          kind: 'level_changed',
          detail: `Level changed from ${from?.name ?? 'another level'} to ${to.name}.`,
          actor_user_id: actorUserId,
          created_at: now,
        });
        await followLevelChange(trx, m, to, actorUserId, now);
        await this.audit(trx, by, now, m, 'member.level_changed', (name) => `Changed the level of ${name}`, [{ field: 'Level', before: from?.name ?? '', after: to.name }]);
        return ok(null);
      });
    });
  }

  /** Move the renewal date to a date, or later by some months; a lapsed member whose date moves into the future is active again. */
  changeRenewalDate(membershipId: number, change: z.output<typeof renewalInput>, actorUserId: number, by?: Actor): Promise<Outcome<{ until: string; reactivated: boolean }>> {
    return this.withMembership(membershipId, async (m, now) => {
      const covered = await checkRenewalChange(this.db, m, change.kind === 'date' ? 'renewal_date' : 'months');
      if (!covered.ok) return covered;
      const { timeZone } = await this.state.getSettings();
      const nowDate = this.clock.now();
      const until = change.kind === 'date' ? dateToInstant(change.date, timeZone)! : addMonths(m.expires_at ? new Date(m.expires_at) : nowDate, change.months, timeZone);
      const show = (d: string) => formatDate(d, timeZone);
      const reactivated = m.status === 'lapsed' && until.getTime() > nowDate.getTime();
      const moved = m.expires_at ? `from ${show(m.expires_at)} to ${show(iso(until))}` : `to ${show(iso(until))}`;
      const detail =
        (change.kind === 'months' ? `Renewal date extended by ${change.months} month${change.months === 1 ? '' : 's'}, ${moved}.` : `Renewal date changed ${moved}.`) +
        (reactivated ? ' The membership is active again.' : '');
      const done = await this.db.transaction().execute(async (trx) => {
        if (reactivated) {
          // Lapsed → active with the new date, only if it is still lapsed.
          const changed = await changeStatus(trx, this.events, m.id, {
            from: ['lapsed'],
            to: 'active',
            set: { expires_at: iso(until) },
            history: { kind: 'renewal_date_changed', detail, actorUserId },
            event: {
              name: 'membership.renewed',
              payload: { membershipId: m.id, userId: m.user_id, levelId: m.level_id, previousExpiresAt: m.expires_at, expiresAt: iso(until), invoiceId: null, actorUserId },
            },
            at: now,
          });
          if (!changed) return false;
        } else {
          await q.updateMembership(trx, m.id, { expires_at: iso(until), updated_at: now });
          await q.insertEvent(trx, { membership_id: m.id, kind: 'renewal_date_changed', detail, actor_user_id: actorUserId, created_at: now });
        }
        await this.audit(trx, by, now, m, 'member.renewal_date_changed', (name) => `Moved the renewal date of ${name}`, [
          { field: 'Renewal date', before: m.expires_at ? show(m.expires_at) : '', after: show(iso(until)) },
          ...(reactivated ? [{ field: 'Status', before: STATUS_LABELS.lapsed, after: STATUS_LABELS.active }] : []),
        ]);
        return true;
      });
      if (!done) return refused({ form: 'This membership changed meanwhile: look again and retry.' });
      return ok({ until: iso(until), reactivated });
    });
  }

  suspend(membershipId: number, reason: string, actorUserId: number, by?: Actor): Promise<Outcome<null>> {
    return this.withMembership(membershipId, async (m, now) => {
      if (m.status === 'suspended') return refused({ form: 'This membership is already suspended.' });
      const done = await this.db.transaction().execute(async (trx) => {
        const changed = await changeStatus(trx, this.events, m.id, {
          from: [m.status],
          to: 'suspended',
          history: { kind: 'suspended', detail: reason ? `Suspended: ${reason}` : 'Suspended.', actorUserId },
          event: { name: 'membership.suspended', payload: { membershipId: m.id, userId: m.user_id, levelId: m.level_id, actorUserId } },
          at: now,
        });
        if (!changed) return false;
        await this.audit(trx, by, now, m, 'member.suspended', (name) => `Suspended ${name}`, [
          { field: 'Status', before: STATUS_LABELS[m.status], after: STATUS_LABELS.suspended },
          ...(reason ? [{ field: 'Reason', before: '', after: reason }] : []),
        ]);
        return true;
      });
      if (!done) return refused({ form: 'This membership changed meanwhile: look again and retry.' });
      return ok(null);
    });
  }

  /** Back to active; says whether members-only pages open again (they stay closed past the renewal date and grace period). */
  reinstate(membershipId: number, actorUserId: number, by?: Actor): Promise<Outcome<{ access: boolean }>> {
    return this.withMembership(membershipId, async (m, now) => {
      if (m.status !== 'suspended') return refused({ form: 'This membership is not suspended.' });
      const done = await this.db.transaction().execute(async (trx): Promise<Outcome<null>> => {
        // A person an agency covered goes back into its bundle only if there is room (bundles.ts).
        const room = await checkReinstate(trx, m, now);
        if (!room.ok) return room;
        const changed = await changeStatus(trx, this.events, m.id, {
          from: ['suspended'],
          to: 'active',
          history: { kind: 'reinstated', detail: 'Reinstated: the membership is active again.', actorUserId },
          event: { name: 'membership.reinstated', payload: { membershipId: m.id, userId: m.user_id, levelId: m.level_id, actorUserId } },
          at: now,
        });
        if (!changed) return refused({ form: 'This membership is not suspended.' });
        await this.audit(trx, by, now, m, 'member.reinstated', (name) => `Reinstated ${name}`, [{ field: 'Status', before: STATUS_LABELS.suspended, after: STATUS_LABELS.active }]);
        return ok(null);
      });
      if (!done.ok) return done;
      return ok({ access: await this.membership.hasAccess(m.user_id) });
    });
  }

  addNote(membershipId: number, note: string, actorUserId: number, by?: Actor): Promise<Outcome<null>> {
    return this.withMembership(membershipId, async (m, now) => {
      await this.db.transaction().execute(async (trx) => {
        await q.insertEvent(trx, { membership_id: m.id, kind: 'note', detail: note, actor_user_id: actorUserId, created_at: now });
        await this.audit(trx, by, now, m, 'member.note_added', (name) => `Added a note to the history of ${name}`, [{ field: 'Note', before: '', after: note }]);
      });
      return ok(null);
    });
  }
}
