import { z } from 'zod';
import type { Transaction } from 'kysely';
import { changesOf, recordAudit, type Actor } from '#core/audit/index.js';
import { chooseNewPassword, newPasswordSchema } from '#core/auth/passwords.js';
import type { Sessions } from '#core/auth/sessions.js';
import { addMs, DAY, iso, type Clock } from '#core/clock.js';
import type { Db, Executor } from '#core/db/index.js';
import type { Events } from '#core/events/index.js';
import type { DB } from '#core/db/schema.js';
import type { MembershipStatus } from '../tables.js';
import { email, optionalText, text } from '#core/http/forms.js';
import type { Jobs } from '#core/jobs/index.js';
import { networkKey, recipientQuota, takeQuota, type Mailer, type Quota } from '#core/mail/index.js';
import { formatMoney } from '#core/money.js';
import { ok, refused, type Outcome } from '#core/result.js';
import type { SiteState } from '#core/settings.js';
import { formatDate } from '#core/views/render.js';
import type { AccountsService } from '#modules/accounts/index.js';
import type { BillingService, InvoicePaid, InvoiceRow } from '#modules/billing/index.js';
import { activatedMail, applicationReceivedMail, approvedMail, invoiceMail, joinAttemptMail, rejectedMail } from './emails.js';
import { duesInvoiceContent, duesPeriod, EXAMPLE_LEVELS, type Level, type LevelInput } from './levels.js';
import { bundleQueries as bq } from '../bundles/index.js';
import { auditMember } from './audit.js';
import * as q from './queries.js';
import { changeStatus } from './status.js';
import type { FieldValue } from '../fields/index.js';
import { containsWebAddress, nameText, WEB_ADDRESS_IN_NAME } from './names.js';
import { saveFieldValues, valuesFor } from '../fields/index.js';

/**
 * A member's built-in contact details as every form takes them (the application, the profile, the
 * admin's edit of a member): one set of limits and messages.
 */
export const memberContactInput = {
  organization: optionalText('the organization', 150),
  job_title: optionalText('the job title', 120),
  phone: optionalText('the phone number', 40),
  address_line1: optionalText('the address', 150),
  address_line2: optionalText('the address', 150),
  city: optionalText('the city', 80),
  region: optionalText('the state', 80),
  postal_code: optionalText('the ZIP code', 20),
};

/**
 * The same on the forms of the public and of members (the application, the profile): a name and
 * an organization reach other people's e-mail, so neither may carry a web or e-mail address. An
 * admin's edit of a member keeps `memberContactInput`: admins are trusted with their members'
 * records, and an agency whose legal name is a domain can still be entered there.
 */
export const publicContactInput = {
  ...memberContactInput,
  organization: memberContactInput.organization.refine((v) => !containsWebAddress(v), WEB_ADDRESS_IN_NAME),
};

export const applicationInput = z
  .object({
    name: nameText('your full name'),
    email: email(),
    password: newPasswordSchema,
    confirm: z.string().optional(),
    ...publicContactInput,
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The two passwords are not the same. Type the password again.' });
export type ApplicationInput = z.output<typeof applicationInput>;

/** The application of someone logged in (`applyAgain`): their account's address and password are known already. */
export const reapplicationInput = z.object({ name: nameText('your full name'), ...publicContactInput });
export type ReapplicationInput = z.output<typeof reapplicationInput>;

export const rejectInput = z.object({ reason: text('the reason the applicant will read', 2000) });

/** What a status means, in the words shown to members and admins. */
const LEVEL_LABELS: Partial<Record<keyof Level, string>> = {
  name: 'Name',
  description: 'Description',
  dues_cents: 'Yearly dues',
  requires_approval: 'Applications need approval',
  renewal_policy: 'Renewal',
  renewal_month: 'Renewal month',
  renewal_day: 'Renewal day',
  prorate: 'Pro-rated',
  grace_days: 'Grace period (days)',
  public_can_apply: 'Anyone can apply',
  bundle_size: 'People an agency bundle covers',
};
const yesNo = (v: unknown) => (v === undefined || v === null ? '' : v ? 'yes' : 'no');
const LEVEL_FORMATS = {
  dues_cents: (v: unknown) => (typeof v === 'number' ? formatMoney(v) : ''),
  requires_approval: yesNo,
  prorate: yesNo,
  public_can_apply: yesNo,
  renewal_policy: (v: unknown) => (v === 'fixed_date' ? 'on a fixed date' : v === 'anniversary' ? 'a year after joining' : ''),
};

export const STATUS_LABELS: Record<MembershipStatus, string> = {
  pending_verification: 'Waiting for e-mail confirmation',
  pending_approval: 'Waiting for approval',
  awaiting_payment: 'Waiting for payment',
  active: 'Active',
  lapsed: 'Lapsed',
  cancelled: 'Cancelled',
  rejected: 'Not approved',
  suspended: 'Suspended',
};

/**
 * A logged-in person may apply from /join when they have no membership, or theirs is one of these:
 * an application not approved, or a membership that ended (an agency's coverage, or cancelled).
 * Every other status is a live membership, handled from the account page (a lapsed one renews there).
 */
export const MAY_APPLY_AGAIN: readonly MembershipStatus[] = ['rejected', 'cancelled'];

/** What a logged-in person with a live membership reads on /join/:id instead of the application. */
export function liveMembershipMessage(m: { status: MembershipStatus; bundle_id: number | null }): string {
  switch (m.status) {
    case 'pending_verification':
      return 'You have already applied: confirm your e-mail address with the link we sent you. Your application is on your account page.';
    case 'pending_approval':
      return 'You have already applied, and the board is reviewing your application. Follow it on your account page.';
    case 'awaiting_payment':
      return 'You have already applied: your membership starts when your dues are paid. Your invoice is on your account page.';
    case 'lapsed':
      return 'Your membership has lapsed. You do not need to apply again: renew from your account page.';
    case 'suspended':
      return "Your membership is suspended, so you cannot apply for another one. Please contact the association's office; your membership is on your account page.";
    default:
      return m.bundle_id !== null
        ? "You are already a member through your agency's membership; it is on your account page. If your agency no longer covers you, ask its contact to remove you, then apply here."
        : 'You are already a member. Your membership and its renewal are on your account page.';
  }
}

interface Options {
  baseUrl: string;
}

/** E-mails a day that applications from one network address may make the site send (decision 0025). */
export const APPLICATIONS_PER_NETWORK_ADDRESS = 20;
const senderQuota = (ip: string): Quota => ({ key: `ip:${networkKey(ip)}`, max: APPLICATIONS_PER_NETWORK_ADDRESS, windowMs: DAY });
/** A signed-in person's own confirmation links: their own count, so strangers' applications with their address cannot use it up. */
const ownLinkQuota = (userId: number): Quota => ({ key: `own:${userId}`, max: 3, windowMs: DAY });

/** The application form's answer past the sender's quota: it says nothing about the address typed. */
export const TOO_MANY_APPLICATIONS =
  "Many applications have come from your network today, so we cannot take another one now. Please try again tomorrow, or write to the association's office.";

/**
 * The member lifecycle: levels, applications (apply → confirm e-mail → approval and/or payment →
 * active), and the history of every status change. Invoices and payments belong to billing; this
 * service asks billing for a dues invoice and hears back when one is paid.
 */
export class MembershipService {
  constructor(
    private db: Db,
    private clock: Clock,
    private state: SiteState,
    private accounts: AccountsService,
    private billing: BillingService,
    private mailer: Mailer,
    private jobs: Jobs,
    private sessions: Sessions,
    private events: Events,
    private options: Options,
  ) {}

  private link = (path: string) => `${this.options.baseUrl}${path}`;

  // Levels

  listLevels = () => q.listLevels(this.db);
  getLevel = (id: number) => q.findLevel(this.db, id);

  async publicLevels() {
    return (await q.listLevels(this.db)).filter((l) => l.public_can_apply === 1);
  }

  async seedLevelsIfEmpty() {
    if ((await q.countLevels(this.db)) > 0) return;
    const now = iso(this.clock.now());
    await this.db.transaction().execute(async (trx) => {
      let position = 1;
      for (const level of EXAMPLE_LEVELS) await q.insertLevel(trx, level, { is_example: 1, position: position++, now });
    });
  }

  async saveLevel(id: number | null, input: LevelInput, by?: Actor): Promise<Outcome<number>> {
    const clash = await q.findLevelByName(this.db, input.name);
    if (clash && clash.id !== id) return refused({ name: `There is already a level called “${input.name}”.` });
    const now = iso(this.clock.now());
    const audit = (trx: Executor, levelId: number, before: Partial<Level>, action: string, summary: string) => {
      const changes = changesOf<Level>(before, q.levelValues(input), LEVEL_LABELS, { format: LEVEL_FORMATS });
      if (changes.length === 0) return Promise.resolve();
      return recordAudit(trx, by, now, { action, summary, subject: { type: 'level', id: levelId, label: input.name }, changes });
    };
    if (id === null) {
      const position = (await q.countLevels(this.db)) + 1;
      return ok(
        await this.db.transaction().execute(async (trx) => {
          const { id: created } = await q.insertLevel(trx, input, { is_example: 0, position, now });
          await audit(trx, created, {}, 'level.created', `Added the membership level ${input.name}`);
          return created;
        }),
      );
    }
    if (!(await q.findLevel(this.db, id))) return refused({ form: 'This level no longer exists.' }, 'not_found');
    // The agency memberships at this level must still fit: a smaller bundle, or none, would leave people covered beyond it.
    const covered = await bq.coveredAtLevel(this.db, id);
    if (input.bundle_size === null && covered.total > 0) {
      return refused({
        bundle_size: `Agency memberships at this level cover ${covered.total} ${covered.total === 1 ? 'person' : 'people'} besides their contacts. Remove them from their agencies, or move the agencies to another agency level, before the bundle is taken away.`,
      });
    }
    if (input.bundle_size !== null && covered.largest + 1 > input.bundle_size) {
      return refused({
        bundle_size: `An agency membership at this level covers ${covered.largest + 1} people, its contact included. Enter at least ${covered.largest + 1}, or remove people from that agency first.`,
      });
    }
    await this.db.transaction().execute(async (trx) => {
      const before = (await q.findLevel(trx, id))!;
      await q.updateLevel(trx, id, input, now);
      await audit(trx, id, before, 'level.changed', `Changed the membership level ${before.name}`);
    });
    return ok(id);
  }

  // Applications

  /**
   * Someone applies from the public form. The answer is the same whether or not the address has an
   * account (decision 0025): a new address gets an account and a confirmation link; an address
   * that has one gets a note telling its owner how to log in (or, for an application still to be
   * confirmed, a new confirmation link), and nothing else changes. Both paths hash the password,
   * so the time taken does not tell either. E-mails count against the address's and the sender's
   * quotas; past the sender's, the form asks to try later, past the address's, no e-mail goes.
   */
  async apply(level: Level, input: ApplicationInput, fieldValues: FieldValue[], meta: { ip: string }): Promise<Outcome<null>> {
    if (!level.public_can_apply || level.archived_at) return refused({ form: 'This membership level is not open for applications.' });
    const chosen = await chooseNewPassword(input.password, { email: input.email, name: input.name });
    if (!chosen.ok) return refused({ password: chosen.message });
    const passwordHash = chosen.hash;
    const existing = await this.accounts.findUserByEmail(input.email);
    if (existing) return this.tellOwner(existing.id, meta);
    const site = (await this.state.getSettings()).shortName;
    const now = this.clock.now();
    const at = iso(now);
    try {
      const result = await this.db.transaction().execute(async (trx): Promise<Outcome<null>> => {
        if (!(await takeQuota(trx, senderQuota(meta.ip), now))) return refused({ form: TOO_MANY_APPLICATIONS }, 'rate_limited');
        const userId = await this.accounts.createMemberAccount(trx, { email: input.email, name: input.name, passwordHash });
        const { id } = await q.insertMembership(
          trx,
          {
            user_id: userId,
            level_id: level.id,
            status: 'pending_verification',
            organization: input.organization,
            job_title: input.job_title,
            phone: input.phone,
            address_line1: input.address_line1,
            address_line2: input.address_line2,
            city: input.city,
            region: input.region,
            postal_code: input.postal_code,
          },
          at,
        );
        await q.insertEvent(trx, { membership_id: id, kind: 'applied', detail: `Applied for ${level.name}.`, actor_user_id: userId, created_at: at });
        await saveFieldValues(trx, id, fieldValues);
        const link = await this.accounts.createVerificationLink(trx, userId);
        if (await takeQuota(trx, recipientQuota(input.email), now)) {
          await this.mailer.queue(trx, await applicationReceivedMail(trx, { to: input.email, name: input.name, site, level: level.name, link }));
        }
        return ok(null);
      });
      this.jobs.kick();
      return result;
    } catch (err) {
      // Two applications with one address at the same moment: the database's unique e-mail decides, and the second is told like any other.
      const made = await this.accounts.findUserByEmail(input.email);
      if (made) return this.tellOwner(made.id, meta);
      throw err;
    }
  }

  /**
   * An application came for an address that has an account: e-mail its owner instead of saying so
   * on the page. An application of theirs still waiting for confirmation gets a new confirmation
   * link (the earlier one may be lost); any other account, how to log in or choose a password.
   */
  private async tellOwner(userId: number, meta: { ip: string }): Promise<Outcome<null>> {
    const site = (await this.state.getSettings()).shortName;
    const now = this.clock.now();
    const result = await this.db.transaction().execute(async (trx): Promise<Outcome<null>> => {
      if (!(await takeQuota(trx, senderQuota(meta.ip), now))) return refused({ form: TOO_MANY_APPLICATIONS }, 'rate_limited');
      const owner = await this.accounts.person(trx, userId);
      if (!owner || !(await takeQuota(trx, recipientQuota(owner.email), now))) return ok(null);
      const membership = await q.findMembershipByUser(trx, userId);
      if (membership?.status === 'pending_verification') {
        const level = (await q.findLevel(trx, membership.level_id))!;
        const link = await this.accounts.createVerificationLink(trx, userId);
        await this.mailer.queue(trx, await applicationReceivedMail(trx, { to: owner.email, name: owner.name, site, level: level.name, link }));
      } else {
        await this.mailer.queue(trx, await joinAttemptMail(trx, { to: owner.email, site, link: this.link('/login'), resetLink: this.link('/forgot-password') }));
      }
      return ok(null);
    });
    this.jobs.kick();
    return result;
  }

  /** The applicant opened the link in their e-mail: issue the dues invoice and log them in. */
  async confirmEmail(token: string, meta: { userAgent?: string; previousSession?: string | null }): Promise<Outcome<{ sessionToken: string | null }>> {
    const settings = await this.state.getSettings();
    const now = this.clock.now();
    const userId = await this.db.transaction().execute(async (trx) => {
      const userId = await this.accounts.verifyEmail(trx, token);
      if (userId === null) return null;
      const membership = await q.findMembershipByUser(trx, userId);
      if (membership?.status === 'pending_verification') {
        const level = (await q.findLevel(trx, membership.level_id))!;
        const user = (await this.accountsUser(trx, userId))!;
        await q.insertEvent(trx, { membership_id: membership.id, kind: 'email_confirmed', detail: 'Confirmed the e-mail address.', actor_user_id: userId, created_at: iso(now) });
        await this.startApplication(trx, membership, level, user, now, settings.timeZone);
      }
      return userId;
    });
    if (userId === null) return refused({ form: 'This link has expired or was already used.' });
    if (meta.previousSession) await this.sessions.destroy(meta.previousSession);
    // With two-factor sign-in on, a link from an e-mail is not enough to log in: the person logs in with their code.
    if (await this.accounts.twoFactor.isOn(userId)) return ok({ sessionToken: null });
    return ok({ sessionToken: await this.sessions.create(userId, meta.userAgent) });
  }

  private accountsUser(trx: Transaction<DB>, userId: number) {
    return this.accounts.person(trx, userId);
  }

  /**
   * What follows once the applicant's address is known to be theirs (shared by `confirmEmail` and
   * `applyAgain`): issue the dues invoice; wait for approval, or for payment; a level without dues
   * starts at once. The membership is `pending_verification` when it comes here.
   */
  private async startApplication(
    trx: Transaction<DB>,
    membership: q.MembershipRow,
    level: Level,
    user: { id: number; name: string; email: string },
    now: Date,
    timeZone: string,
  ): Promise<{ status: MembershipStatus; invoice: InvoiceRow | null }> {
    const period = duesPeriod(level, now, timeZone);
    const invoice = period.amountCents > 0 ? await this.issueDuesInvoice(trx, membership, level, user, now, timeZone) : null;
    // The caller wrote the history line (e-mail confirmed, or applied again); no one outside follows an application until it is decided.
    const next = level.requires_approval ? 'pending_approval' : invoice ? 'awaiting_payment' : null;
    if (next) {
      await changeStatus(trx, this.events, membership.id, { from: ['pending_verification'], to: next, history: null, event: null, at: iso(now) });
      return { status: next, invoice };
    }
    // A level without dues starts at once.
    await this.activate(trx, membership, ['pending_verification'], { periodEnd: iso(period.periodEnd), because: 'no dues', invoiceId: null }, null);
    return { status: 'active', invoice: null };
  }

  /** Where a logged-in person stands on /join: they may apply (no membership, or one not approved or ended), or theirs is live. */
  async applyState(userId: number): Promise<{ canApply: true; membership: q.MembershipRow | null } | { canApply: false; membership: q.MembershipRow }> {
    const membership = (await q.findMembershipByUser(this.db, userId)) ?? null;
    if (membership && !MAY_APPLY_AGAIN.includes(membership.status)) return { canApply: false, membership };
    return { canApply: true, membership };
  }

  /** The application form of a logged-in person, filled in from their record: name, details and member field answers (by input name). */
  async applicationValues(userId: number, membership: q.MembershipRow | null): Promise<{ name: string; details: Record<string, string>; stored: FieldValue[] }> {
    const user = await this.accounts.person(this.db, userId);
    if (!membership) return { name: user?.name ?? '', details: {}, stored: [] };
    const { organization, job_title, phone, address_line1, address_line2, city, region, postal_code } = membership;
    const stored = (await valuesFor(this.db, [membership.id])).map((v) => ({ field_id: v.field_id, value: v.value }));
    return { name: user?.name ?? '', details: { organization, job_title, phone, address_line1, address_line2, city, region, postal_code }, stored };
  }

  /**
   * A logged-in person applies (again): someone whose application was not approved, whose
   * membership ended (an agency stopped covering them), or who has none (an admin, an imported
   * account). Their membership row is used again (one per user) or made; it leaves any agency
   * bundle and starts afresh (no start or renewal date of its own yet). Logging in proved the
   * address when it is verified or the account has a password, so the application goes straight
   * on as after a confirmed address (`startApplication`), and any invoice is e-mailed; otherwise
   * a confirmation link is sent as for a new applicant.
   */
  async applyAgain(userId: number, level: Level, input: ReapplicationInput, fieldValues: FieldValue[] = []): Promise<Outcome<{ status: MembershipStatus; email: string }>> {
    if (!level.public_can_apply || level.archived_at) return refused({ form: 'This membership level is not open for applications.' });
    const settings = await this.state.getSettings();
    const now = this.clock.now();
    const at = iso(now);
    const details = {
      organization: input.organization,
      job_title: input.job_title,
      phone: input.phone,
      address_line1: input.address_line1,
      address_line2: input.address_line2,
      city: input.city,
      region: input.region,
      postal_code: input.postal_code,
    };
    let inserting = false;
    try {
      const result = await this.db.transaction().execute(async (trx): Promise<Outcome<{ status: MembershipStatus; email: string }>> => {
        const user = await this.accounts.person(trx, userId);
        if (!user) return refused({ form: 'Your account no longer exists.' }, 'not_found');
        const current = await q.findMembershipByUser(trx, userId);
        if (current && !MAY_APPLY_AGAIN.includes(current.status)) return refused({ form: liveMembershipMessage(current) });
        // An address not proven yet is e-mailed a confirmation link: that counts like any other such e-mail, before anything changes.
        const needsLink = !(await this.accounts.hasProvenAddress(trx, userId));
        if (needsLink && !(await takeQuota(trx, ownLinkQuota(userId), now))) {
          return refused({ form: `We have already sent several e-mails to ${user.email} today. Please apply again tomorrow.` }, 'rate_limited');
        }
        let membershipId: number;
        if (current) {
          // Only from a status that may apply again: of two submissions at once, the second finds it changed.
          const restarted = await q.restartMembership(trx, current.id, MAY_APPLY_AGAIN, { level_id: level.id, ...details, updated_at: at });
          if (!restarted) return refused({ form: 'You have just applied. Your application is on your account page.' });
          membershipId = current.id;
        } else {
          inserting = true;
          membershipId = (await q.insertMembership(trx, { user_id: userId, level_id: level.id, status: 'pending_verification', ...details }, at)).id;
        }
        const membership = (await q.findMembership(trx, membershipId))!;
        if (input.name !== user.name) await this.accounts.rename(trx, userId, input.name);
        const applicant = { id: userId, name: input.name, email: user.email };
        await q.insertEvent(trx, {
          membership_id: membershipId,
          kind: 'applied',
          detail: `${current ? 'Applied again' : 'Applied'} for ${level.name}.`,
          actor_user_id: userId,
          created_at: at,
        });
        await saveFieldValues(trx, membershipId, fieldValues);
        if (needsLink) {
          const link = await this.accounts.createVerificationLink(trx, userId);
          await this.mailer.queue(trx, await applicationReceivedMail(trx, { to: user.email, name: input.name, site: settings.shortName, level: level.name, link }));
          return ok({ status: 'pending_verification' as const, email: user.email });
        }
        const started = await this.startApplication(trx, membership, level, applicant, now, settings.timeZone);
        if (started.invoice) await this.queueInvoiceMail(trx, started.invoice, membershipId, applicant, settings, userId);
        return ok({ status: started.status, email: user.email });
      });
      this.jobs.kick();
      return result;
    } catch (err) {
      // Two first applications of one person at the same moment: the database's one membership per user decides.
      if (inserting && (await q.findMembershipByUser(this.db, userId))) return refused({ form: 'You have just applied. Your application is on your account page.' });
      throw err;
    }
  }

  private async issueDuesInvoice(
    trx: Transaction<DB>,
    membership: q.MembershipRow,
    level: Level,
    user: { id: number; name: string; email: string },
    start: Date,
    timeZone: string,
  ) {
    const period = duesPeriod(level, start, timeZone);
    const { billTo, lines } = duesInvoiceContent(user, membership, level, period, timeZone, 'dues');
    const invoice = await this.billing.createInvoice(trx, {
      userId: user.id,
      billTo,
      lines,
      dueAt: addMs(start, 30 * DAY),
      actorUserId: null,
    });
    await q.linkInvoice(trx, { invoice_id: invoice.id, membership_id: membership.id, period_start: period.periodStart, period_end: period.periodEnd });
    return invoice;
  }

  /** "Invoice me": e-mail the member their open dues invoice. */
  async emailInvoice(userId: number): Promise<Outcome<null>> {
    const invoice = (await this.billing.listForUser(userId)).find((i) => i.status === 'unpaid');
    const user = await this.accounts.person(this.db, userId);
    if (!invoice || !user) return refused({ form: 'You have no unpaid invoice.' });
    const settings = await this.state.getSettings();
    const link = await q.invoiceLink(this.db, invoice.id);
    await this.db.transaction().execute((trx) => this.queueInvoiceMail(trx, invoice, link?.membership_id ?? null, user, settings, userId));
    this.jobs.kick();
    return ok(null);
  }

  /** E-mail an invoice to its member, with `invoice_sent` in the history of the membership whose dues it is (if any). */
  private async queueInvoiceMail(
    trx: Transaction<DB>,
    invoice: Pick<InvoiceRow, 'number' | 'total_cents' | 'due_at'>,
    membershipId: number | null,
    user: { name: string; email: string },
    settings: { shortName: string; timeZone: string; contactEmail: string },
    actorUserId: number | null,
  ) {
    await this.mailer.queue(
      trx,
      await invoiceMail(trx, {
        to: user.email,
        name: user.name,
        site: settings.shortName,
        number: invoice.number,
        amount: formatMoney(invoice.total_cents),
        due: formatDate(invoice.due_at, settings.timeZone),
        link: this.link('/account'),
        contact: settings.contactEmail,
      }),
    );
    if (membershipId !== null) {
      await q.insertEvent(trx, {
        membership_id: membershipId,
        kind: 'invoice_sent',
        detail: `Invoice ${invoice.number} e-mailed.`,
        actor_user_id: actorUserId,
        created_at: iso(this.clock.now()),
      });
    }
  }

  // Approval

  /**
   * Approve an application: read and write in one transaction, and only from `pending_approval`
   * (changeStatus), so a second approval of the same application (a double click, two admins)
   * is refused and writes nothing: one history line, one e-mail.
   */
  async approve(membershipId: number, actorUserId: number, by?: Actor): Promise<Outcome<'active' | 'awaiting_payment'>> {
    const settings = await this.state.getSettings();
    const result = await this.db.transaction().execute(async (trx): Promise<Outcome<'active' | 'awaiting_payment'>> => {
      const membership = await q.findMembership(trx, membershipId);
      if (!membership) return refused({ form: 'This member no longer exists.' }, 'not_found');
      if (membership.status !== 'pending_approval') return refused({ form: 'This application is no longer waiting for approval.' });
      // Only this application's dues count: a re-application reuses the row, and an earlier application's paid invoice is not this one's.
      const since = (await q.appliedAt(trx, membershipId)) ?? '';
      const dues = new Map((await q.invoiceLinksOf(trx, membershipId)).map((l) => [l.invoice_id, l]));
      const paid = (await this.billing.listForUser(membership.user_id, trx)).find((i) => dues.has(i.id) && i.status === 'paid' && i.issued_at >= since);
      const user = (await this.accounts.person(trx, membership.user_id))!;
      const now = iso(this.clock.now());
      const level = (await q.findLevel(trx, membership.level_id))!;
      const free = duesPeriod(level, this.clock.now(), settings.timeZone);
      // "Paid" means nothing is owed: the dues invoice is paid, or the level has no dues.
      const nothingOwed = !!paid || free.amountCents === 0;
      // Approved means waiting for payment; with nothing owed, the membership then starts (`activate`).
      const approved = await changeStatus(trx, this.events, membershipId, {
        from: ['pending_approval'],
        to: 'awaiting_payment',
        history: { kind: 'approved', detail: 'Application approved.', actorUserId },
        event: {
          name: 'membership.approved',
          payload: { membershipId, userId: user.id, levelId: membership.level_id, status: nothingOwed ? 'active' : 'awaiting_payment', actorUserId },
        },
        at: now,
      });
      if (!approved) return refused({ form: 'This application is no longer waiting for approval.' });
      await this.mailer.queue(trx, await approvedMail(trx, { to: user.email, name: user.name, site: settings.shortName, paid: nothingOwed, link: this.link('/account') }));
      const after = nothingOwed ? ('active' as const) : ('awaiting_payment' as const);
      if (nothingOwed) {
        const source = paid
          ? { periodEnd: dues.get(paid.id)!.period_end ?? iso(free.periodEnd), because: `invoice ${paid.number}`, invoiceId: paid.id }
          : { periodEnd: iso(free.periodEnd), because: 'no dues', invoiceId: null };
        await this.activate(trx, membership, ['awaiting_payment'], source, actorUserId);
      }
      await auditMember(trx, by, now, { membershipId, userId: user.id, name: user.name }, 'application.approved', `Approved the application of ${user.name}`, [
        { field: 'Status', before: STATUS_LABELS.pending_approval, after: STATUS_LABELS[after] },
      ]);
      return ok(after);
    });
    if (result.ok) this.jobs.kick();
    return result;
  }

  /**
   * Reject an application and void its open dues invoices, in one transaction: if voiding fails,
   * the application is still waiting (nothing is written, no e-mail goes).
   */
  async reject(membershipId: number, actorUserId: number, reason: string, by?: Actor): Promise<Outcome<null>> {
    const settings = await this.state.getSettings();
    const result = await this.db.transaction().execute(async (trx): Promise<Outcome<null>> => {
      const membership = await q.findMembership(trx, membershipId);
      if (!membership) return refused({ form: 'This member no longer exists.' }, 'not_found');
      if (membership.status !== 'pending_approval') return refused({ form: 'This application is no longer waiting for approval.' });
      const user = (await this.accounts.person(trx, membership.user_id))!;
      const now = iso(this.clock.now());
      const rejected = await changeStatus(trx, this.events, membershipId, {
        from: ['pending_approval'],
        to: 'rejected',
        history: { kind: 'rejected', detail: `Application not approved: ${reason}`, actorUserId },
        event: { name: 'membership.rejected', payload: { membershipId, userId: user.id, levelId: membership.level_id, reason, actorUserId } },
        at: now,
      });
      if (!rejected) return refused({ form: 'This application is no longer waiting for approval.' });
      const dues = (await q.invoiceLinksOf(trx, membershipId)).map((l) => l.invoice_id);
      await this.billing.voidOpenInvoices(trx, dues, { reason: 'Membership application not approved.', actorUserId, by });
      await auditMember(trx, by, now, { membershipId, userId: user.id, name: user.name }, 'application.rejected', `Rejected the application of ${user.name}`, [
        { field: 'Status', before: STATUS_LABELS.pending_approval, after: STATUS_LABELS.rejected },
        { field: 'Reason', before: '', after: reason },
      ]);
      await this.mailer.queue(trx, await rejectedMail(trx, { to: user.email, name: user.name, site: settings.shortName, reason, contact: settings.contactEmail }));
      return ok(null);
    });
    if (result.ok) this.jobs.kick();
    return result;
  }

  // Payment

  /** Billing marked an invoice paid (`invoice.paid`, in its transaction): if it is a membership's dues, start or extend the membership. */
  async invoicePaid(trx: Transaction<DB>, invoice: InvoicePaid) {
    const link = await q.invoiceLink(trx, invoice.invoiceId);
    if (!link) return;
    const membership = await q.findMembership(trx, link.membership_id);
    if (!membership) return;
    const now = iso(this.clock.now());
    if (membership.status === 'pending_approval') {
      await q.insertEvent(trx, {
        membership_id: membership.id,
        kind: 'paid',
        detail: `Invoice ${invoice.number} paid; waiting for approval.`,
        actor_user_id: null,
        created_at: now,
      });
      return;
    }
    const from = ['awaiting_payment', 'active', 'lapsed'] as const;
    if ((from as readonly MembershipStatus[]).includes(membership.status)) {
      let periodEnd = link.period_end ?? iso(addMs(this.clock.now(), 365 * DAY));
      // A lapsed member who renews gets a full period from the day they pay (docs/decisions/0011-renewals-and-lapses.md).
      if (membership.status === 'lapsed') {
        const fromToday = duesPeriod((await q.findLevel(trx, membership.level_id))!, this.clock.now(), (await this.state.getSettings(trx)).timeZone).periodEnd;
        if (fromToday.getTime() > new Date(periodEnd).getTime()) periodEnd = iso(fromToday);
      }
      await this.activate(trx, membership, from, { periodEnd, because: `invoice ${invoice.number}`, invoiceId: invoice.invoiceId }, null);
    }
  }

  /**
   * Start or extend a membership until `periodEnd`, from one of the statuses `from`; `because`
   * says why in the history (an invoice, or no dues), `invoiceId` which invoice paid for it.
   * Emits `membership.activated` or `.renewed` (changeStatus) and queues the e-mail that says so.
   */
  private async activate(
    trx: Transaction<DB>,
    membership: q.MembershipRow,
    from: readonly MembershipStatus[],
    source: { periodEnd: string; because: string; invoiceId: number | null },
    actorUserId: number | null,
  ) {
    const settings = await this.state.getSettings(trx);
    const level = (await q.findLevel(trx, membership.level_id))!;
    const user = (await this.accountsUser(trx, membership.user_id))!;
    const now = iso(this.clock.now());
    const renewed = membership.started_at !== null;
    const until = source.periodEnd;
    const about = { membershipId: membership.id, userId: membership.user_id, levelId: membership.level_id, expiresAt: until, invoiceId: source.invoiceId, actorUserId };
    const changed = await changeStatus(trx, this.events, membership.id, {
      from,
      to: 'active',
      set: { started_at: membership.started_at ?? now, expires_at: until },
      history: {
        kind: renewed ? 'renewed' : 'active',
        detail: `${renewed ? 'Renewed' : 'Membership active'} until ${formatDate(until, settings.timeZone)} (${source.because}).`,
        actorUserId,
      },
      event: renewed ? { name: 'membership.renewed', payload: { ...about, previousExpiresAt: membership.expires_at } } : { name: 'membership.activated', payload: about },
      at: now,
    });
    if (!changed) return false;
    await this.mailer.queue(
      trx,
      await activatedMail(trx, {
        to: user.email,
        name: user.name,
        site: settings.shortName,
        level: level.name,
        until: formatDate(until, settings.timeZone),
        link: this.link('/account'),
        renewed,
      }),
    );
    return true;
  }

  // Reading

  async forUser(userId: number) {
    const membership = await q.findMembershipByUser(this.db, userId);
    if (!membership) return null;
    const [level, invoices] = await Promise.all([q.findLevel(this.db, membership.level_id), this.billing.listForUser(userId)]);
    return { membership, level: level!, invoices };
  }

  async detail(membershipId: number) {
    const membership = await q.findMembership(this.db, membershipId);
    if (!membership) return null;
    const [level, user, events, invoices] = await Promise.all([
      q.findLevel(this.db, membership.level_id),
      this.accounts.person(this.db, membership.user_id),
      q.listEvents(this.db, membershipId),
      this.billing.listForUser(membership.user_id),
    ]);
    return { membership, level: level!, user: user!, events, invoices };
  }

  countWaitingForApproval = () => q.countMemberships(this.db, ['pending_approval']);

  /** Members-only content: an active membership within its grace period. */
  hasAccess = (userId: number) => q.hasMemberAccess(this.db, userId, this.clock.now().getTime());
}
