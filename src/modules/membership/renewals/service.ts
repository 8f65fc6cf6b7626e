import { z } from 'zod';
import type { Transaction } from 'kysely';
import { recordAudit, type Actor } from '#core/audit/index.js';
import { addMs, DAY, HOUR, iso, type Clock } from '#core/clock.js';
import type { Db } from '#core/db/index.js';
import type { Events } from '#core/events/index.js';
import type { DB } from '#core/db/schema.js';
import type { Jobs } from '#core/jobs/index.js';
import type { Mailer } from '#core/mail/index.js';
import { formatMoney } from '#core/money.js';
import { ok, refused, type Outcome } from '#core/result.js';
import type { SiteSettings, SiteState } from '#core/settings.js';
import { formatDate } from '#core/views/render.js';
import type { AccountsService } from '#modules/accounts/index.js';
import type { BillingService, InvoiceRow } from '#modules/billing/index.js';
import { duesInvoiceContent, duesPeriod, type Level } from '../lifecycle/index.js';
import { lifecycleQueries as q } from '../lifecycle/index.js';
import { changeStatus } from '../lifecycle/index.js';
import { lapsedMail, reminderMail } from './emails.js';
import * as rq from './queries.js';

/** By default: 30 and 7 days before the renewal date, on the day, and 7 days after. */
export const DEFAULT_REMINDER_DAYS = [-30, -7, 0, 7];
const REMINDER_DAYS_KEY = 'renewal_reminder_days';
const MAX_REMINDERS = 10;
const MAX_DAYS = 365;
/** Members may renew this many days before their renewal date at the latest (earlier if a reminder goes out earlier). */
const RENEWAL_WINDOW_DAYS = 30;
const JOB = 'membership.renewals';

declare module '#core/jobs/index.js' {
  interface JobPayloads {
    'membership.renewals': null;
  }
}

/** "-30, -7, 0, 7" → [-30, -7, 0, 7]: whole days, sorted, each once. */
export const reminderDaysInput = z.object({
  reminder_days: z.string({ error: 'Enter the days to send reminders, e.g. -30, -7, 0, 7.' }).transform((text, ctx) => {
    // A minus sign pasted from a word processor is a minus too.
    const parts = text
      .replace(/\u2212/g, '-')
      .split(/[,;\s]+/)
      .filter(Boolean);
    if (parts.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'Enter at least one day, e.g. -30, -7, 0, 7.' });
      return z.NEVER;
    }
    const days: number[] = [];
    for (const part of parts) {
      if (!/^[+-]?\d{1,4}$/.test(part)) {
        ctx.addIssue({ code: 'custom', message: `“${part.slice(0, 20)}” is not a number of days. Write whole numbers separated by commas, e.g. -30, -7, 0, 7.` });
        return z.NEVER;
      }
      const n = Number(part);
      if (Math.abs(n) > MAX_DAYS) {
        ctx.addIssue({ code: 'custom', message: `${n} is too far from the renewal date: use days from -${MAX_DAYS} to ${MAX_DAYS}.` });
        return z.NEVER;
      }
      if (!days.includes(n)) days.push(n);
    }
    if (days.length > MAX_REMINDERS) {
      ctx.addIssue({ code: 'custom', message: `Choose at most ${MAX_REMINDERS} reminders.` });
      return z.NEVER;
    }
    return days.sort((a, b) => a - b);
  }),
});

export const formatReminderDays = (days: number[]) => days.join(', ');

/** [-30, 0, 7] → "30 days before, on the renewal date, 7 days after". */
export function describeReminderDays(days: number[]): string {
  const one = (d: number) => (d === 0 ? 'on the renewal date' : `${Math.abs(d)} ${Math.abs(d) === 1 ? 'day' : 'days'} ${d < 0 ? 'before' : 'after'}`);
  return days.map(one).join(', ');
}

type Candidate = Awaited<ReturnType<typeof rq.activeRenewingBy>>[number];
type Membership = q.MembershipRow;
type User = { id: number; name: string; email: string };

/** Another run issued this cycle's invoice while we were issuing ours: roll back and look again. */
class CycleTaken extends Error {
  constructor() {
    super('The renewal invoice of this cycle was issued by another run.');
  }
}

interface Options {
  baseUrl: string;
}

/**
 * Renewals: reminders at the days admins choose, the renewal invoice of each cycle, "Renew now",
 * and lapsing after the grace period. A cycle is named by the membership's renewal date
 * (`expires_at`); it ends when a payment moves that date (MembershipService.invoicePaid).
 * Each reminder is a row with a unique key, written in the transaction that queues its e-mail,
 * so overlapping runs send it once.
 */
export class RenewalService {
  constructor(
    private db: Db,
    private clock: Clock,
    private state: SiteState,
    private accounts: AccountsService,
    private billing: BillingService,
    private mailer: Mailer,
    private jobs: Jobs,
    private events: Events,
    private options: Options,
  ) {
    jobs.register(JOB, async () => {
      await this.run();
    });
    jobs.every(JOB, HOUR);
  }

  private link = (path: string) => `${this.options.baseUrl}${path}`;

  // Settings

  async reminderDays(): Promise<number[]> {
    const stored = await this.state.getValue(REMINDER_DAYS_KEY);
    if (stored === undefined) return DEFAULT_REMINDER_DAYS;
    const parsed = reminderDaysInput.safeParse({ reminder_days: stored });
    return parsed.success ? parsed.data.reminder_days : DEFAULT_REMINDER_DAYS;
  }

  async saveReminderDays(days: number[], by?: Actor) {
    const before = formatReminderDays(await this.reminderDays());
    const after = formatReminderDays(days);
    await this.db.transaction().execute(async (trx) => {
      await this.state.setValue(trx, REMINDER_DAYS_KEY, after);
      if (before !== after) {
        await recordAudit(trx, by, iso(this.clock.now()), {
          action: 'renewals.reminders_changed',
          summary: 'Changed the days renewal reminders are sent',
          subject: { type: 'settings', label: 'Renewal reminders' },
          changes: [{ field: 'Reminder days', before, after }],
        });
      }
    });
  }

  // The recurring pass

  /**
   * Lapse, renew free levels, and send the reminders that are due; safe to run twice at once.
   * One member's failure (e.g. SQLite busy with another process) does not stop the others; the
   * run then fails as a whole, so the job is retried, and what was done is not done again.
   */
  async run(): Promise<{ reminded: number; lapsed: number; extended: number }> {
    const now = this.clock.now();
    const [settings, days] = await Promise.all([this.state.getSettings(), this.reminderDays()]);
    const done = { reminded: 0, lapsed: 0, extended: 0 };
    const failures: unknown[] = [];
    const attempt = async (work: () => Promise<boolean>, count: keyof typeof done) => {
      try {
        if (await work()) done[count] += 1;
      } catch (err) {
        failures.push(err);
      }
    };

    // First the renewal dates that have passed, so no one is reminded to pay after their lapse.
    for (const m of await rq.activeRenewingBy(this.db, iso(now))) {
      if (m.dues_cents === 0) await attempt(() => this.renewWithoutDues(m, now, settings), 'extended');
      else if (accessEnds(m) <= now.getTime()) await attempt(() => this.lapse(m, now, settings), 'lapsed');
    }

    const earliest = Math.min(...days);
    // Members who chose automatic renewal by card are told and charged by the auto-renewal job.
    const candidates = (await rq.activeRenewingBy(this.db, iso(addMs(now, -earliest * DAY)))).filter((m) => m.dues_cents > 0 && !m.auto_renew);
    const sent = await rq.remindersOf(
      this.db,
      candidates.map((m) => m.id),
    );
    for (const m of candidates) {
      const offset = reminderDue(m.expires_at, days, now);
      if (offset === null) continue;
      if (sent.some((s) => s.membership_id === m.id && s.offset_days === offset && sameInstant(s.renewal_date, m.expires_at))) continue;
      await attempt(() => this.remind(m, offset, now, settings), 'reminded');
    }
    if (done.reminded || done.lapsed) this.jobs.kick();
    if (failures.length)
      throw new AggregateError(
        failures,
        `Renewals: ${failures.length} member(s) failed (${String((failures[0] as Error)?.message ?? failures[0])}); done: ${JSON.stringify(done)}`,
      );
    return done;
  }

  private async remind(m: Candidate, offset: number, now: Date, settings: SiteSettings): Promise<boolean> {
    const [level, user] = await Promise.all([q.findLevel(this.db, m.level_id), this.accounts.getUser(m.user_id)]);
    if (!level || !user) return false;
    return retrying(async () => {
      const open = await this.openRenewalInvoice(m.id, m.user_id, m.expires_at);
      if (open.paid) return false;
      return this.db.transaction().execute(async (trx) => {
        const current = await q.findMembership(trx, m.id);
        if (!current || current.status !== 'active' || current.expires_at !== m.expires_at) return false;
        if (!(await rq.recordReminder(trx, { membership_id: m.id, renewal_date: m.expires_at, offset_days: offset, sent_at: iso(now) }))) return false;
        const invoice = open.invoice ?? (await this.issueRenewalInvoice(trx, current, level, user, open.cycle, now, settings.timeZone, null));
        await this.mailer.queue(
          trx,
          await reminderMail(trx, {
            to: user.email,
            name: user.name,
            site: settings.shortName,
            level: level.name,
            offsetDays: offset,
            renewalDate: formatDate(m.expires_at, settings.timeZone),
            accessUntil: formatDate(iso(new Date(accessEnds(m))), settings.timeZone),
            amount: formatMoney(invoice.total_cents),
            invoiceNumber: invoice.number,
            link: this.link('/account'),
            contact: settings.contactEmail,
          }),
        );
        await q.insertEvent(trx, {
          membership_id: m.id,
          kind: 'reminder_sent',
          detail: `Renewal reminder e-mailed (${describeReminderDays([offset])}).`,
          actor_user_id: null,
          created_at: iso(now),
        });
        return true;
      });
    });
  }

  private async lapse(m: Candidate, now: Date, settings: SiteSettings): Promise<boolean> {
    const [level, user] = await Promise.all([q.findLevel(this.db, m.level_id), this.accounts.getUser(m.user_id)]);
    if (!level || !user) return false;
    const open = await this.openRenewalInvoice(m.id, m.user_id, m.expires_at);
    const since = formatDate(iso(new Date(accessEnds(m))), settings.timeZone);
    return this.db.transaction().execute(async (trx) => {
      // Only if nothing changed it since it was read (a payment, another run).
      const lapsed = await changeStatus(trx, this.events, m.id, {
        from: ['active'],
        to: 'lapsed',
        whileExpiresAt: m.expires_at,
        history: { kind: 'lapsed', detail: `Lapsed: the renewal dues were not paid by the end of the grace period (${since}).`, actorUserId: null },
        event: { name: 'membership.lapsed', payload: { membershipId: m.id, userId: m.user_id, levelId: m.level_id, expiresAt: m.expires_at } },
        at: iso(now),
      });
      if (!lapsed) return false;
      await this.mailer.queue(
        trx,
        await lapsedMail(trx, {
          to: user.email,
          name: user.name,
          site: settings.shortName,
          level: level.name,
          since,
          open: open.invoice ? { amount: formatMoney(open.invoice.total_cents), invoiceNumber: open.invoice.number } : null,
          link: this.link('/account'),
          contact: settings.contactEmail,
        }),
      );
      return true;
    });
  }

  /** A level without dues renews by itself on its renewal date. */
  private async renewWithoutDues(m: Candidate, now: Date, settings: SiteSettings): Promise<boolean> {
    const level = await q.findLevel(this.db, m.level_id);
    if (!level) return false;
    let until = new Date(m.expires_at);
    for (let i = 0; i < 100 && until.getTime() <= now.getTime(); i++) until = duesPeriod(level, until, settings.timeZone).periodEnd;
    return this.db.transaction().execute(async (trx) => {
      // Active stays active with the date moved on, only if it is still the date that was read.
      return changeStatus(trx, this.events, m.id, {
        from: ['active'],
        to: 'active',
        set: { expires_at: iso(until) },
        whileExpiresAt: m.expires_at,
        history: { kind: 'renewed', detail: `Renewed until ${formatDate(iso(until), settings.timeZone)} (no dues).`, actorUserId: null },
        event: {
          name: 'membership.renewed',
          payload: { membershipId: m.id, userId: m.user_id, levelId: m.level_id, previousExpiresAt: m.expires_at, expiresAt: iso(until), invoiceId: null, actorUserId: null },
        },
        at: iso(now),
      });
    });
  }

  // The renewal invoice of a cycle

  /** The cycle's invoice if it is still open to pay; `paid` when the cycle is already paid. */
  private async openRenewalInvoice(membershipId: number, userId: number, renewalDate: string) {
    const cycle = await rq.findRenewalInvoice(this.db, membershipId, renewalDate);
    if (!cycle) return { cycle: undefined, invoice: undefined, paid: false };
    const invoice = (await this.billing.listForUser(userId)).find((i) => i.id === cycle.invoice_id);
    return { cycle, invoice: invoice?.status === 'unpaid' ? invoice : undefined, paid: invoice?.status === 'paid' };
  }

  /**
   * Issue the cycle's renewal invoice (or a new one in place of a void one). An active member's
   * next period follows on from the renewal date, so there is no gap; a lapsed member's starts
   * now (and, when paid, from the payment date: see MembershipService.invoicePaid).
   */
  private async issueRenewalInvoice(
    trx: Transaction<DB>,
    membership: Membership,
    level: Level,
    user: User,
    cycle: Awaited<ReturnType<typeof rq.findRenewalInvoice>>,
    now: Date,
    timeZone: string,
    actorUserId: number | null,
  ): Promise<InvoiceRow> {
    const renewalDate = membership.expires_at!;
    const start = membership.status === 'lapsed' ? now : new Date(renewalDate);
    const period = duesPeriod(level, start, timeZone);
    const { billTo, lines } = duesInvoiceContent(user, membership, level, period, timeZone, 'renewal');
    const invoice = await this.billing.createInvoice(trx, {
      userId: user.id,
      billTo,
      lines,
      dueAt: new Date(Math.max(new Date(renewalDate).getTime(), now.getTime())),
      actorUserId,
    });
    await q.linkInvoice(trx, { invoice_id: invoice.id, membership_id: membership.id, period_start: period.periodStart, period_end: period.periodEnd });
    const nowIso = iso(now);
    const claimed = cycle
      ? await rq.replaceRenewalInvoice(trx, cycle.id, cycle.invoice_id, invoice.id, nowIso)
      : await rq.insertRenewalInvoice(trx, { membership_id: membership.id, renewal_date: renewalDate, invoice_id: invoice.id, now: nowIso });
    if (!claimed) throw new CycleTaken();
    await q.insertEvent(trx, {
      membership_id: membership.id,
      kind: 'renewal_due',
      detail: `Renewal due ${formatDate(renewalDate, timeZone)}: invoice ${invoice.number} for ${formatMoney(invoice.total_cents)} issued.`,
      actor_user_id: actorUserId,
      created_at: nowIso,
    });
    return invoice;
  }

  // "Renew now"

  /** When a member may renew: lapsed, or within the renewal window of an active membership with dues. */
  async canRenew(membership: Pick<Membership, 'status' | 'expires_at'>, level: Pick<Level, 'dues_cents'>): Promise<boolean> {
    const opensAt = await this.renewalOpensAt(membership, level);
    return opensAt !== null && opensAt <= this.clock.now().getTime();
  }

  /** The moment renewing becomes possible, or null when it never does (no dues, not active or lapsed). */
  private async renewalOpensAt(membership: Pick<Membership, 'status' | 'expires_at'>, level: Pick<Level, 'dues_cents'>): Promise<number | null> {
    return renewalOpensAt(membership, level, await this.reminderDays());
  }

  /** The member pressed "Renew now": their open renewal invoice, issued now if there is none. */
  async renewNow(userId: number): Promise<Outcome<{ number: number; amountCents: number }>> {
    const now = this.clock.now();
    const [settings, user] = await Promise.all([this.state.getSettings(), this.accounts.getUser(userId)]);
    // Read again on each try: a payment may have moved the renewal date meanwhile.
    return retrying(async () => {
      const membership = await q.findMembershipByUser(this.db, userId);
      const level = membership && (await q.findLevel(this.db, membership.level_id));
      if (!membership || !level || !user) return refused({ form: 'You have no membership to renew. See “Become a member”.' });
      const opensAt = await this.renewalOpensAt(membership, level);
      if (opensAt === null) {
        return refused({
          form:
            level.dues_cents === 0 && membership.status === 'active'
              ? 'Your membership has no dues: it renews by itself.'
              : 'Your membership cannot be renewed here. Please contact the association.',
        });
      }
      if (opensAt > now.getTime()) {
        return refused({
          form: `Your membership is paid through ${formatDate(membership.expires_at!, settings.timeZone)}. You can renew from ${formatDate(iso(new Date(opensAt)), settings.timeZone)}.`,
        });
      }
      const open = await this.openRenewalInvoice(membership.id, userId, membership.expires_at!);
      if (open.paid) return refused({ form: 'Your renewal is already paid. Thank you!' });
      const invoice =
        open.invoice ??
        (await this.db.transaction().execute(async (trx) => {
          const locked = await q.findMembership(trx, membership.id);
          if (!locked || locked.status !== membership.status || locked.expires_at !== membership.expires_at) throw new CycleTaken();
          return this.issueRenewalInvoice(trx, locked, level, user, open.cycle, now, settings.timeZone, userId);
        }));
      return ok({ number: invoice.number, amountCents: invoice.total_cents });
    });
  }
}

// The rules of a renewal cycle, by themselves (no database, no clock): see renewal-rules.test.ts.

/** The moment members-only access ends if the renewal stays unpaid: the renewal date plus the grace period. */
export const accessEnds = (m: { expires_at: string; grace_days: number }) => new Date(m.expires_at).getTime() + m.grace_days * DAY;

/**
 * The reminder to send now for a renewal date (days before are negative), or null when none is due
 * yet. Only the latest reminder that is due: after a pause, one e-mail, not several.
 */
export function reminderDue(renewalDate: string, reminderDays: number[], now: Date): number | null {
  const renewal = new Date(renewalDate).getTime();
  const due = reminderDays.filter((d) => renewal + d * DAY <= now.getTime());
  return due.length === 0 ? null : Math.max(...due);
}

/**
 * The moment renewing becomes possible, or null when it never does (no dues, not active or lapsed):
 * at once when lapsed; for an active member, 30 days before the renewal date, or with the earliest
 * reminder when that goes out sooner.
 */
export function renewalOpensAt(membership: { status: string; expires_at: string | null }, level: { dues_cents: number }, reminderDays: number[]): number | null {
  if (level.dues_cents === 0 || !membership.expires_at) return null;
  if (membership.status === 'lapsed') return 0;
  if (membership.status !== 'active') return null;
  const window = Math.max(RENEWAL_WINDOW_DAYS, -Math.min(...reminderDays));
  return new Date(membership.expires_at).getTime() - window * DAY;
}

const sameInstant = (a: string, b: string) => new Date(a).getTime() === new Date(b).getTime();

/** Run `work` again when another run took the cycle's invoice first (it then finds that invoice). */
async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof CycleTaken) || attempt >= 3) throw err;
    }
  }
}
