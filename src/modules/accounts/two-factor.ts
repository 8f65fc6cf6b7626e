import crypto from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { z } from 'zod';
import { addMs, iso, MINUTE, type Clock } from '#core/clock.js';
import { verifyPassword } from '#core/auth/passwords.js';
import type { Sessions, SessionUser } from '#core/auth/sessions.js';
import type { Db, Executor } from '#core/db/index.js';
import type { Jobs } from '#core/jobs/index.js';
import type { Mailer } from '#core/mail/index.js';
import { ok, refused, type Outcome, type RefusalCode } from '#core/result.js';
import { randomToken, sha256 } from '#core/secrets.js';
import type { SiteState } from '#core/settings.js';
import { countAttempt } from './attempts.js';
import { twoFactorOffMail, twoFactorOnMail } from './emails.js';
import * as q from './queries.js';
import * as t from './two-factor-queries.js';

/** How long the step between the password and the code may take. */
export const SIGN_IN_TTL_MS = 5 * MINUTE;
export const CODE_WINDOW_MS = 15 * MINUTE;
/** Wrong codes (or passwords on the two-factor forms) per account in CODE_WINDOW_MS. */
export const MAX_CODE_FAILURES = 5;
export const RECOVERY_CODE_COUNT = 10;
const PERIOD_S = 30;
const DIGITS = 6;
/** A phone's clock may be one step (30 seconds) early or late. */
const DRIFT_STEPS = 1;

const NEED_CODE = 'Enter the 6-digit code from your app, or a recovery code.';
export const codeInput = z.object({
  code: z
    .string({ error: NEED_CODE })
    .transform((v) => v.replace(/[\s-]/g, ''))
    .pipe(z.string().min(1, NEED_CODE).max(40, 'That is not a code from your app or a recovery code. Check it and try again.')),
});
const NEED_PASSWORD = 'Enter your password.';
export const setupInput = z.object({
  /** The account's password: a stolen session alone cannot turn two-factor on (and lock the owner out). */
  password: z.string({ error: NEED_PASSWORD }).min(1, NEED_PASSWORD).max(1000, 'That is not your password.'),
  sealed: z.string({ error: 'The set-up expired. Start again.' }).min(1).max(500),
  code: z
    .string({ error: 'Enter the 6-digit code your app shows.' })
    .transform((v) => v.replace(/\s/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code your app shows now.')),
});
const confirmField = () =>
  z
    .string({ error: 'Enter your password or a code from your app.' })
    .min(1, 'Enter your password or a code from your app.')
    .max(1000, 'Enter your password or a code from your app.');
/** Two forms on one page, so two field names. */
export const newCodesInput = z.object({ confirmCodes: confirmField() });
export const turnOffInput = z.object({ confirmOff: confirmField() });

export interface Setup {
  /** The secret in base32, for people who type it into their app. */
  secret: string;
  /** The secret encrypted for this user, carried by the set-up form so nothing is stored before a code proves the app has it. */
  sealed: string;
  /** The QR code as an SVG data: URL (an <img>, so the strict CSP holds). */
  qr: string;
}

export interface TwoFactorStatus {
  on: boolean;
  enabledAt: string | null;
  recoveryLeft: number;
}

export type SignInResult =
  { kind: 'ok'; token: string; user: SessionUser; recovery: boolean; recoveryLeft: number } | { kind: 'wrong' } | { kind: 'locked'; minutes: number } | { kind: 'expired' };

type Check = 'ok' | 'wrong' | { locked: number };
/** A failed check is a wrong answer, or one refused by the limit without being checked. */
const codeOf = (checked: Exclude<Check, 'ok'>): RefusalCode => (checked === 'wrong' ? 'invalid' : 'rate_limited');

const RECOVERY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const newRecoveryCode = () => {
  const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[crypto.randomInt(RECOVERY_ALPHABET.length)]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
};
const normalizeRecovery = (code: string) => code.replace(/[\s-]/g, '').toUpperCase();
const recoveryHash = (userId: number, code: string) => sha256(`recovery:${userId}:${normalizeRecovery(code)}`);

class Expired extends Error {}

export const ALREADY_ON = 'Two-factor sign-in is already on for your account.';
const ALREADY_CHANGED = 'The set-up expired or was changed. Scan the new code below and try again.';

interface Options {
  /** AES-256 key (base64url) from DATA_DIR/secrets.json. */
  key: string;
  link(path: string): string;
}

/**
 * Two-factor sign-in (TOTP, RFC 6238, with single-use recovery codes). The secret is encrypted at
 * rest (AES-256-GCM, bound to the user id); every code is accepted once; every attempt at a code
 * is counted before it is checked, so parallel guesses cannot pass the limit.
 */
export class TwoFactorService {
  private key: Buffer;

  constructor(
    private db: Db,
    private clock: Clock,
    private sessions: Sessions,
    private mailer: Mailer,
    private jobs: Jobs,
    private state: SiteState,
    private options: Options,
  ) {
    this.key = Buffer.from(options.key, 'base64url');
    if (this.key.length !== 32) throw new Error('The two-factor key in secrets.json must be 32 bytes.');
  }

  // Encryption at rest

  private seal(plain: string, purpose: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  private unseal(sealed: string, purpose: string): string | undefined {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) return undefined;
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  private totp(secret: string, label: string, issuer: string) {
    return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_S, secret: Secret.fromBase32(secret) });
  }

  /** The time step of a valid code, or null. */
  private stepOf(secret: string, code: string): number | null {
    if (!/^\d{6}$/.test(code)) return null;
    const now = this.clock.now().getTime();
    const delta = this.totp(secret, 'x', 'x').validate({ token: code, timestamp: now, window: DRIFT_STEPS });
    return delta === null ? null : Math.floor(now / 1000 / PERIOD_S) + delta;
  }

  // Status

  async isOn(userId: number, executor: Executor = this.db) {
    return (await t.findTwoFactor(executor, userId)) !== undefined;
  }

  /** Which of these users have it on (for the admins' list of users). */
  async whichOn(userIds: number[]): Promise<Set<number>> {
    return new Set(await t.withTwoFactor(this.db, userIds));
  }

  async status(userId: number): Promise<TwoFactorStatus> {
    const row = await t.findTwoFactor(this.db, userId);
    return { on: !!row, enabledAt: row?.enabled_at ?? null, recoveryLeft: row ? await t.countUnusedRecoveryCodes(this.db, userId) : 0 };
  }

  async requiredForAdmins() {
    return (await this.state.getSettings()).requireAdminTwoFactor === 'on';
  }

  /** Whether this user is an admin who must set up two-factor sign-in before using the admin area. */
  async mustSetUp(user: SessionUser): Promise<boolean> {
    return user.role === 'admin' && (await this.requiredForAdmins()) && !(await this.isOn(user.id));
  }

  // Set-up

  /** A new secret to scan (nothing is stored yet), or the one a set-up form carried back. */
  async setup(user: SessionUser, sealed?: string): Promise<Setup | undefined> {
    const secret = sealed === undefined ? new Secret({ size: 20 }).base32 : this.unseal(sealed, `setup:${user.id}`);
    if (!secret) return undefined;
    const site = (await this.state.getSettings()).shortName;
    const uri = this.totp(secret, user.email, site).toString();
    const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    return {
      secret: secret.replace(/(.{4})/g, '$1 ').trim(),
      sealed: sealed ?? this.seal(secret, `setup:${user.id}`),
      qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    };
  }

  /**
   * Turn two-factor on once the password proves it is the account's owner and the code proves the
   * app holds the secret; the recovery codes, to show once. Both are one attempt against the
   * two-factor limit. A second request at once (a double click) is told it is already on.
   */
  async enable(user: SessionUser, input: z.output<typeof setupInput>, sessionId?: string): Promise<Outcome<string[]>> {
    const secret = this.unseal(input.sealed, `setup:${user.id}`);
    if (!secret) return refused({ form: ALREADY_CHANGED });
    if (await this.isOn(user.id)) return refused({ form: ALREADY_ON }, 'already_done');
    const step = this.stepOf(secret, input.code);
    let passwordRight = false;
    // The password is checked (argon2) outside any transaction: SQLite has one connection.
    const checked = await this.attempt(user.id, async () => {
      const row = await q.findUserById(this.db, user.id);
      passwordRight = await verifyPassword(row?.password_hash ?? null, input.password);
      return passwordRight && step !== null;
    });
    if (checked !== 'ok') {
      if (checked !== 'wrong') return refused({ password: this.refusal(checked, '', 'passwords or codes') }, 'rate_limited');
      return refused({
        ...(passwordRight ? {} : { password: 'That is not your password.' }),
        ...(step !== null ? {} : { code: 'That code is not the one your app shows now. Check the time on your phone and type the newest code.' }),
      });
    }
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const now = iso(this.clock.now());
    const site = (await this.state.getSettings()).shortName;
    const done = await this.db.transaction().execute(async (trx) => {
      const row = await q.findUserById(trx, user.id);
      if (!row || (await this.isOn(user.id, trx))) return false;
      // Two requests at once may both find it off: the row's key lets only one insert it.
      if (!(await t.insertTwoFactor(trx, { user_id: user.id, secret: this.seal(secret, `totp:${user.id}`), last_step: step!, enabled_at: now }))) return false;
      await t.replaceRecoveryCodes(
        trx,
        user.id,
        codes.map((c) => recoveryHash(user.id, c)),
        now,
      );
      await this.mailer.queue(trx, await twoFactorOnMail(trx, { to: row.email, name: row.name, site, link: this.options.link('/forgot-password') }));
      return true;
    });
    if (!done) return refused({ form: ALREADY_ON }, 'already_done');
    // Sessions started with the password alone (perhaps someone else's) end; this one stays.
    await this.sessions.destroyAllFor(user.id, sessionId);
    this.jobs.kick();
    return ok(codes);
  }

  /** New recovery codes (the old ones stop working), after the password or a current code. */
  async newRecoveryCodes(user: SessionUser, confirm: string): Promise<Outcome<string[]>> {
    if (!(await this.isOn(user.id))) return refused({ form: 'Two-factor sign-in is not on for your account.' });
    const checked = await this.confirm(user, confirm);
    if (checked !== 'ok') return refused({ confirmCodes: this.refusal(checked, 'That is not your password or a current code from your app.') }, codeOf(checked));
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await this.db.transaction().execute((trx) =>
      t.replaceRecoveryCodes(
        trx,
        user.id,
        codes.map((c) => recoveryHash(user.id, c)),
        iso(this.clock.now()),
      ),
    );
    return ok(codes);
  }

  /** Turn two-factor off, after the password or a current code. */
  async disable(user: SessionUser, confirm: string): Promise<Outcome<null>> {
    if (user.role === 'admin' && (await this.requiredForAdmins())) {
      return refused({
        form: 'Two-factor sign-in is required for all administrators, so it cannot be turned off. If you changed phones, make new recovery codes and ask another administrator or the site operator to reset it.',
      });
    }
    const checked = await this.confirm(user, confirm);
    if (checked !== 'ok') return refused({ confirmOff: this.refusal(checked, 'That is not your password or a current code from your app.') }, codeOf(checked));
    await this.turnOff(user.id);
    return ok(null);
  }

  /** For the CLI: an admin who lost their phone and their recovery codes. False when it was not on. */
  async resetByEmail(address: string): Promise<'reset' | 'not-on' | 'unknown'> {
    const user = await q.findUserByEmail(this.db, address);
    if (!user) return 'unknown';
    return (await this.turnOff(user.id)) ? 'reset' : 'not-on';
  }

  private async turnOff(userId: number): Promise<boolean> {
    const site = (await this.state.getSettings()).shortName;
    const done = await this.db.transaction().execute(async (trx) => {
      const row = await q.findUserById(trx, userId);
      if (!row || !(await t.deleteTwoFactor(trx, userId))) return false;
      await this.mailer.queue(trx, await twoFactorOffMail(trx, { to: row.email, name: row.name, site, link: this.options.link('/forgot-password') }));
      return true;
    });
    if (done) this.jobs.kick();
    return done;
  }

  // Sign-in, second step

  /** After the right password: a short-lived, single-use link between the two steps (never a session). */
  async startSignIn(userId: number): Promise<string> {
    const token = randomToken();
    const now = this.clock.now();
    await q.insertToken(this.db, { token_hash: sha256(token), user_id: userId, purpose: 'sign_in', created_at: iso(now), expires_at: iso(addMs(now, SIGN_IN_TTL_MS)) });
    return token;
  }

  /** Whether a half-finished sign-in is still waiting for its code. */
  async pendingSignIn(token: string | undefined): Promise<boolean> {
    return !!token && !!(await q.findLiveToken(this.db, sha256(token), 'sign_in', iso(this.clock.now())));
  }

  async finishSignIn(token: string | undefined, code: string, meta: { userAgent?: string }): Promise<SignInResult> {
    const link = token ? await q.findLiveToken(this.db, sha256(token), 'sign_in', iso(this.clock.now())) : undefined;
    if (!link) return { kind: 'expired' };
    let recovery = false;
    let checked: Check;
    try {
      checked = await this.attempt(link.user_id, () =>
        this.db.transaction().execute(async (trx) => {
          const now = iso(this.clock.now());
          recovery = !/^\d{6}$/.test(code);
          const right = recovery ? await t.useRecoveryCode(trx, link.user_id, recoveryHash(link.user_id, code), now) : await this.useTotp(trx, link.user_id, code);
          // The link is used in the same transaction as the code, so a second request with it fails.
          if (right && !(await q.consumeToken(trx, link.id, now))) throw new Expired();
          return right;
        }),
      );
    } catch (err) {
      if (err instanceof Expired) return { kind: 'expired' };
      throw err;
    }
    if (checked === 'wrong') return { kind: 'wrong' };
    if (checked !== 'ok') return { kind: 'locked', minutes: checked.locked };
    const user = await q.findUserById(this.db, link.user_id);
    if (!user) return { kind: 'expired' };
    const sessionToken = await this.sessions.create(user.id, meta.userAgent);
    return {
      kind: 'ok',
      token: sessionToken,
      user: { id: user.id, email: user.email, name: user.name, role: user.role },
      recovery,
      recoveryLeft: await t.countUnusedRecoveryCodes(this.db, user.id),
    };
  }

  private async useTotp(executor: Executor, userId: number, code: string): Promise<boolean> {
    const row = await t.findTwoFactor(executor, userId);
    const secret = row ? this.unseal(row.secret, `totp:${userId}`) : undefined;
    if (!secret) return false;
    const step = this.stepOf(secret, code);
    return step !== null && (await t.advanceStep(executor, userId, step));
  }

  /** The password, or a current code from the app (two-factor is on). */
  private async confirm(user: SessionUser, given: string): Promise<Check> {
    const row = await q.findUserById(this.db, user.id);
    const code = given.replace(/\s/g, '');
    // The password is checked (argon2) outside any transaction: SQLite has one connection.
    return this.attempt(user.id, () => (/^\d{6}$/.test(code) ? this.useTotp(this.db, user.id, code) : verifyPassword(row?.password_hash ?? null, given)));
  }

  /**
   * Count the attempt, then check it. The attempt is written (committed) before the count is read,
   * so of any number of requests at once, at most MAX_CODE_FAILURES are checked in a window; one
   * refused by the limit was never checked and is not counted. A right answer clears the count.
   * The counting is the log-in's own (countAttempt, decision 0019), under the key `totp:<user id>`.
   */
  private async attempt(userId: number, check: () => Promise<boolean>): Promise<Check> {
    const key = `totp:${userId}`;
    const counted = await countAttempt(this.db, this.clock.now(), [{ key, max: MAX_CODE_FAILURES, windowMs: CODE_WINDOW_MS }]);
    if (!counted.ok) return { locked: counted.minutes };
    const right = await check();
    if (!right) return 'wrong';
    await q.clearFailures(this.db, key);
    return 'ok';
  }

  private refusal(checked: Exclude<Check, 'ok'>, wrong: string, what = 'codes'): string {
    if (checked === 'wrong') return wrong;
    const when = checked.locked === 1 ? '1 minute' : `${checked.locked} minutes`;
    return `Too many wrong ${what}. For your security, codes are paused for this account: try again in ${when}.`;
  }
}
