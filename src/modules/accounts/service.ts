import { z } from 'zod';
import { recordAudit, type Actor } from '#core/audit/index.js';
import { addMs, DAY, HOUR, iso, MINUTE, type Clock } from '#core/clock.js';
import { chooseNewPassword, newPasswordSchema, verifyPassword } from '#core/auth/passwords.js';
import type { Sessions, SessionUser } from '#core/auth/sessions.js';
import type { Db, Executor } from '#core/db/index.js';
import { email, text } from '#core/http/forms.js';
import type { Jobs } from '#core/jobs/index.js';
import type { Mailer } from '#core/mail/index.js';
import { ok, refused, type Outcome } from '#core/result.js';
import { randomToken, sha256 } from '#core/secrets.js';
import type { SiteState } from '#core/settings.js';
import { countAttempt } from './attempts.js';
import { adminInviteMail, passwordChangedMail, passwordResetMail, promotedMail } from './emails.js';
import * as q from './queries.js';
import { TwoFactorService } from './two-factor.js';

export const LOGIN_WINDOW_MS = 15 * MINUTE;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;
export const RESET_TTL_MS = HOUR;
export const INVITE_TTL_MS = 7 * DAY;
export const VERIFY_TTL_MS = 3 * DAY;
/** At most this many reset e-mails per address per hour, so the form cannot flood an inbox. */
const MAX_RESETS_PER_HOUR = 3;

declare module '#core/jobs/index.js' {
  interface JobPayloads {
    'accounts.cleanup': null;
  }
}

export const loginInput = z.object({
  email: email(),
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(1000, 'Enter your password.'),
});

export const forgotInput = z.object({ email: email() });

const passwordFields = { password: newPasswordSchema, confirm: z.string().optional() };
const samePasswords: [(v: { password: string; confirm?: string }) => boolean, { path: string[]; message: string }] = [
  (v) => v.password === v.confirm,
  { path: ['confirm'], message: 'The two passwords are not the same. Type the new password again.' },
];

export const resetInput = z.object(passwordFields).refine(...samePasswords);
export const setupInput = z.object({ name: text('your name', 120), ...passwordFields }).refine(...samePasswords);
export const changePasswordInput = z
  .object({
    current: z
      .string()
      .optional()
      .transform((v) => v ?? ''),
    ...passwordFields,
  })
  .refine(...samePasswords);
export const firstAdminInput = z.object({ email: email(), name: text('your name', 120), ...passwordFields }).refine(...samePasswords);
export const inviteInput = z.object({ email: email(), name: text('their name', 120) });

export type LoginResult =
  | { kind: 'ok'; token: string; user: SessionUser }
  | { kind: 'wrong' }
  | { kind: 'locked'; minutes: number }
  /** The password was right and the account has two-factor sign-in: no session yet, only the link to the second step. */
  | { kind: 'code'; challenge: string };

/** A used link either starts a session, or (two-factor sign-in is on) leads to the code step. */
export type LinkSignIn = { token: string; user: SessionUser; challenge?: undefined } | { challenge: string; token?: undefined; user?: undefined };

const FIRST_ADMIN_KEY = 'first_admin_link';

export interface LinkHolder {
  id: number;
  user_id: number;
  email: string;
  name: string;
  role: 'admin' | 'member';
  /** The link printed at first start, before any administrator exists. */
  first: boolean;
}

interface Options {
  baseUrl: string;
  /** Key that encrypts two-factor secrets (DATA_DIR/secrets.json). */
  twoFactorKey: string;
}

/** Accounts: who may log in, with what password, and the links that set one. */
export class AccountsService {
  readonly twoFactor: TwoFactorService;

  constructor(
    private db: Db,
    private clock: Clock,
    private sessions: Sessions,
    private mailer: Mailer,
    private jobs: Jobs,
    private state: SiteState,
    private options: Options,
  ) {
    jobs.register('accounts.cleanup', async () => {
      await q.purgeOld(this.db, iso(addMs(this.clock.now(), -DAY)));
      await this.sessions.purgeExpired();
    });
    jobs.every('accounts.cleanup', HOUR);
    this.twoFactor = new TwoFactorService(db, clock, sessions, mailer, jobs, state, { key: options.twoFactorKey, link: this.link });
  }

  private link = (path: string) => `${this.options.baseUrl}${path}`;
  private siteName = async () => (await this.state.getSettings()).shortName;

  async logIn(input: z.output<typeof loginInput>, meta: { ip: string; userAgent?: string }): Promise<LoginResult> {
    const accountKey = `email:${input.email}`;
    const addressKey = `ip:${meta.ip}`;
    const attempt = await countAttempt(this.db, this.clock.now(), [
      { key: accountKey, max: MAX_FAILURES_PER_ACCOUNT, windowMs: LOGIN_WINDOW_MS },
      { key: addressKey, max: MAX_FAILURES_PER_ADDRESS, windowMs: LOGIN_WINDOW_MS },
    ]);
    if (!attempt.ok) return { kind: 'locked', minutes: attempt.minutes };
    const user = await q.findUserByEmail(this.db, input.email);
    const valid = await verifyPassword(user?.password_hash ?? null, input.password);
    // A wrong password leaves the attempt counted: it is the failure.
    if (!user || !valid) return { kind: 'wrong' };
    await q.clearFailures(this.db, accountKey);
    await q.withdrawAttempts(this.db, [attempt.ids.get(addressKey)!]);
    // Two-factor: no session until the code is given; the browser holds only a short single-use link.
    if (await this.twoFactor.isOn(user.id)) return { kind: 'code', challenge: await this.twoFactor.startSignIn(user.id) };
    const token = await this.sessions.create(user.id, meta.userAgent);
    return { kind: 'ok', token, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
  }

  logOut = (token: string) => this.sessions.destroy(token);

  /**
   * Sends a reset link when the address has an account. The caller says the same thing either
   * way, so the form does not reveal who has an account.
   */
  async requestPasswordReset(address: string): Promise<void> {
    const user = await q.findUserByEmail(this.db, address);
    if (!user) return;
    // Counted before sending, like a log-in, so forms sent at once cannot pass the limit together.
    if (!(await countAttempt(this.db, this.clock.now(), [{ key: `reset:${user.email}`, max: MAX_RESETS_PER_HOUR, windowMs: HOUR }])).ok) return;
    const now = this.clock.now();
    const token = randomToken();
    const site = await this.siteName();
    await this.db.transaction().execute(async (trx) => {
      await q.insertToken(trx, { token_hash: sha256(token), user_id: user.id, purpose: 'reset', created_at: iso(now), expires_at: iso(addMs(now, RESET_TTL_MS)) });
      await this.mailer.queue(
        trx,
        await passwordResetMail(trx, { to: user.email, name: user.name, link: this.link(`/reset-password/${token}`), site, hours: RESET_TTL_MS / HOUR }),
      );
    });
    this.jobs.kick();
  }

  /** Who a live link belongs to, or undefined when the link is unknown, used or expired. */
  async findLink(token: string, purpose: 'reset' | 'setup'): Promise<LinkHolder | undefined> {
    const row = await q.findLiveToken(this.db, sha256(token), purpose, iso(this.clock.now()));
    if (row) return { ...row, first: false };
    if (purpose === 'setup' && (await this.isFirstAdminToken(token))) return { id: 0, user_id: 0, email: '', name: '', role: 'admin', first: true };
    return undefined;
  }

  private async isFirstAdminToken(token: string): Promise<boolean> {
    const hash = sha256(token);
    const now = iso(this.clock.now());
    return (await this.firstAdminLinks()).some((l) => l.hash === hash && l.expires > now) && (await q.countAdmins(this.db)) === 0;
  }

  /**
   * The live first-start links: each process that starts before an administrator exists prints
   * one, and every one printed works (a second process starting at the same moment must not make
   * the first one's link useless). Older sites stored a single link as an object.
   */
  private async firstAdminLinks(): Promise<{ hash: string; expires: string }[]> {
    const stored = await this.state.getValue(FIRST_ADMIN_KEY);
    if (!stored) return [];
    const parsed = JSON.parse(stored) as { hash: string; expires: string } | { hash: string; expires: string }[];
    return Array.isArray(parsed) ? parsed : [parsed];
  }

  /** Use a reset or set-up link: set the password (and name), end old sessions, start a new one. */
  async useLink(
    token: string,
    purpose: 'reset' | 'setup',
    values: { password: string; name?: string; email?: string },
    meta: { userAgent?: string },
  ): Promise<Outcome<LinkSignIn>> {
    const expired = refused<LinkSignIn>({ form: 'This link has expired or was already used. Ask for a new one.' });
    const link = await this.findLink(token, purpose);
    if (!link) return expired;
    const chosen = await chooseNewPassword(values.password, { email: link.first ? values.email : link.email, name: values.name ?? link.name });
    if (!chosen.ok) return refused({ password: chosen.message });
    const passwordHash = chosen.hash;
    const now = iso(this.clock.now());
    const userId = await this.db.transaction().execute(async (trx) => {
      if (link.first) {
        // The first administrator chooses their own address; the link then stops working.
        if (!values.email || (await q.countAdmins(trx)) > 0) return null;
        await this.state.setValue(trx, FIRST_ADMIN_KEY, null);
        const existing = await q.findUserByEmail(trx, values.email);
        if (existing) {
          await q.updateUser(trx, existing.id, { role: 'admin', password_hash: passwordHash, name: values.name, updated_at: now });
          return existing.id;
        }
        return (await q.insertUser(trx, { email: values.email, name: values.name ?? 'Administrator', role: 'admin', password_hash: passwordHash, now })).id;
      }
      if (!(await q.consumeToken(trx, link.id, now))) return null;
      await q.updateUser(trx, link.user_id, { password_hash: passwordHash, updated_at: now, ...(values.name ? { name: values.name } : {}) });
      await q.expireTokensFor(trx, link.user_id, purpose, now);
      // A log-in half done with the old password does not survive its change.
      await q.expireTokensFor(trx, link.user_id, 'sign_in', now);
      return link.user_id;
    });
    if (userId === null) return expired;
    const user = await q.findUserById(this.db, userId);
    if (!user) return expired;
    await this.sessions.destroyAllFor(userId);
    // A link proves the e-mail address, not the second factor: with two-factor on, the code is still asked.
    if (await this.twoFactor.isOn(userId)) return ok({ challenge: await this.twoFactor.startSignIn(userId) });
    const sessionToken = await this.sessions.create(userId, meta.userAgent);
    return ok({ token: sessionToken, user: { id: user.id, email: user.email, name: user.name, role: user.role } });
  }

  async changePassword(user: SessionUser, sessionId: string, current: string, next: string): Promise<Outcome<null>> {
    const row = await q.findUserById(this.db, user.id);
    if (!row) return refused({ current: 'That is not your current password.' });
    // Each check counts against the account's log-in limit, so a session cannot guess the password without end.
    const accountKey = `email:${row.email}`;
    const attempt = await countAttempt(this.db, this.clock.now(), [{ key: accountKey, max: MAX_FAILURES_PER_ACCOUNT, windowMs: LOGIN_WINDOW_MS }]);
    if (!attempt.ok) {
      const when = attempt.minutes === 1 ? '1 minute' : `${attempt.minutes} minutes`;
      return refused(
        { current: `Too many failed attempts. For your security, password checks are paused for this account: try again in ${when}, or reset your password.` },
        'rate_limited',
      );
    }
    // A wrong password leaves the attempt counted: it is the failure.
    if (!(await verifyPassword(row.password_hash, current))) return refused({ current: 'That is not your current password.' });
    await q.clearFailures(this.db, accountKey);
    const chosen = await chooseNewPassword(next, { email: row.email, name: row.name });
    if (!chosen.ok) return refused({ password: chosen.message });
    const passwordHash = chosen.hash;
    const site = await this.siteName();
    await this.db.transaction().execute(async (trx) => {
      await q.updateUser(trx, user.id, { password_hash: passwordHash, updated_at: iso(this.clock.now()) });
      await q.expireTokensFor(trx, user.id, 'reset', iso(this.clock.now()));
      await q.expireTokensFor(trx, user.id, 'sign_in', iso(this.clock.now()));
      await this.mailer.queue(trx, await passwordChangedMail(trx, { to: row.email, name: row.name, site, link: this.link('/forgot-password') }));
    });
    await this.sessions.destroyAllFor(user.id, sessionId);
    this.jobs.kick();
    return ok(null);
  }

  /** An admin invites another admin: a new account with a set-up link, or a member promoted. */
  async inviteAdmin(inviter: SessionUser, input: z.output<typeof inviteInput>, by?: Actor): Promise<Outcome<'invited' | 'promoted'>> {
    const existing = await q.findUserByEmail(this.db, input.email);
    const pending = existing?.role === 'admin' && existing.password_hash === null;
    if (existing?.role === 'admin' && !pending) return refused({ email: `${input.email} is already an administrator.` });
    const now = this.clock.now();
    const site = await this.siteName();
    const outcome = await this.db.transaction().execute(async (trx) => {
      if (existing && !pending) {
        await q.updateUser(trx, existing.id, { role: 'admin', updated_at: iso(now) });
        await recordAudit(trx, by, iso(now), {
          action: 'admin.promoted',
          summary: `Made ${existing.name} an administrator`,
          subject: { type: 'user', id: existing.id, label: `${existing.name} <${existing.email}>` },
          person: { userId: existing.id, name: existing.name },
          changes: [{ field: 'Role', before: 'member', after: 'administrator' }],
        });
        await this.mailer.queue(trx, await promotedMail(trx, { to: existing.email, name: existing.name, site, inviter: inviter.name, link: this.link('/admin') }));
        return 'promoted' as const;
      }
      // A new account, or an invitation not accepted yet: (re)send a set-up link.
      const id = existing ? existing.id : (await q.insertUser(trx, { email: input.email, name: input.name, role: 'admin', password_hash: null, now: iso(now) })).id;
      await q.expireTokensFor(trx, id, 'setup', iso(now));
      const token = randomToken();
      await q.insertToken(trx, { token_hash: sha256(token), user_id: id, purpose: 'setup', created_at: iso(now), expires_at: iso(addMs(now, INVITE_TTL_MS)) });
      // The set-up link is a secret: the entry says an invitation went out, never its address.
      await recordAudit(trx, by, iso(now), {
        action: 'admin.invited',
        summary: `${existing ? 'Sent a new invitation to' : 'Invited'} ${input.name} as an administrator`,
        subject: { type: 'user', id, label: `${input.name} <${input.email}>` },
        person: { userId: id, name: input.name },
        changes: existing ? [] : [{ field: 'Role', before: '', after: 'administrator (invited)' }],
      });
      await this.mailer.queue(
        trx,
        await adminInviteMail(trx, { to: input.email, name: input.name, link: this.link(`/setup/${token}`), site, inviter: inviter.name, days: INVITE_TTL_MS / DAY }),
      );
      return 'invited' as const;
    });
    this.jobs.kick();
    return ok(outcome);
  }

  /**
   * Make sure an admin exists at start. With ADMIN_EMAIL and ADMIN_PASSWORD that admin is
   * created; otherwise a one-time set-up link is returned for the log. There is no default password.
   */
  async ensureFirstAdmin(admin?: { email: string; password: string }): Promise<{ created: string } | { setupLink: string } | null> {
    if ((await q.countAdmins(this.db)) > 0) return null;
    if (admin) {
      const chosen = await chooseNewPassword(admin.password, { email: admin.email });
      if (!chosen.ok) throw new Error(`ADMIN_PASSWORD: ${chosen.message}`);
      const hash = chosen.hash;
      const now = iso(this.clock.now());
      const address = admin.email.toLowerCase();
      const existing = await q.findUserByEmail(this.db, address);
      if (existing) await q.updateUser(this.db, existing.id, { role: 'admin', password_hash: hash, updated_at: now });
      else await q.insertUser(this.db, { email: address, name: 'Administrator', role: 'admin', password_hash: hash, now });
      return { created: address };
    }
    const token = randomToken();
    const now = iso(this.clock.now());
    const live = (await this.firstAdminLinks()).filter((l) => l.expires > now).slice(-9);
    await this.state.setValue(this.db, FIRST_ADMIN_KEY, JSON.stringify([...live, { hash: sha256(token), expires: iso(addMs(this.clock.now(), DAY)) }]));
    return { setupLink: this.link(`/setup/${token}`) };
  }

  /** For the CLI: an admin account (new, or an existing user promoted) and a link to set its password. */
  async createAdminLink(address: string, name: string, ttlMs = INVITE_TTL_MS): Promise<string> {
    const now = this.clock.now();
    const token = randomToken();
    await this.db.transaction().execute(async (trx) => {
      const existing = await q.findUserByEmail(trx, address);
      const id = existing ? existing.id : (await q.insertUser(trx, { email: address.toLowerCase(), name, role: 'admin', password_hash: null, now: iso(now) })).id;
      if (existing) await q.updateUser(trx, id, { role: 'admin', updated_at: iso(now) });
      await q.expireTokensFor(trx, id, 'setup', iso(now));
      await q.insertToken(trx, { token_hash: sha256(token), user_id: id, purpose: 'setup', created_at: iso(now), expires_at: iso(addMs(now, ttlMs)) });
    });
    return this.link(`/setup/${token}`);
  }

  /**
   * A new member's account, made inside the caller's transaction (the membership application),
   * with a password they chose and an e-mail address still to verify. Hash the password first
   * (`hashPassword`), outside the transaction.
   */
  async createMemberAccount(trx: Executor, user: { email: string; name: string; passwordHash: string | null }): Promise<number> {
    const { id } = await q.insertUser(trx, { email: user.email.toLowerCase(), name: user.name, role: 'member', password_hash: user.passwordHash, now: iso(this.clock.now()) });
    return id;
  }

  /**
   * A link to `/setup/…` where a person whose account someone else made (an agency contact adding
   * them to a bundle) chooses their password; made inside the caller's transaction, for its e-mail.
   */
  async createSetupLink(trx: Executor, userId: number): Promise<{ link: string; days: number }> {
    const now = this.clock.now();
    const token = randomToken();
    await q.expireTokensFor(trx, userId, 'setup', iso(now));
    await q.insertToken(trx, { token_hash: sha256(token), user_id: userId, purpose: 'setup', created_at: iso(now), expires_at: iso(addMs(now, INVITE_TTL_MS)) });
    return { link: this.link(`/setup/${token}`), days: INVITE_TTL_MS / DAY };
  }

  /** A user's name as they want it shown, changed inside the caller's transaction (their member profile). */
  async rename(trx: Executor, userId: number, name: string): Promise<void> {
    await q.updateUser(trx, userId, { name, updated_at: iso(this.clock.now()) });
  }

  findUserByEmail = (email: string) => q.findUserByEmail(this.db, email);

  /** Which of these addresses already have an account (inside the caller's transaction when given); at most a few hundred at a time. */
  existingEmails(executor: Executor, emails: string[]): Promise<string[]> {
    return q.existingEmails(
      executor,
      emails.map((e) => e.toLowerCase()),
    );
  }

  /**
   * Accounts for people an admin imports: no password (they choose one with "Forgot your
   * password?"), address not verified; many in one statement, inside the caller's transaction.
   */
  createImportedAccounts(trx: Executor, people: { email: string; name: string }[]): Promise<{ id: number; email: string }[]> {
    if (people.length === 0) return Promise.resolve([]);
    return q.insertMemberAccounts(
      trx,
      people.map((p) => ({ email: p.email.toLowerCase(), name: p.name })),
      iso(this.clock.now()),
    );
  }

  /**
   * Take back accounts an import made, inside the caller's transaction (what hangs on them goes by
   * cascade). Only member accounts: an address that is an admin's was never the import's.
   */
  async deleteImportedAccounts(trx: Executor, emails: string[]): Promise<void> {
    if (emails.length) await q.deleteMemberAccounts(trx, emails);
  }

  /**
   * An admin corrects a person's name and e-mail address, inside the caller's transaction. A new
   * address is no longer verified. The unique address is the database's to enforce: the caller
   * checks first and handles the rare race.
   */
  async changeIdentity(trx: Executor, userId: number, next: { name: string; email: string }): Promise<void> {
    const current = await q.findPerson(trx, userId);
    const email = next.email.toLowerCase();
    const emailChanged = current?.email !== email;
    await q.updateIdentity(trx, userId, { name: next.name, email, ...(emailChanged ? { email_verified_at: null } : {}), updated_at: iso(this.clock.now()) });
  }

  /** A link that proves the person reads this address; returned for the caller's e-mail. */
  async createVerificationLink(trx: Executor, userId: number): Promise<string> {
    const now = this.clock.now();
    const token = randomToken();
    await q.expireTokensFor(trx, userId, 'verify', iso(now));
    await q.insertToken(trx, { token_hash: sha256(token), user_id: userId, purpose: 'verify', created_at: iso(now), expires_at: iso(addMs(now, VERIFY_TTL_MS)) });
    return this.link(`/join/verify/${token}`);
  }

  /**
   * Whether a logged-in user has shown they read their account's address, so an application of
   * theirs needs no confirmation link: it was confirmed by a link, or the account has a password.
   * A password comes with the address proven (a set-up or reset link sent there: an imported
   * account, a covered person, an invited admin), except for a new applicant's, whose membership
   * waits for confirmation until they open the link.
   */
  async hasProvenAddress(executor: Executor, userId: number): Promise<boolean> {
    const user = await q.findUserById(executor, userId);
    return !!user && (user.email_verified_at !== null || user.password_hash !== null);
  }

  /** Use a verification link once: the user id it verified, or null when unknown, used or expired. */
  async verifyEmail(trx: Executor, token: string): Promise<number | null> {
    const now = iso(this.clock.now());
    const link = await q.findLiveToken(trx, sha256(token), 'verify', now);
    if (!link || !(await q.consumeToken(trx, link.id, now))) return null;
    await q.updateUser(trx, link.user_id, { email_verified_at: now, updated_at: now });
    return link.user_id;
  }

  async listUsers(page: number, perPage: number) {
    const [users, total] = await Promise.all([q.listUsers(this.db, perPage, (page - 1) * perPage), q.countUsers(this.db)]);
    return { users, total, pages: Math.max(1, Math.ceil(total / perPage)) };
  }

  getUser = (id: number) => q.findUserById(this.db, id);

  /** Who a user is, for other modules' e-mails and screens (inside their transaction when given). */
  person(executor: Executor, id: number) {
    return q.findPerson(executor, id);
  }
}
