import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import type { TestClock } from '#test/support/clock.js';
import * as kit from '#test/support/kit.js';
import { ADMIN, logIn, mailFor, MEMBER, resetLink } from '#test/support/kit.js';
import type { TestSite } from '#test/support/site.js';
import { startSmtp, type SmtpCatcher } from '#test/support/smtp.js';
import { MAX_CODE_FAILURES } from './two-factor.js';

/**
 * Two-factor sign-in, as an admin meets it: set-up under My account, the code step after the
 * password, recovery codes, the limit on wrong codes, and the setting that requires it of every admin.
 */

const OTHER_ADMIN = { email: 'treasurer@example.org', password: 'ledger lantern orchard gravel', name: 'Tess Treasurer' };
const MINUTE = 60_000;
const WRONG_CODE = 'That code is not right, or it was already used. Enter the newest code from your app, or an unused recovery code.';

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

const newSite = () => kit.newSite({ smtp, admins: [ADMIN, OTHER_ADMIN], members: [MEMBER] });

/** What an authenticator app shows now for a secret typed in from the set-up page. */
const codeFor = (secret: string, clock: TestClock, offsetSteps = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: clock.now().getTime() + offsetSteps * 30_000 });

/** A code that is not the current one (nor the one before or after). */
const wrongCodeFor = (secret: string, clock: TestClock) => {
  const near = new Set([-1, 0, 1].map((d) => codeFor(secret, clock, d)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!near.has(code)) return code;
  }
};

/** The key as the set-up page writes it for people who type it in. */
const secretOnPage = (html: string) => /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(html)?.[1]?.replace(/ /g, '');
const recoveryCodesOnPage = (html: string) => [...html.matchAll(/<li><code>([A-Z0-9]{5}-[A-Z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);

/** Turn two-factor on through the set-up page, as a person with an authenticator app does. */
async function enableTwoFactor(c: Client, clock: TestClock, password: string) {
  const page = await c.get('/account/two-factor');
  expect(page.status).toBe(200);
  const secret = secretOnPage(page.body)!;
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const done = await c.post('/account/two-factor', { _csrf: c.csrf(), sealed: inputValue(page.body, 'sealed')!, password, code: codeFor(secret, clock) });
  expect(done.status).toBe(200);
  const codes = recoveryCodesOnPage(done.body);
  expect(codes).toHaveLength(10);
  return { secret, codes };
}

/** The password step; the answer is the redirect to the code step. */
async function passwordStep(c: Client, who: { email: string; password: string }, next?: string) {
  const page = next ? `/login?next=${encodeURIComponent(next)}` : '/login';
  const res = await c.submit(page, { email: who.email, password: who.password });
  expect(res.status).toBe(303);
  return res;
}

async function codeStep(c: Client, code: string, next?: string) {
  const page = next ? `/login/code?next=${encodeURIComponent(next)}` : '/login/code';
  return c.submit(page, { code });
}

/** An admin with two-factor on, logged out again, and the means to log in. */
async function adminWithTwoFactor(site: TestSite, clock: TestClock) {
  const setup = await logIn(site, ADMIN);
  const enabled = await enableTwoFactor(setup, clock, ADMIN.password);
  await setup.submit('/account', {}, '/logout');
  // A code is accepted once: the next sign-in needs the next 30-second code.
  clock.advance(30_000);
  return enabled;
}

describe('setting up two-factor sign-in', () => {
  it('refuses a wrong code beside the field, keeps the same key, and turns on with the right code; the admin is e-mailed', async () => {
    const { site, clock } = await newSite();
    const c = await logIn(site, ADMIN);
    const elsewhere = await logIn(site, ADMIN);
    const account = await c.get('/account');
    expect(visibleText(account.body)).toContain('Two-factor sign-in Off');

    const page = await c.get('/account/two-factor');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
    const secret = secretOnPage(page.body)!;
    const sealed = inputValue(page.body, 'sealed')!;
    expect(sealed).not.toContain(secret);

    const wrong = await c.post('/account/two-factor', { _csrf: c.csrf(), sealed, password: ADMIN.password, code: wrongCodeFor(secret, clock) });
    expect(wrong.status).toBe(422);
    expect(fieldError(wrong.body, 'code')).toBe('Error: That code is not the one your app shows now. Check the time on your phone and type the newest code.');
    // Nothing is saved before a right code, and the page still shows the key the app already has.
    expect(await site.database.db.selectFrom('two_factor').selectAll().execute()).toEqual([]);
    expect(secretOnPage(wrong.body)).toBe(secret);

    const notDigits = await c.post('/account/two-factor', { _csrf: c.csrf(), sealed, password: ADMIN.password, code: 'abc' });
    expect(fieldError(notDigits.body, 'code')).toBe('Error: Enter the 6-digit code your app shows now.');

    const since = smtp.messages.length;
    const done = await c.post('/account/two-factor', { _csrf: c.csrf(), sealed, password: ADMIN.password, code: codeFor(secret, clock) });
    expect(done.status).toBe(200);
    expect(visibleText(done.body)).toContain('Two-factor sign-in is on. You were logged out on your other devices');
    // A session started with the password alone, elsewhere, ends; this one stays.
    expect((await elsewhere.get('/account')).status).toBe(303);
    expect((await c.get('/account')).status).toBe(200);
    expect(recoveryCodesOnPage(done.body)).toHaveLength(10);
    expect(done.headers['cache-control']).toBe('private, no-store');

    const rows = await site.database.db.selectFrom('two_factor').selectAll().execute();
    expect(rows).toHaveLength(1);
    // Encrypted at rest: the stored value is not the key.
    expect(rows[0]!.secret).not.toContain(secret);
    const codes = await site.database.db.selectFrom('recovery_codes').select('code_hash').execute();
    expect(codes).toHaveLength(10);
    for (const code of recoveryCodesOnPage(done.body)) expect(codes.map((r) => r.code_hash)).not.toContain(code);

    const [mail] = await mailFor(site, smtp, ADMIN.email, since);
    expect(mail?.subject).toBe('Two-factor sign-in is on for your CIPCA account');
    expect(mail?.text).toContain('Hello Board Admin,');

    const after = await c.get('/account/two-factor');
    expect(visibleText(after.body)).toContain('Two-factor sign-in is on for your account');
    expect(visibleText(after.body)).toContain('You have 10 unused recovery codes.');
    expect(visibleText((await c.get('/account')).body)).toContain('Two-factor sign-in On');
  });

  it('refuses a set-up form whose key was changed', async () => {
    const { site, clock } = await newSite();
    const c = await logIn(site, ADMIN);
    const page = await c.get('/account/two-factor');
    const secret = secretOnPage(page.body)!;
    const res = await c.post('/account/two-factor', { _csrf: c.csrf(), sealed: `${inputValue(page.body, 'sealed')}x`, password: ADMIN.password, code: codeFor(secret, clock) });
    expect(res.status).toBe(422);
    expect(visibleText(res.body)).toContain('The set-up expired or was changed.');
    expect(await site.database.db.selectFrom('two_factor').selectAll().execute()).toEqual([]);
  });

  it('asks for the password: a stolen session alone cannot turn it on, and wrong passwords count against the code limit', async () => {
    const { site, clock } = await newSite();
    const thief = await logIn(site, ADMIN);
    const owner = await logIn(site, ADMIN);
    const page = await thief.get('/account/two-factor');
    expect(page.body).toMatch(/<label for="password">\s*Your password\s*<\/label>/);
    expect(page.body).toMatch(/<input id="password" name="password" type="password"[^>]*required/);
    const secret = secretOnPage(page.body)!;
    const sealed = inputValue(page.body, 'sealed')!;

    const none = await thief.post('/account/two-factor', { _csrf: thief.csrf(), sealed, code: codeFor(secret, clock) });
    expect(none.status).toBe(422);
    expect(fieldError(none.body, 'password')).toBe('Error: Enter your password.');

    for (let i = 0; i < MAX_CODE_FAILURES; i++) {
      const code = codeFor(secret, clock);
      const wrong = await thief.post('/account/two-factor', { _csrf: thief.csrf(), sealed, password: `guess ${i}`, code });
      expect(wrong.status).toBe(422);
      expect(fieldError(wrong.body, 'password')).toBe('Error: That is not your password.');
      expect(fieldError(wrong.body, 'code')).toBeUndefined();
      // What was typed is kept (never the password), and the same key is shown.
      expect(inputValue(wrong.body, 'code')).toBe(code);
      expect(inputValue(wrong.body, 'password')).toBeUndefined();
      expect(secretOnPage(wrong.body)).toBe(secret);
    }
    // The limit is the one the codes use: even the right password is now refused.
    const locked = await thief.post('/account/two-factor', { _csrf: thief.csrf(), sealed, password: ADMIN.password, code: codeFor(secret, clock) });
    expect(locked.status).toBe(429);
    expect(fieldError(locked.body, 'password')).toMatch(/^Error: Too many wrong passwords or codes\. .*try again in 15 minutes\.$/);

    // Nothing was turned on and the owner's other session is still there.
    expect(await site.database.db.selectFrom('two_factor').selectAll().execute()).toEqual([]);
    expect((await owner.get('/account')).status).toBe(200);

    clock.advance(15 * MINUTE);
    const done = await thief.post('/account/two-factor', { _csrf: thief.csrf(), sealed, password: ADMIN.password, code: codeFor(secret, clock) });
    expect(done.status).toBe(200);
    expect(recoveryCodesOnPage(done.body)).toHaveLength(10);
  });

  it('turns on once when the button is pressed twice at once, and the second answer says it is already on', async () => {
    const { site, clock } = await newSite();
    const c = await logIn(site, ADMIN);
    const page = await c.get('/account/two-factor');
    const secret = secretOnPage(page.body)!;
    const form = { _csrf: c.csrf(), sealed: inputValue(page.body, 'sealed')!, password: ADMIN.password, code: codeFor(secret, clock) };
    const answers = await Promise.all(Array.from({ length: 4 }, () => c.post('/account/two-factor', form)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 303, 303, 303]);
    for (const a of answers.filter((x) => x.status === 303)) expect(a.location).toBe('/account/two-factor');
    expect(answers.filter((a) => recoveryCodesOnPage(a.body).length === 10)).toHaveLength(1);
    expect(await site.database.db.selectFrom('two_factor').selectAll().execute()).toHaveLength(1);
    expect(await site.database.db.selectFrom('recovery_codes').selectAll().execute()).toHaveLength(10);
    const after = await c.get('/account/two-factor');
    expect(visibleText(after.body)).toContain('Two-factor sign-in is on for your account');
  });
});

describe('logging in with two-factor', () => {
  it('asks for the code after the password, with no session before it; a wrong code is refused beside the field; the right one signs in and keeps ?next=', async () => {
    const { site, clock } = await newSite();
    const { secret } = await adminWithTwoFactor(site, clock);

    const c = new Client(site.app);
    const res = await passwordStep(c, ADMIN, '/admin/settings');
    expect(res.location).toBe('/login/code?next=%2Fadmin%2Fsettings');
    expect(c.cookies.has('hw_session')).toBe(false);
    const step = await c.get(res.location!);
    expect(step.status).toBe(200);
    expect(visibleText(step.body)).toContain('Enter the 6-digit code from your app, or a recovery code.');

    // The half-signed-in state opens nothing.
    const admin = await c.get('/admin');
    expect(admin.status).toBe(303);
    expect(admin.location).toBe('/login?next=%2Fadmin');
    expect((await c.get('/account')).location).toBe('/login?next=%2Faccount');
    // Not even with the half-state's value put in the session cookie.
    const forged = new Client(site.app);
    forged.cookies.set('hw_session', c.cookies.get('hw_2fa')!);
    expect((await forged.get('/admin')).location).toBe('/login?next=%2Fadmin');

    const wrong = await codeStep(c, wrongCodeFor(secret, clock), '/admin/settings');
    expect(wrong.status).toBe(422);
    expect(fieldError(wrong.body, 'code')).toBe(`Error: ${WRONG_CODE}`);
    expect((await c.get('/admin')).status).toBe(303);

    const right = await codeStep(c, codeFor(secret, clock), '/admin/settings');
    expect(right.status).toBe(303);
    expect(right.location).toBe('/admin/settings');
    expect(c.cookies.has('hw_2fa')).toBe(false);
    const settings = await c.get('/admin/settings');
    expect(settings.status).toBe(200);
    expect(visibleText(settings.body)).toContain('Welcome, Board Admin. You are logged in.');
  });

  it('accepts a code once: the same code is refused on a second log-in, also within its 30 seconds; a phone 30 seconds off still works', async () => {
    const { site, clock } = await newSite();
    const { secret } = await adminWithTwoFactor(site, clock);
    const code = codeFor(secret, clock);

    const first = new Client(site.app);
    await passwordStep(first, ADMIN);
    expect((await codeStep(first, code)).location).toBe('/admin');

    const second = new Client(site.app);
    await passwordStep(second, ADMIN);
    const replay = await codeStep(second, code);
    expect(replay.status).toBe(422);
    expect(fieldError(replay.body, 'code')).toBe(`Error: ${WRONG_CODE}`);
    expect((await second.get('/admin')).status).toBe(303);

    // A minute later, a phone whose clock is 30 seconds behind shows the code of the step before: accepted.
    clock.advance(MINUTE);
    const late = await codeStep(second, codeFor(secret, clock, -1));
    expect(late.location).toBe('/admin');
  });

  it('takes a recovery code once, and says how many remain', async () => {
    const { site, clock } = await newSite();
    const { codes } = await adminWithTwoFactor(site, clock);

    const c = new Client(site.app);
    await passwordStep(c, ADMIN);
    // Typed in lower case without the dash, as people do.
    const res = await codeStep(c, codes[3]!.toLowerCase().replace('-', ''));
    expect(res.location).toBe('/admin');
    const admin = await c.get('/admin');
    expect(visibleText(admin.body)).toContain('You are logged in with a recovery code, which now no longer works: 9 recovery codes remain.');

    const again = new Client(site.app);
    await passwordStep(again, ADMIN);
    const used = await codeStep(again, codes[3]!);
    expect(used.status).toBe(422);
    expect(fieldError(used.body, 'code')).toBe(`Error: ${WRONG_CODE}`);
    expect((await codeStep(again, codes[4]!)).location).toBe('/admin');
    expect(visibleText((await again.get('/account/two-factor')).body)).toContain('You have 8 unused recovery codes.');
  });

  it('pauses codes after 5 wrong ones in 15 minutes, also when they are sent all at once', async () => {
    const { site, clock } = await newSite();
    const { secret } = await adminWithTwoFactor(site, clock);

    const c = new Client(site.app);
    await passwordStep(c, ADMIN);
    await c.get('/login/code');
    const csrf = c.csrf();
    // Twelve guesses at once: at most five are checked (each is counted before it is checked); the rest are refused unchecked.
    const burst = await Promise.all(Array.from({ length: 12 }, () => c.post('/login/code', { _csrf: csrf, code: wrongCodeFor(secret, clock) })));
    const checked = burst.filter((r) => r.status === 422).length;
    expect(checked).toBeGreaterThanOrEqual(1);
    expect(checked).toBeLessThanOrEqual(5);
    expect(burst.filter((r) => r.status === 429)).toHaveLength(12 - checked);
    // One at a time, the checks go on until five wrong codes in all, never more.
    for (let n = checked; n < 5; n++) expect((await c.post('/login/code', { _csrf: csrf, code: wrongCodeFor(secret, clock) })).status).toBe(422);

    const locked = await codeStep(c, codeFor(secret, clock));
    expect(locked.status).toBe(429);
    expect(fieldError(locked.body, 'code')).toBe('Error: Too many wrong codes. For your security, codes are paused for this account: try again in 15 minutes.');
    expect((await c.get('/admin')).status).toBe(303);

    // The pause also holds for a fresh log-in with the right password.
    clock.advance(4 * MINUTE);
    const other = new Client(site.app);
    await passwordStep(other, ADMIN);
    expect((await codeStep(other, codeFor(secret, clock))).status).toBe(429);

    clock.advance(12 * MINUTE);
    await passwordStep(other, ADMIN);
    expect((await codeStep(other, codeFor(secret, clock))).location).toBe('/admin');
  });

  it('sends back to log in when the code step took more than 5 minutes', async () => {
    const { site, clock } = await newSite();
    const { secret } = await adminWithTwoFactor(site, clock);
    const c = new Client(site.app);
    await passwordStep(c, ADMIN, '/admin/users');
    await c.get('/login/code?next=%2Fadmin%2Fusers');
    const csrf = c.csrf();
    clock.advance(6 * MINUTE);
    const res = await c.post('/login/code?next=%2Fadmin%2Fusers', { _csrf: csrf, code: codeFor(secret, clock) });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/login?next=%2Fadmin%2Fusers');
    expect(visibleText((await c.get(res.location!)).body)).toContain('The time to enter the code ran out (5 minutes). Log in again.');
    expect((await c.get('/admin')).status).toBe(303);
  });

  it('asks for the code after a password-reset link too: the link proves the e-mail, not the phone', async () => {
    const { site, clock } = await newSite();
    const { secret } = await adminWithTwoFactor(site, clock);
    await site.jobs.runDue();
    const link = await resetLink(site, smtp, ADMIN.email);
    expect(link).toMatch(/^\/reset-password\//);

    const c = new Client(site.app);
    const res = await c.submit(link, { password: 'a brand new passphrase here', confirm: 'a brand new passphrase here' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/login/code');
    expect((await c.get('/admin')).status).toBe(303);
    expect((await codeStep(c, codeFor(secret, clock))).location).toBe('/admin');
    expect((await c.get('/admin')).status).toBe(200);
  });

  it('does not log in from an e-mail confirmation link either when two-factor is on', async () => {
    const { site, clock } = await newSite();
    await adminWithTwoFactor(site, clock);
    const admin = (await site.database.db.selectFrom('users').select('id').where('email', '=', ADMIN.email).executeTakeFirst())!;
    const link = await site.database.db.transaction().execute((trx) => site.accounts.createVerificationLink(trx, admin.id));
    const c = new Client(site.app);
    const res = await c.submit(new URL(link).pathname, {});
    expect(res.status).toBe(303);
    expect(res.location).toBe('/login?next=%2Faccount');
    expect(c.cookies.has('hw_session')).toBe(false);
    expect(visibleText((await c.get(res.location!)).body)).toContain('Thank you: your e-mail address is confirmed. Log in to see your membership.');
    expect((await c.get('/admin')).status).toBe(303);
  });

  it('lets a member log in as before when two-factor is not on', async () => {
    const { site } = await newSite();
    const c = new Client(site.app);
    expect((await c.logIn(MEMBER.email, MEMBER.password)).location).toBe('/account');
  });
});

describe('managing two-factor sign-in', () => {
  it('makes new recovery codes and turns off with the password (a wrong one is refused beside the field), and e-mails the owner', async () => {
    const { site, clock } = await newSite();
    const c = await logIn(site, ADMIN);
    const { codes } = await enableTwoFactor(c, clock, ADMIN.password);

    await c.get('/account/two-factor');
    const wrong = await c.post('/account/two-factor/recovery-codes', { _csrf: c.csrf(), confirmCodes: 'not my password' });
    expect(wrong.status).toBe(422);
    expect(fieldError(wrong.body, 'confirmCodes')).toBe('Error: That is not your password or a current code from your app.');
    const fresh = await c.post('/account/two-factor/recovery-codes', { _csrf: c.csrf(), confirmCodes: ADMIN.password });
    expect(fresh.status).toBe(200);
    const newCodes = recoveryCodesOnPage(fresh.body);
    expect(newCodes).toHaveLength(10);
    expect(newCodes).not.toContain(codes[0]);

    // The old codes stopped working.
    const other = new Client(site.app);
    await passwordStep(other, ADMIN);
    expect((await codeStep(other, codes[0]!)).status).toBe(422);

    await site.jobs.runDue();
    const since = smtp.messages.length;
    await c.get('/account/two-factor');
    const refused = await c.post('/account/two-factor/off', { _csrf: c.csrf(), confirmOff: 'not my password' });
    expect(fieldError(refused.body, 'confirmOff')).toBe('Error: That is not your password or a current code from your app.');
    const off = await c.post('/account/two-factor/off', { _csrf: c.csrf(), confirmOff: ADMIN.password });
    expect(off.status).toBe(303);
    expect(visibleText((await c.get('/account/two-factor')).body)).toContain('Two-factor sign-in is off: logging in now asks only for your password.');
    const [mail] = await mailFor(site, smtp, ADMIN.email, since);
    expect(mail?.subject).toBe('Two-factor sign-in is off for your CIPCA account');
    expect((await new Client(site.app).logIn(ADMIN.email, ADMIN.password)).location).toBe('/admin');
  });
});

describe('requiring two-factor sign-in for all administrators', () => {
  it('is refused beside the box for an admin without two-factor, then sends every admin without it to set-up and blocks the admin area', async () => {
    const { site, clock } = await newSite();
    const board = await logIn(site, ADMIN);
    const settings = await board.get('/admin/settings');
    expect(visibleText(settings.body)).toContain('You can turn this on only once two-factor sign-in is on for your own account');
    const form = {
      associationName: 'Colorado Industrial Pretreatment Coordinators Association',
      shortName: 'CIPCA',
      timeZone: 'America/Denver',
      requireAdminTwoFactor: 'on',
    };
    const refused = await board.postMultipart('/admin/settings', { ...form, _csrf: board.csrf() });
    expect(refused.status).toBe(422);
    expect(fieldError(refused.body, 'requireAdminTwoFactor')).toBe(
      'Error: Set up two-factor sign-in for your own account first (My account → Two-factor sign-in), then turn this on.',
    );
    // What was typed is kept, the box stays ticked, and nothing was saved.
    expect(refused.body).toMatch(/<input id="requireAdminTwoFactor" name="requireAdminTwoFactor" type="checkbox" value="on" checked/);
    expect((await site.state.getSettings()).requireAdminTwoFactor).toBe('');

    await enableTwoFactor(board, clock, ADMIN.password);
    await board.get('/admin/settings');
    const saved = await board.postMultipart('/admin/settings', { ...form, _csrf: board.csrf() });
    expect(saved.status).toBe(303);
    expect((await site.state.getSettings()).requireAdminTwoFactor).toBe('on');
    expect((await board.get('/admin')).status).toBe(200);
    // The list of users shows who has it.
    const users = visibleText((await board.get('/admin/users')).body);
    expect(users).toContain(`Board Admin ${ADMIN.email} Administrator On`);
    expect(users).toContain(`Tess Treasurer ${OTHER_ADMIN.email} Administrator Off`);

    // Another admin, without two-factor, logs in: sent to set it up, and nothing else in the admin area opens.
    const treasurer = new Client(site.app);
    const login = await treasurer.logIn(OTHER_ADMIN.email, OTHER_ADMIN.password);
    expect(login.location).toBe('/admin');
    const sent = await treasurer.get('/admin');
    expect(sent.status).toBe(303);
    expect(sent.location).toBe('/account/two-factor');
    for (const path of ['/admin/settings', '/admin/users', '/admin/members', '/admin/mail', '/admin/pages']) {
      const res = await treasurer.get(path);
      expect(res.status, path).toBe(303);
      expect(res.location, path).toBe('/account/two-factor');
    }
    await treasurer.get('/account/two-factor');
    const csrf = treasurer.csrf();
    const invite = await treasurer.post('/admin/users/invite', { _csrf: csrf, name: 'Eve', email: 'eve@example.org' });
    expect(invite.status).toBe(403);
    expect(await site.database.db.selectFrom('users').select('id').where('email', '=', 'eve@example.org').execute()).toEqual([]);

    const setupPage = await treasurer.get('/account/two-factor');
    expect(visibleText(setupPage.body)).toContain('This site requires two-factor sign-in for every administrator.');
    await enableTwoFactor(treasurer, clock, OTHER_ADMIN.password);
    expect((await treasurer.get('/admin')).status).toBe(200);

    // While it is required, an admin cannot turn their own off.
    await treasurer.get('/account/two-factor');
    const off = await treasurer.post('/account/two-factor/off', { _csrf: treasurer.csrf(), confirmOff: OTHER_ADMIN.password });
    expect(off.status).toBe(422);
    expect(visibleText(off.body)).toContain('Two-factor sign-in is required for all administrators of this site, so it cannot be turned off here.');
    expect(await site.accounts.twoFactor.isOn((await site.accounts.getUser(2))!.id)).toBe(true);

    // Members are not affected.
    expect((await new Client(site.app).logIn(MEMBER.email, MEMBER.password)).location).toBe('/account');
  });
});
