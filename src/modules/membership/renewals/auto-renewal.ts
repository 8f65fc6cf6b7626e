import type { Transaction } from 'kysely';
import { addMs, DAY, HOUR, iso, type Clock } from '#core/clock.js';
import type { Db } from '#core/db/index.js';
import type { DB } from '#core/db/schema.js';
import type { Jobs } from '#core/jobs/index.js';
import type { Mailer } from '#core/mail/index.js';
import { formatMoney } from '#core/money.js';
import { ok, refused, type Outcome } from '#core/result.js';
import type { SiteSettings, SiteState } from '#core/settings.js';
import { calendarDate, startOfDay } from '#core/time.js';
import { formatDate } from '#core/views/render.js';
import type { BillingService, CardSaved, InvoiceDetail } from '#modules/billing/index.js';
import type { StripePayments } from '#modules/billing/index.js';
import * as aq from './auto-renewal-queries.js';
import { chargeFailedMail, chargeNoticeMail } from './auto-renewal-emails.js';
import { duesPeriod, type Level } from '../lifecycle/index.js';
import { lifecycleQueries as q } from '../lifecycle/index.js';
import * as rq from './queries.js';

export const AUTO_RENEWAL_JOB = 'membership.auto-renewal';

declare module '#core/jobs/index.js' {
  interface JobPayloads {
    'membership.auto-renewal': null;
  }
}
/** The notice goes out this many days before the charge (and the charge never comes sooner). */
export const NOTICE_DAYS = 7;
/** Stripe keeps idempotency keys for at least a day: a charge unconfirmed after this is not retried. */
const UNCONFIRMED_AFTER_MS = 20 * HOUR;
const BATCH = 200;

type Due = { id: number; user_id: number; level_id: number; expires_at: string; name: string; email: string; level_name: string };

/** What the account page shows about automatic renewal. */
export interface AutoRenewalState {
  /** Whether the member can turn it on now (an active membership with dues to renew). */
  available: boolean;
  on: boolean;
  card: string | null;
  renewalDate: string | null;
  amountCents: number;
  /** When the announced charge will be made (after the notice went out). */
  chargeOn: string | null;
  /** Why this cycle's charge did not go through. */
  failed: string | null;
}

/**
 * When a cycle's charge is made, given the moment its notice goes out: on the renewal date, but
 * never before the start of the day 7 days after the notice, in the association's calendar.
 */
export function chargeDueAt(renewalDate: string, noticeAt: Date, timeZone: string): Date {
  const today = calendarDate(noticeAt, timeZone);
  const earliest = startOfDay(today.year, today.month, today.day + NOTICE_DAYS, timeZone);
  return new Date(Math.max(Date.parse(renewalDate), earliest.getTime()));
}

const sameInstant = (a: string | null, b: string) => a !== null && Date.parse(a) === Date.parse(b);

/** Another run named the cycle's invoice first: start over and use theirs. */
class NamedElsewhere extends Error {}

/**
 * Automatic renewal by card: the member's choice (`memberships.auto_renew`), a notice e-mailed
 * 7 days before each charge (one per cycle: `auto_renewals` is unique per membership and renewal
 * date), then the charge of the saved card for the cycle's renewal invoice, whose payment extends
 * the membership through `invoice.paid` like any other. Turning it off stops both.
 */
export class AutoRenewal {
  constructor(
    private db: Db,
    private clock: Clock,
    private state: SiteState,
    private billing: BillingService,
    private stripe: StripePayments,
    private mailer: Mailer,
    private jobs: Jobs,
    private options: { baseUrl: string },
  ) {
    jobs.register(AUTO_RENEWAL_JOB, () => this.run());
    jobs.every(AUTO_RENEWAL_JOB, HOUR);
  }

  private link = (path: string) => `${this.options.baseUrl}${path}`;

  private async amountFor(level: Level, expiresAt: string, timeZone: string) {
    return duesPeriod(level, new Date(expiresAt), timeZone).amountCents;
  }

  async forUser(userId: number): Promise<AutoRenewalState | null> {
    const membership = await q.findMembershipByUser(this.db, userId);
    if (!membership) return null;
    const [level, card, settings] = await Promise.all([q.findLevel(this.db, membership.level_id), this.stripe.savedCard(userId), this.state.getSettings()]);
    const expires = membership.expires_at;
    const cycle = expires ? await aq.cycleOf(this.db, membership.id, expires) : undefined;
    const amount = expires && level ? await this.amountFor(level, expires, settings.timeZone) : 0;
    const now = iso(this.clock.now());
    return {
      available: membership.status === 'active' && membership.bundle_id === null && expires !== null && amount > 0,
      on: membership.auto_renew === 1,
      card: card?.label ?? null,
      renewalDate: expires,
      amountCents: cycle?.amount_cents ?? amount,
      chargeOn: cycle?.status === 'notice_sent' ? (cycle.charge_due_at > now ? cycle.charge_due_at : now) : null,
      failed: cycle?.status === 'failed' ? cycle.detail : null,
    };
  }

  /** Turn it on: at once with a saved card, or after Stripe Checkout saves one (`redirect`). */
  async turnOn(user: { id: number; email: string; name: string }): Promise<Outcome<{ redirect: string | null }>> {
    const state = await this.forUser(user.id);
    if (!state?.available) return refused({ form: 'Automatic renewal can be turned on for an active membership with yearly dues.' });
    const card = await this.stripe.savedCard(user.id);
    if (!card) {
      const setup = await this.stripe.startCardSetup(user, { turnOnAutoRenew: true });
      return setup.ok ? ok({ redirect: setup.value.url }) : setup;
    }
    await this.db.transaction().execute((trx) => this.switchOn(trx, user.id, card.label, user.id));
    return ok({ redirect: null });
  }

  /** Save another card (Stripe Checkout in setup mode); automatic renewal stays as it is. */
  changeCard(user: { id: number; email: string; name: string }) {
    return this.stripe.startCardSetup(user, { turnOnAutoRenew: false });
  }

  async turnOff(userId: number): Promise<void> {
    const membership = await q.findMembershipByUser(this.db, userId);
    if (!membership) return;
    const now = iso(this.clock.now());
    await this.db.transaction().execute(async (trx) => {
      if (await q.setAutoRenew(trx, membership.id, false, now)) {
        await q.insertEvent(trx, { membership_id: membership.id, kind: 'auto_renew_off', detail: 'Automatic renewal turned off.', actor_user_id: userId, created_at: now });
      }
    });
  }

  private async switchOn(trx: Transaction<DB>, userId: number, card: string, actorUserId: number | null) {
    const membership = await q.findMembershipByUser(trx, userId);
    if (!membership) return;
    const now = iso(this.clock.now());
    if (await q.setAutoRenew(trx, membership.id, true, now)) {
      await q.insertEvent(trx, {
        membership_id: membership.id,
        kind: 'auto_renew_on',
        detail: `Automatic renewal turned on (${card}).`,
        actor_user_id: actorUserId,
        created_at: now,
      });
    }
  }

  /** Stripe saved a card (`card.saved`, in billing's transaction): turn automatic renewal on if that was the point. */
  async cardSaved(trx: Transaction<DB>, saved: CardSaved) {
    if (saved.turnOnAutoRenew) return this.switchOn(trx, saved.userId, saved.cardLabel, null);
    const membership = await q.findMembershipByUser(trx, saved.userId);
    if (membership) {
      await q.insertEvent(trx, {
        membership_id: membership.id,
        kind: 'card_saved',
        detail: `${saved.cardLabel} saved for automatic renewal.`,
        actor_user_id: null,
        created_at: iso(this.clock.now()),
      });
    }
  }

  // The recurring job

  async run(): Promise<void> {
    const now = this.clock.now();
    const settings = await this.state.getSettings();
    for (const due of await aq.dueForNotice(this.db, iso(addMs(now, NOTICE_DAYS * DAY)), BATCH)) await this.startCycle(due, now, settings);
    const problems: string[] = [];
    for (const due of await aq.dueForCharge(this.db, iso(now), BATCH)) {
      try {
        await this.charge(due, due.cycle_id, settings);
      } catch (err) {
        problems.push(`membership ${due.id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.jobs.kick();
    // Failed for the admins to see; the next run tries again (each charge has its idempotency key).
    if (problems.length) throw new Error(`Automatic renewal: ${problems.join('; ')}`);
  }

  /** The cycle's renewal invoice, if the renewals code (or an earlier run) issued one. */
  private async renewalInvoice(due: Due): Promise<InvoiceDetail | undefined> {
    const named = await rq.findRenewalInvoice(this.db, due.id, due.expires_at);
    if (named) return this.billing.get(named.invoice_id);
    const starting = new Set((await q.invoiceLinksOf(this.db, due.id)).filter((l) => sameInstant(l.period_start, due.expires_at)).map((l) => l.invoice_id));
    const open = (await this.billing.listForUser(due.user_id)).find((i) => starting.has(i.id) && i.status === 'unpaid');
    return open ? this.billing.get(open.id) : undefined;
  }

  /** The notice, once per cycle, with the date of the charge: never sooner than 7 days on. */
  private async startCycle(due: Due, now: Date, settings: SiteSettings) {
    const [card, level, invoice] = await Promise.all([this.stripe.savedCard(due.user_id), q.findLevel(this.db, due.level_id), this.renewalInvoice(due)]);
    const amount = invoice?.status === 'unpaid' ? invoice.balanceCents : await this.amountFor(level!, due.expires_at, settings.timeZone);
    const chargeDue = iso(chargeDueAt(due.expires_at, now, settings.timeZone));
    const at = iso(now);
    // Nothing to charge: the cycle is recorded anyway, so it is not looked at again every hour.
    const status = !card ? ('failed' as const) : amount <= 0 ? ('not_needed' as const) : ('notice_sent' as const);
    const detail = !card ? 'No card is saved for automatic renewal.' : amount <= 0 ? 'No dues to pay.' : '';
    await this.db.transaction().execute(async (trx) => {
      const started = await aq.insertCycle(trx, {
        membership_id: due.id,
        period_start: due.expires_at,
        amount_cents: Math.max(amount, 0),
        card_label: card?.label ?? '',
        notice_sent_at: at,
        charge_due_at: chargeDue,
        status,
        detail,
        created_at: at,
        updated_at: at,
      });
      if (!started || status !== 'notice_sent') return;
      const date = formatDate(chargeDue, settings.timeZone);
      await this.mailer.queue(
        trx,
        await chargeNoticeMail(trx, {
          to: due.email,
          name: due.name,
          site: settings.shortName,
          level: due.level_name,
          amount: formatMoney(amount),
          card: card!.label,
          date,
          link: this.link('/account'),
          contact: settings.contactEmail,
        }),
      );
      await q.insertEvent(trx, {
        membership_id: due.id,
        kind: 'auto_renewal_notice',
        detail: `Told the member that ${formatMoney(amount)} will be charged to their ${card!.label} on ${date}.`,
        actor_user_id: null,
        created_at: at,
      });
    });
  }

  private async issueRenewalInvoice(due: Due, settings: SiteSettings): Promise<number> {
    const membership = (await q.findMembership(this.db, due.id))!;
    const level = (await q.findLevel(this.db, due.level_id))!;
    const period = duesPeriod(level, new Date(due.expires_at), settings.timeZone);
    const billTo = [
      due.name,
      membership.organization,
      membership.address_line1,
      membership.address_line2,
      [membership.city, membership.region, membership.postal_code].filter(Boolean).join(' '),
    ]
      .filter(Boolean)
      .join('\n');
    const now = iso(this.clock.now());
    return this.db.transaction().execute(async (trx) => {
      const invoice = await this.billing.createInvoice(trx, {
        userId: due.user_id,
        billTo,
        lines: [
          {
            description: `${level.name} membership dues, ${formatDate(iso(period.periodStart), settings.timeZone)} to ${formatDate(iso(addMs(period.periodEnd, -1)), settings.timeZone)}`,
            quantity: 1,
            unitCents: period.amountCents,
          },
        ],
        dueAt: period.periodStart,
        actorUserId: null,
      });
      await q.linkInvoice(trx, { invoice_id: invoice.id, membership_id: due.id, period_start: period.periodStart, period_end: period.periodEnd });
      // Named as the cycle's renewal invoice, so the renewals code does not issue a second one.
      if (!(await rq.insertRenewalInvoice(trx, { membership_id: due.id, renewal_date: due.expires_at, invoice_id: invoice.id, now }))) throw new NamedElsewhere();
      return invoice.id;
    });
  }

  private async charge(due: Due, cycleId: number, settings: SiteSettings) {
    const cycle = await aq.findCycle(this.db, cycleId);
    if (!cycle || cycle.status !== 'notice_sent') return;
    const now = this.clock.now();
    if (cycle.attempted_at && now.getTime() - Date.parse(cycle.attempted_at) > UNCONFIRMED_AFTER_MS) {
      await this.fail(due, cycle, 'The charge was not confirmed by Stripe. Check the Stripe dashboard before charging again.', null, settings, { mail: false });
      throw new Error(`the charge for invoice id ${cycle.invoice_id} was not confirmed by Stripe within a day; check the Stripe dashboard`);
    }
    let invoice = await this.renewalInvoice(due);
    if (!invoice) {
      try {
        invoice = await this.billing.get(await this.issueRenewalInvoice(due, settings));
      } catch (err) {
        if (!(err instanceof NamedElsewhere)) throw err;
        invoice = await this.renewalInvoice(due);
      }
    }
    if (!invoice) throw new Error('no renewal invoice');
    if (invoice.status !== 'unpaid' || invoice.balanceCents <= 0) {
      await aq.updateOpenCycle(this.db, cycle.id, {
        status: 'not_needed',
        detail: `Invoice ${invoice.number} is ${invoice.status}.`,
        invoice_id: invoice.id,
        updated_at: iso(now),
      });
      return;
    }
    if (invoice.balanceCents > cycle.amount_cents) {
      const reason = `The amount due, ${formatMoney(invoice.balanceCents)}, is more than the ${formatMoney(cycle.amount_cents)} we told you about, so we did not charge it.`;
      return this.fail(due, cycle, reason, invoice, settings, { mail: true });
    }
    // Re-read just before charging: the member may have turned it off a moment ago.
    const membership = await q.findMembership(this.db, due.id);
    if (!membership?.auto_renew || membership.expires_at !== due.expires_at) return;
    await aq.updateOpenCycle(this.db, cycle.id, { invoice_id: invoice.id, attempted_at: cycle.attempted_at ?? iso(now), updated_at: iso(now) });

    const result = await this.stripe.chargeSavedCard({
      userId: due.user_id,
      invoiceId: invoice.id,
      amountCents: invoice.balanceCents,
      description: `${settings.shortName} membership renewal, invoice ${invoice.number}`,
      idempotencyKey: `auto-renewal-${due.id}-${Date.parse(due.expires_at)}-${invoice.id}`,
      reference: 'Stripe automatic renewal',
    });
    if (result.kind === 'no card') return this.fail(due, cycle, 'No card is saved for automatic renewal.', invoice, settings, { mail: true });
    if (result.kind === 'declined') return this.fail(due, cycle, result.message, invoice, settings, { mail: true, paymentIntentId: result.paymentIntentId });
    const at = iso(this.clock.now());
    if (!result.payment.ok) {
      const problem = Object.values(result.payment.errors).join(' ');
      await aq.updateOpenCycle(this.db, cycle.id, {
        status: 'failed',
        detail: `Charged (${result.paymentIntentId}) but not recorded: ${problem}`,
        payment_intent_id: result.paymentIntentId,
        updated_at: at,
      });
      throw new Error(
        `Stripe charged ${result.paymentIntentId} but billing refused it: ${problem} The payment's webhook refunds it by itself when the invoice was already paid or void; otherwise refund it from the Stripe dashboard.`,
      );
    }
    await this.db.transaction().execute(async (trx) => {
      if (await aq.updateOpenCycle(trx, cycle.id, { status: 'charged', payment_intent_id: result.paymentIntentId, updated_at: at })) {
        await q.insertEvent(trx, {
          membership_id: due.id,
          kind: 'auto_renewal_charged',
          detail: `Renewed automatically: ${formatMoney(invoice.balanceCents)} charged to ${cycle.card_label} (invoice ${invoice.number}).`,
          actor_user_id: null,
          created_at: at,
        });
      }
    });
  }

  private async fail(
    due: Due,
    cycle: aq.AutoRenewalRow,
    reason: string,
    invoice: InvoiceDetail | null,
    settings: SiteSettings,
    o: { mail: boolean; paymentIntentId?: string | null },
  ) {
    const at = iso(this.clock.now());
    await this.db.transaction().execute(async (trx) => {
      if (
        !(await aq.updateOpenCycle(trx, cycle.id, {
          status: 'failed',
          detail: reason,
          invoice_id: invoice?.id ?? cycle.invoice_id,
          payment_intent_id: o.paymentIntentId ?? null,
          updated_at: at,
        }))
      )
        return;
      await q.insertEvent(trx, {
        membership_id: due.id,
        kind: 'auto_renewal_failed',
        detail: `Automatic renewal did not go through: ${reason}`,
        actor_user_id: null,
        created_at: at,
      });
      if (o.mail) {
        // Off, so the card is not tried again and the ordinary renewal reminders reach the member.
        if (await q.setAutoRenew(trx, due.id, false, at)) {
          await q.insertEvent(trx, {
            membership_id: due.id,
            kind: 'auto_renew_off',
            detail: 'Automatic renewal turned off because the charge did not go through.',
            actor_user_id: null,
            created_at: at,
          });
        }
        await this.mailer.queue(
          trx,
          await chargeFailedMail(trx, {
            to: due.email,
            name: due.name,
            site: settings.shortName,
            amount: formatMoney(invoice?.balanceCents ?? cycle.amount_cents),
            card: cycle.card_label,
            reason,
            invoiceNumber: invoice?.number ?? null,
            link: this.link('/account'),
            contact: settings.contactEmail,
          }),
        );
      }
    });
  }
}
