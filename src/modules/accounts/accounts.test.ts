import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createHeadworks } from '#src/app.js';
import { Client, fieldError, inputValue, visibleText, type Response } from '#test/support/client.js';
import * as kit from '#test/support/kit.js';
import { ADMIN, logIn, MEMBER } from '#test/support/kit.js';
import type { TestSite } from '#test/support/site.js';
import { linkIn, startSmtp, type SmtpCatcher } from '#test/support/smtp.js';

const WRONG_LOGIN = 'That e-mail address and password do not match an account. Check both and try again.';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

/** A site of its own for one test (fresh database, its own clock, mail through the SMTP catcher). */
async function newSite(options: { env?: Record<string, string>; people?: boolean } = {}) {
  const people = options.people !== false ? { admins: [ADMIN], members: [MEMBER] } : {};
  const { site, clock } = await kit.newSite({ smtp, env: options.env, ...people });
  return { site, clock };
}

/** Deliver the queued mail, then the messages that arrived for `address` since `since` (a count of messages). */
async function mailFor(site: TestSite, address: string, since: number): Promise<ParsedMail[]> {
  await site.jobs.runDue();
  return smtp.messages.slice(since).filter((m) => recipients(m).includes(address));
}

function recipients(m: ParsedMail): string[] {
  const to = m.to ? (Array.isArray(m.to) ? m.to : [m.to]) : [];
  return to.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
}

/** What a logged-in user sees at /account: 200 when the session works, a redirect to log in when not. */
async function isLoggedIn(c: Client) {
  const res = await c.get('/account');
  if (res.status === 200) return true;
  expect(res.status).toBe(303);
  expect(res.location).toBe('/login?next=%2Faccount');
  return false;
}

function tryLogIn(c: Client, email: string, password: string) {
  return c.submit('/login', { email, password });
}

/** The Set-Cookie line for one cookie in a response. */
function setCookieLine(res: Response, name: string): string | undefined {
  const header = res.headers['set-cookie'];
  const lines = Array.isArray(header) ? header : typeof header === 'string' ? [header] : [];
  return lines.find((l) => l.startsWith(`${name}=`));
}

function mainText(html: string): string {
  return visibleText(/<main[^>]*>([\s\S]*?)<\/main>/.exec(html)?.[1] ?? '');
}

const hasInput = (html: string, name: string) => new RegExp(`<input[^>]*\\bname="${name}"`).test(html);

async function passwordHashOf(site: TestSite, email: string) {
  const row = await site.database.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
  return row.password_hash;
}

describe('log-in and log-out', () => {
  it('logs a member in with e-mail and password, and out again', async () => {
    const { site } = await newSite();
    const c = new Client(site.app);
    expect(await isLoggedIn(c)).toBe(false);

    const res = await tryLogIn(c, 'Member@Example.org', MEMBER.password);
    expect(res.status).toBe(303);
    expect(res.location).toBe('/account');
    const account = await c.get('/account');
    expect(account.status).toBe(200);
    const text = visibleText(account.body);
    expect(text).toContain('Welcome, Mia Member. You are logged in.');
    expect(text).toContain(MEMBER.email);
    expect(text).toContain('Signed in as Mia Member');

    const out = await c.post('/logout', { _csrf: c.csrf() });
    expect(out.status).toBe(303);
    expect(out.location).toBe('/');
    expect(c.cookies.has('hw_session')).toBe(false);
    const home = await c.get('/');
    expect(visibleText(home.body)).toContain('You are logged out.');
    expect(await isLoggedIn(c)).toBe(false);
  });

  it('sends an administrator to /admin after log-in', async () => {
    const { site } = await newSite();
    const c = new Client(site.app);
    const res = await tryLogIn(c, ADMIN.email, ADMIN.password);
    expect(res.status).toBe(303);
    expect(res.location).toBe('/admin');
    expect((await c.get('/admin')).status).toBe(200);
  });

  it('answers a wrong password and an unknown e-mail with the same message', async () => {
    const { site } = await newSite();
    const wrongPassword = new Client(site.app);
    const unknown = new Client(site.app);
    const a = await tryLogIn(wrongPassword, MEMBER.email, 'not the right password');
    const b = await tryLogIn(unknown, 'nobody@example.org', 'not the right password');
    expect(a.status).toBe(422);
    expect(b.status).toBe(422);
    expect(visibleText(a.body)).toContain(WRONG_LOGIN);
    expect(visibleText(b.body)).toContain(WRONG_LOGIN);
    // Apart from the typed address, the two pages say exactly the same thing.
    expect(mainText(a.body).replace(MEMBER.email, 'X')).toBe(mainText(b.body).replace('nobody@example.org', 'X'));
    expect(inputValue(a.body, 'email')).toBe(MEMBER.email);
    expect(fieldError(a.body, 'email')).toBeUndefined();
    expect(fieldError(a.body, 'password')).toBeUndefined();
    expect(await isLoggedIn(wrongPassword)).toBe(false);
    expect(await isLoggedIn(unknown)).toBe(false);
  });

  it('asks for the missing fields beside them', async () => {
    const { site } = await newSite();
    const res = await tryLogIn(new Client(site.app), 'not-an-address', '');
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'email')).toBe('Error: Enter an e-mail address in the form name@example.org.');
    expect(fieldError(res.body, 'password')).toBe('Error: Enter your password.');
  });

  it('stores a password a person chooses only as an argon2id hash', async () => {
    const { site } = await newSite();
    const c = await logIn(site, MEMBER);
    const res = await c.submit('/account/password', { current: MEMBER.password, password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(res.status).toBe(303);
    const hash = await passwordHashOf(site, MEMBER.email);
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(hash).not.toContain('a brand new passphrase');
  });

  it('no longer accepts the session cookie once its owner has logged out', async () => {
    const { site } = await newSite();
    const c = await logIn(site, MEMBER);
    const oldCookie = c.cookies.get('hw_session')!;
    expect(oldCookie).toBeTruthy();
    await c.get('/account');
    const out = await c.post('/logout', { _csrf: c.csrf() });
    expect(out.status).toBe(303);

    // Someone who kept a copy of the cookie replays it.
    const replay = new Client(site.app);
    replay.cookies.set('hw_session', oldCookie);
    const res = await replay.get('/account');
    expect(res.status).toBe(303);
    expect(res.location).toBe('/login?next=%2Faccount');
    expect(replay.cookies.has('hw_session')).toBe(false);
    const home = await replay.get('/');
    expect(visibleText(home.body)).not.toContain('Signed in as');
  });
});

describe('sessions', () => {
  it('are kept in the database, so a second site process on the same database accepts them', async () => {
    const { site, clock } = await newSite();
    const second = await createHeadworks(site.config, { clock });
    onTestFinished(() => second.close());

    const first = await logIn(site, MEMBER);
    const elsewhere = new Client(second.app);
    elsewhere.cookies.set('hw_session', first.cookies.get('hw_session')!);
    const res = await elsewhere.get('/account');
    expect(res.status).toBe(200);
    expect(visibleText(res.body)).toContain('Signed in as Mia Member');

    // Logging out through the second process ends the session for the first too.
    const out = await elsewhere.post('/logout', { _csrf: elsewhere.csrf() });
    expect(out.status).toBe(303);
    expect(await isLoggedIn(first)).toBe(false);

    // And a log-in on the second process works on the first.
    const viaSecond = await logIn(second, ADMIN);
    const back = new Client(site.app);
    back.cookies.set('hw_session', viaSecond.cookies.get('hw_session')!);
    expect((await back.get('/admin')).status).toBe(200);
  });

  it('use a cookie that is HttpOnly, SameSite=Lax, for the whole site, and not Secure over plain http', async () => {
    const { site } = await newSite();
    const res = await tryLogIn(new Client(site.app), MEMBER.email, MEMBER.password);
    const line = setCookieLine(res, 'hw_session');
    expect(line).toBeDefined();
    const attrs = line!.split(';').map((a) => a.trim().toLowerCase());
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=lax');
    expect(attrs).toContain('path=/');
    expect(attrs).not.toContain('secure');
  });

  it('use a Secure cookie when the site is served over https', async () => {
    const { site } = await newSite({ env: { BASE_URL: 'https://cipca.example.org' } });
    const res = await tryLogIn(new Client(site.app), MEMBER.email, MEMBER.password);
    expect(res.status).toBe(303);
    const attrs = setCookieLine(res, 'hw_session')!
      .split(';')
      .map((a) => a.trim().toLowerCase());
    expect(attrs).toContain('secure');
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=lax');
    expect(attrs).toContain('path=/');
  });
});

describe('forms are protected against cross-site requests', () => {
  it('refuses a log-in without the form token, and does not log in', async () => {
    const { site } = await newSite();
    const c = new Client(site.app);
    await c.get('/login');
    const res = await c.post('/login', { email: MEMBER.email, password: MEMBER.password });
    expect(res.status).toBe(403);
    expect(visibleText(res.body)).toContain('This form has expired');
    expect(setCookieLine(res, 'hw_session')).toBeUndefined();
    expect(await isLoggedIn(c)).toBe(false);
  });

  it('refuses a log-in whose token belongs to another browser, and does not log in', async () => {
    const { site } = await newSite();
    const attacker = new Client(site.app);
    await attacker.get('/login');
    const attackersToken = attacker.csrf();
    const victim = new Client(site.app);
    await victim.get('/login');
    expect(victim.csrf()).not.toBe(attackersToken);
    const res = await victim.post('/login', { email: MEMBER.email, password: MEMBER.password, _csrf: attackersToken });
    expect(res.status).toBe(403);
    expect(await isLoggedIn(victim)).toBe(false);
  });

  it('refuses an admin form posted without a valid token, and creates no page', async () => {
    const { site } = await newSite();
    const admin = await logIn(site, ADMIN);
    const page = { title: 'Forged page', slug: 'forged-page', body: 'Forged.', visibility: 'public' };
    expect((await admin.post('/admin/pages', page)).status).toBe(403);
    expect((await admin.post('/admin/pages', { ...page, _csrf: 'not-the-token' })).status).toBe(403);
    expect((await new Client(site.app).get('/forged-page')).status).toBe(404);
    // The same form with the page's token works, so the 403s above were the token's doing.
    await admin.get('/admin/pages/new');
    expect((await admin.post('/admin/pages', { ...page, _csrf: admin.csrf() })).status).toBe(303);
    expect((await new Client(site.app).get('/forged-page')).status).toBe(200);
  });

  it('does not log out on a log-out request without the token', async () => {
    const { site } = await newSite();
    const c = await logIn(site, MEMBER);
    const res = await c.post('/logout', {});
    expect(res.status).toBe(403);
    expect(await isLoggedIn(c)).toBe(true);
  });
});

describe('failed log-ins are rate limited', () => {
  it('pauses log-in for an account after 5 failures, even with the right password, until 15 minutes have passed', async () => {
    const { site, clock } = await newSite();
    const c = new Client(site.app);
    for (let i = 0; i < 5; i++) {
      expect((await tryLogIn(c, MEMBER.email, `wrong password ${i}`)).status).toBe(422);
    }
    const locked = await tryLogIn(c, MEMBER.email, MEMBER.password);
    expect(locked.status).toBe(429);
    const minutes = /try again in (\d+) minutes?/.exec(visibleText(locked.body))?.[1];
    expect(minutes).toBe('15');
    expect(await isLoggedIn(c)).toBe(false);

    // Another account is not affected.
    expect((await tryLogIn(new Client(site.app), ADMIN.email, ADMIN.password)).status).toBe(303);

    clock.advance(10 * MINUTE);
    const still = await tryLogIn(c, MEMBER.email, MEMBER.password);
    expect(still.status).toBe(429);
    expect(visibleText(still.body)).toContain('try again in 5 minutes');

    clock.advance(5 * MINUTE + 1000);
    const res = await tryLogIn(c, MEMBER.email, MEMBER.password);
    expect(res.status).toBe(303);
    expect(await isLoggedIn(c)).toBe(true);
  });

  it('pauses log-in from an address after 20 failures across different e-mail addresses', async () => {
    const { site, clock } = await newSite();
    const c = new Client(site.app);
    for (let i = 0; i < 20; i++) {
      expect((await tryLogIn(c, `guess${i}@example.org`, 'password123')).status).toBe(422);
    }
    const locked = await tryLogIn(c, MEMBER.email, MEMBER.password);
    expect(locked.status).toBe(429);
    expect(visibleText(locked.body)).toMatch(/try again in \d+ minutes?/);

    // Someone at another address can still log in.
    const other = new Client(site.app);
    await other.get('/login');
    const res = await site.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: '203.0.113.7',
      headers: { cookie: [...other.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email: ADMIN.email, password: ADMIN.password, _csrf: other.csrf() }).toString(),
    });
    expect(res.statusCode).toBe(303);

    clock.advance(15 * MINUTE + 1000);
    expect((await tryLogIn(c, MEMBER.email, MEMBER.password)).status).toBe(303);
  });
});

describe('behind a reverse proxy', () => {
  /** A log-in through the proxy (the app sees the proxy's address), for a client that wrote its own X-Forwarded-For. */
  async function logInVia(site: TestSite, forwardedFor: string, email: string, password: string) {
    const c = new Client(site.app);
    await c.get('/login');
    return c.request('POST', '/login', { form: { email, password, _csrf: c.csrf() }, headers: { 'x-forwarded-for': forwardedFor } });
  }

  it.each(['true', '1', '127.0.0.1'])('with TRUST_PROXY=%s counts the address the proxy saw, not one the client wrote', async (trust) => {
    const { site } = await newSite({ env: { TRUST_PROXY: trust } });
    // The proxy appends the address it saw (203.0.113.9) to whatever the client sent.
    for (let i = 0; i < 20; i++) {
      expect((await logInVia(site, `198.51.100.${i}, 203.0.113.9`, `guess${i}@example.org`, 'not the password')).status).toBe(422);
    }
    expect((await logInVia(site, '192.0.2.1, 203.0.113.9', MEMBER.email, MEMBER.password)).status).toBe(429);
    expect((await logInVia(site, '203.0.113.9', MEMBER.email, MEMBER.password)).status).toBe(429);
    // Another client behind the same proxy is not paused.
    expect((await logInVia(site, '203.0.113.10', MEMBER.email, MEMBER.password)).status).toBe(303);
  });
});

describe('log-in limits hold against requests sent at once, across app processes', () => {
  /** Two app processes on one database, and `n` browsers that each opened the log-in page on one of them, in turn. */
  async function browsersOnTwoProcesses(n: number) {
    const { site, clock } = await newSite();
    const second = await createHeadworks(site.config, { clock });
    onTestFinished(() => second.close());
    const browsers: Client[] = [];
    for (let i = 0; i < n; i++) {
      const c = new Client(i % 2 === 0 ? site.app : second.app);
      await c.get('/login');
      browsers.push(c);
    }
    return { site, clock, second, browsers };
  }

  const send = (c: Client, email: string, password: string) => c.post('/login', { email, password, _csrf: c.csrf() });
  const statuses = (responses: Response[]) => responses.map((r) => r.status);
  const count = (list: number[], status: number) => list.filter((s) => s === status).length;

  it('checks at most 5 passwords of a burst of 50 for one account, refusing the right one sent last once 5 wrong ones were', async () => {
    const { site, clock, browsers } = await browsersOnTwoProcesses(50);
    const responses = await Promise.all(browsers.map((c, i) => send(c, MEMBER.email, i === 49 ? MEMBER.password : `wrong guess number ${i}`)));
    const all = statuses(responses);
    // Attempts counted at the same moment may refuse each other, so fewer than 5 may have been
    // checked: never more. The rest were refused without a check.
    const wrong = count(all, 422);
    expect(wrong + count(all, 303)).toBeLessThanOrEqual(5);
    expect(count(all, 429)).toBe(50 - wrong - count(all, 303));
    expect(visibleText(responses.find((r) => r.status === 429)!.body)).toMatch(/try again in 15 minutes/);
    if (wrong === 5) expect(all[49]).toBe(429);

    if (all[49] === 429) {
      // Wrong guesses one at a time are checked until 5 in all were; then the right one is refused.
      for (let i = wrong; i < 5; i++) expect((await tryLogIn(new Client(site.app), MEMBER.email, `later guess ${i}`)).status).toBe(422);
      const locked = await tryLogIn(browsers[49]!, MEMBER.email, MEMBER.password);
      expect(locked.status).toBe(429);
      expect(await isLoggedIn(browsers[49]!)).toBe(false);
    }

    // The pause ends 15 minutes after the counted failures; refused attempts did not lengthen it.
    clock.advance(15 * MINUTE + 1000);
    expect((await tryLogIn(new Client(site.app), MEMBER.email, MEMBER.password)).status).toBe(303);
  });

  it('answers 429 to the wrong guesses beyond the fifth among 15 sent at once', async () => {
    const { browsers } = await browsersOnTwoProcesses(15);
    const all = statuses(await Promise.all(browsers.map((c, i) => send(c, MEMBER.email, `wrong guess number ${i}`))));
    expect(count(all, 422)).toBeLessThanOrEqual(5);
    expect(count(all, 429)).toBeGreaterThanOrEqual(10);
    expect(count(all, 422) + count(all, 429)).toBe(15);
  });

  it('holds the per-address limit too: of 30 guesses at different accounts sent at once, at most 20 are checked', async () => {
    const { site, browsers } = await browsersOnTwoProcesses(30);
    const all = statuses(await Promise.all(browsers.map((c, i) => send(c, `guess${i}@example.org`, 'not the password'))));
    expect(count(all, 422)).toBeLessThanOrEqual(20);
    expect(count(all, 429)).toBeGreaterThanOrEqual(10);
    expect(count(all, 422) + count(all, 429)).toBe(30);
    // Guesses one at a time are checked only until 20 in all were: then even the right password waits.
    let checked = count(all, 422);
    for (let i = 0; checked < 20 && i < 20; i++) {
      expect((await tryLogIn(new Client(site.app), `later${i}@example.org`, 'not the password')).status).toBe(422);
      checked++;
    }
    expect(checked).toBe(20);
    expect((await tryLogIn(new Client(site.app), MEMBER.email, MEMBER.password)).status).toBe(429);
  });

  it('lets a successful log-in not count against its address', async () => {
    const { site } = await newSite();
    for (let i = 0; i < 25; i++) {
      const c = new Client(site.app);
      expect((await tryLogIn(c, MEMBER.email, MEMBER.password)).status).toBe(303);
    }
    expect((await tryLogIn(new Client(site.app), ADMIN.email, ADMIN.password)).status).toBe(303);
  });
});

describe('forgot password', () => {
  async function askForReset(site: TestSite, email: string) {
    const since = smtp.messages.length;
    const res = await new Client(site.app).submit('/forgot-password', { email });
    expect(res.status).toBe(200);
    return { res, mails: await mailFor(site, email, since) };
  }

  it('e-mails a link to choose a new password', async () => {
    const { site } = await newSite();
    const { res, mails } = await askForReset(site, MEMBER.email);
    expect(visibleText(res.body)).toContain(`If an account exists for ${MEMBER.email}, we have sent it a link`);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Reset your CIPCA password');
    expect(mails[0]!.text).toContain('Hello Mia Member');
    expect(mails[0]!.text).toContain('asked to reset the password of your CIPCA account.\nTo choose a new password, open this link within 1 hour:');
    expect(mails[0]!.text).toContain('The link works once.');
    const link = linkIn(mails[0]!.text);
    expect(link).toMatch(/^\/reset-password\/[\w-]{20,}$/);
    expect((await new Client(site.app).get(link)).status).toBe(200);
  });

  it('says the same for an address without an account, and sends no e-mail', async () => {
    const { site } = await newSite();
    const known = await askForReset(site, MEMBER.email);
    const since = smtp.messages.length;
    const unknown = await askForReset(site, 'stranger@example.org');
    expect(unknown.mails).toHaveLength(0);
    expect(smtp.messages.length).toBe(since);
    expect(visibleText(unknown.res.body)).toContain('If an account exists for stranger@example.org');
    expect(mainText(unknown.res.body).replace('stranger@example.org', 'X')).toBe(mainText(known.res.body).replace(MEMBER.email, 'X'));
  });

  it('lets the link set a new password, refusing a mismatch or a short one beside the fields, and logs the user in', async () => {
    const { site } = await newSite();
    const elsewhere = await logIn(site, MEMBER);
    const { mails } = await askForReset(site, MEMBER.email);
    const link = linkIn(mails[0]!.text);
    const c = new Client(site.app);

    const page = await c.get(link);
    expect(page.status).toBe(200);
    expect(visibleText(page.body)).toContain(`Choose a new password for ${MEMBER.email}`);

    const mismatch = await c.submit(link, { password: 'a fresh new password', confirm: 'a fresh new passw0rd' });
    expect(mismatch.status).toBe(422);
    expect(fieldError(mismatch.body, 'confirm')).toBe('Error: The two passwords are not the same. Type the new password again.');
    const short = await c.submit(link, { password: 'short', confirm: 'short' });
    expect(short.status).toBe(422);
    expect(fieldError(short.body, 'password')).toMatch(/^Error: Use at least 12 characters/);

    const res = await c.submit(link, { password: 'a fresh new password', confirm: 'a fresh new password' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/account');
    const account = await c.get('/account');
    expect(account.status).toBe(200);
    expect(visibleText(account.body)).toContain('Your new password is saved and you are logged in.');
    expect(await passwordHashOf(site, MEMBER.email)).toMatch(/^\$argon2id\$/);

    // The session on another device is over; the old password no longer works, the new one does.
    expect(await isLoggedIn(elsewhere)).toBe(false);
    const old = await tryLogIn(new Client(site.app), MEMBER.email, MEMBER.password);
    expect(old.status).toBe(422);
    expect(visibleText(old.body)).toContain(WRONG_LOGIN);
    expect((await tryLogIn(new Client(site.app), MEMBER.email, 'a fresh new password')).status).toBe(303);
  });

  it('makes a link work only once', async () => {
    const { site } = await newSite();
    const { mails } = await askForReset(site, MEMBER.email);
    const link = linkIn(mails[0]!.text);
    const first = new Client(site.app);
    expect((await first.submit(link, { password: 'a fresh new password', confirm: 'a fresh new password' })).status).toBe(303);

    const again = new Client(site.app);
    const page = await again.get(link);
    expect(page.status).toBe(410);
    expect(visibleText(page.body)).toContain('This link has expired or was already used.');
    // Posting the form from a page opened before the first use does not work either.
    await again.get('/login');
    const post = await again.post(link, { password: 'another new password', confirm: 'another new password', _csrf: again.csrf() });
    expect(post.status).toBe(410);
    expect(visibleText(post.body)).toContain('expired or was already used');
    expect((await tryLogIn(new Client(site.app), MEMBER.email, 'another new password')).status).toBe(422);
    expect((await tryLogIn(new Client(site.app), MEMBER.email, 'a fresh new password')).status).toBe(303);
  });

  it('lets only one of two forms sent at the same moment use a link', async () => {
    const { site } = await newSite();
    const { mails } = await askForReset(site, MEMBER.email);
    const link = linkIn(mails[0]!.text);
    const a = new Client(site.app);
    const b = new Client(site.app);
    await a.get(link);
    await b.get(link);
    const [ra, rb] = await Promise.all([
      a.post(link, { password: 'password from tab A', confirm: 'password from tab A', _csrf: a.csrf() }),
      b.post(link, { password: 'password from tab B', confirm: 'password from tab B', _csrf: b.csrf() }),
    ]);
    // Exactly one is saved; the other is told the link was already used.
    expect([ra.status, rb.status].filter((s) => s === 303)).toHaveLength(1);
    const [won, lost] = ra.status === 303 ? [ra, rb] : [rb, ra];
    expect(won.location).toBe('/account');
    expect(visibleText(lost.body)).toContain('This link has expired or was already used.');
    const winner = won === ra ? 'password from tab A' : 'password from tab B';
    const loser = won === ra ? 'password from tab B' : 'password from tab A';
    expect((await tryLogIn(new Client(site.app), MEMBER.email, loser)).status).toBe(422);
    expect((await tryLogIn(new Client(site.app), MEMBER.email, winner)).status).toBe(303);
  });

  it('makes a link expire after one hour', async () => {
    const { site, clock } = await newSite();
    const { mails } = await askForReset(site, MEMBER.email);
    const link = linkIn(mails[0]!.text);
    const c = new Client(site.app);
    clock.advance(59 * MINUTE);
    expect((await c.get(link)).status).toBe(200);
    clock.advance(MINUTE + 1000);
    const expired = await c.get(link);
    expect(expired.status).toBe(410);
    expect(visibleText(expired.body)).toContain('This link has expired or was already used.');
    expect(expired.body).toContain('href="/forgot-password"');
    await c.get('/login');
    expect((await c.post(link, { password: 'a fresh new password', confirm: 'a fresh new password', _csrf: c.csrf() })).status).toBe(410);
    expect((await tryLogIn(new Client(site.app), MEMBER.email, MEMBER.password)).status).toBe(303);
  });

  it('sends at most 3 reset e-mails per hour to one address', async () => {
    const { site, clock } = await newSite();
    const since = smtp.messages.length;
    for (let i = 0; i < 4; i++) {
      const { res } = await askForReset(site, MEMBER.email);
      expect(visibleText(res.body)).toContain(`If an account exists for ${MEMBER.email}`);
    }
    expect(await mailFor(site, MEMBER.email, since)).toHaveLength(3);
    clock.advance(HOUR + 1000);
    const { mails } = await askForReset(site, MEMBER.email);
    expect(mails).toHaveLength(1);
  });

  it('sends at most 3 reset e-mails to one address when 8 forms are sent at once', async () => {
    const { site } = await newSite();
    const since = smtp.messages.length;
    const browsers: Client[] = [];
    for (let i = 0; i < 8; i++) {
      const c = new Client(site.app);
      await c.get('/forgot-password');
      browsers.push(c);
    }
    const responses = await Promise.all(browsers.map((c) => c.post('/forgot-password', { email: MEMBER.email, _csrf: c.csrf() })));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    // Forms counted at the same moment may all see each other, so fewer than 3 may go: never more.
    expect((await mailFor(site, MEMBER.email, since)).length).toBeLessThanOrEqual(3);
  });
});

describe("changing one's password", () => {
  it('refuses a wrong current password beside the field and keeps the old password', async () => {
    const { site } = await newSite();
    const c = await logIn(site, MEMBER);
    const res = await c.submit('/account/password', { current: 'not my password', password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'current')).toBe('Error: That is not your current password.');
    expect((await tryLogIn(new Client(site.app), MEMBER.email, 'a brand new passphrase')).status).toBe(422);
    expect((await tryLogIn(new Client(site.app), MEMBER.email, MEMBER.password)).status).toBe(303);
  });

  it("pauses after as many wrong current passwords as log-in allows, and the pause is the log-in's own", async () => {
    const { site, clock } = await newSite();
    const c = await logIn(site, MEMBER);
    for (let i = 0; i < 5; i++) {
      const res = await c.submit('/account/password', { current: `guess ${i}`, password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
      expect(res.status).toBe(422);
      expect(fieldError(res.body, 'current')).toBe('Error: That is not your current password.');
    }
    // Even the right password is not checked now.
    const locked = await c.submit('/account/password', { current: MEMBER.password, password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(locked.status).toBe(429);
    expect(fieldError(locked.body, 'current')).toBe(
      'Error: Too many failed attempts. For your security, password checks are paused for this account: try again in 15 minutes, or reset your password.',
    );
    // The same count as log-in: logging in is paused too.
    expect((await tryLogIn(new Client(site.app), MEMBER.email, MEMBER.password)).status).toBe(429);

    // Nothing was changed: the old password still works once the pause is over.
    clock.advance(15 * 60_000);
    const changed = await c.submit('/account/password', { current: MEMBER.password, password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(changed.status).toBe(303);
  });

  it('refuses a too short or mistyped new password beside the field', async () => {
    const { site } = await newSite();
    const c = await logIn(site, MEMBER);
    const short = await c.submit('/account/password', { current: MEMBER.password, password: 'tiny', confirm: 'tiny' });
    expect(short.status).toBe(422);
    expect(fieldError(short.body, 'password')).toMatch(/^Error: Use at least 12 characters/);
    const mismatch = await c.submit('/account/password', { current: MEMBER.password, password: 'a brand new passphrase', confirm: 'a brand new passphrasE' });
    expect(mismatch.status).toBe(422);
    expect(fieldError(mismatch.body, 'confirm')).toMatch(/not the same/);
  });

  it('keeps this session, logs out the others, and e-mails the user that the password was changed', async () => {
    const { site } = await newSite();
    const here = await logIn(site, MEMBER);
    const phone = await logIn(site, MEMBER);
    const since = smtp.messages.length;
    const res = await here.submit('/account/password', { current: MEMBER.password, password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/account');
    const account = await here.get('/account');
    expect(account.status).toBe(200);
    expect(visibleText(account.body)).toContain('Your password was changed.');
    expect(await isLoggedIn(phone)).toBe(false);

    const mails = await mailFor(site, MEMBER.email, since);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Your CIPCA password was changed');
    expect(mails[0]!.text).toContain('Hello Mia Member,');
    expect(mails[0]!.text).toContain('password of your CIPCA account was just changed');
    expect(linkIn(mails[0]!.text)).toBe('/forgot-password');
    expect((await new Client(site.app).get('/forgot-password')).status).toBe(200);

    expect((await tryLogIn(new Client(site.app), MEMBER.email, MEMBER.password)).status).toBe(422);
    expect((await tryLogIn(new Client(site.app), MEMBER.email, 'a brand new passphrase')).status).toBe(303);
  });

  it('is only for logged-in people', async () => {
    const { site } = await newSite();
    const res = await new Client(site.app).get('/account/password');
    expect(res.status).toBe(303);
    expect(res.location).toBe('/login?next=%2Faccount%2Fpassword');
  });
});

describe('inviting administrators', () => {
  it('e-mails the invitee a link to choose a name and password, which lands them in /admin as an administrator', async () => {
    const { site } = await newSite();
    const admin = await logIn(site, ADMIN);
    const since = smtp.messages.length;
    const res = await admin.submit('/admin/users/invite', { name: 'Nora New', email: 'Nora@Example.org' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/admin/users');
    const list = await admin.get('/admin/users');
    expect(visibleText(list.body)).toContain('An invitation was sent to nora@example.org.');
    expect(visibleText(list.body)).toMatch(/Nora New\s*Invitation not accepted yet nora@example.org Administrator/);

    const mails = await mailFor(site, 'nora@example.org', since);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('You are invited to administer the CIPCA website');
    expect(mails[0]!.text).toContain('Hello Nora New,');
    expect(mails[0]!.text).toContain('Board Admin has invited you to help run the CIPCA website as an administrator.\nTo accept, open this link within 7 days');
    const link = linkIn(mails[0]!.text);
    expect(link).toMatch(/^\/setup\/[\w-]{20,}$/);

    const nora = new Client(site.app);
    const page = await nora.get(link);
    expect(page.status).toBe(200);
    expect(visibleText(page.body)).toContain('You will log in with nora@example.org');
    expect(inputValue(page.body, 'name')).toBe('Nora New');

    const short = await nora.submit(link, { name: 'Nora N.', password: 'short', confirm: 'short' });
    expect(short.status).toBe(422);
    expect(fieldError(short.body, 'password')).toMatch(/^Error: Use at least 12 characters/);
    expect(inputValue(short.body, 'name')).toBe('Nora N.');

    const done = await nora.submit(link, { name: 'Nora N.', password: 'nora chooses this one', confirm: 'nora chooses this one' });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/admin');
    const adminPage = await nora.get('/admin');
    expect(adminPage.status).toBe(200);
    expect(visibleText(adminPage.body)).toContain('Welcome! Your account is ready.');
    expect(visibleText(adminPage.body)).toContain('Signed in as Nora N.');
    expect((await nora.get('/admin/users/invite')).status).toBe(200);
    expect(await passwordHashOf(site, 'nora@example.org')).toMatch(/^\$argon2id\$/);

    expect((await new Client(site.app).get(link)).status).toBe(410);
    const again = new Client(site.app);
    expect((await tryLogIn(again, 'nora@example.org', 'nora chooses this one')).location).toBe('/admin');
  });

  it('refuses to invite someone who is already an administrator, beside the e-mail field', async () => {
    const { site } = await newSite();
    const admin = await logIn(site, ADMIN);
    const since = smtp.messages.length;
    const res = await admin.submit('/admin/users/invite', { name: 'Board again', email: ADMIN.email });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'email')).toBe(`Error: ${ADMIN.email} is already an administrator.`);
    expect(inputValue(res.body, 'name')).toBe('Board again');
    expect(await mailFor(site, ADMIN.email, since)).toHaveLength(0);
  });

  it('refuses a bad e-mail address beside the field and keeps the typed name', async () => {
    const { site } = await newSite();
    const admin = await logIn(site, ADMIN);
    const res = await admin.submit('/admin/users/invite', { name: 'Paula Pending', email: 'paula at example' });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'email')).toBe('Error: Enter an e-mail address in the form name@example.org.');
    expect(inputValue(res.body, 'name')).toBe('Paula Pending');
    expect(inputValue(res.body, 'email')).toBe('paula at example');
    expect(visibleText((await admin.get('/admin/users')).body)).not.toContain('Paula Pending');
  });

  it('promotes an existing member at once and tells them by e-mail', async () => {
    const { site } = await newSite();
    const admin = await logIn(site, ADMIN);
    const member = await logIn(site, MEMBER);
    expect((await member.get('/admin')).status).toBe(403);
    const since = smtp.messages.length;
    const res = await admin.submit('/admin/users/invite', { name: 'Mia', email: MEMBER.email });
    expect(res.status).toBe(303);
    expect(visibleText((await admin.get('/admin/users')).body)).toContain(`${MEMBER.email} already had an account and is now an administrator`);

    const mails = await mailFor(site, MEMBER.email, since);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('You are now an administrator of the CIPCA website');
    expect(mails[0]!.text).toContain('Hello Mia Member,');
    expect(mails[0]!.text).toContain('Board Admin has made you an administrator of the CIPCA website.');
    expect(linkIn(mails[0]!.text)).toBe('/admin');

    expect((await member.get('/admin')).status).toBe(200);
    const fresh = new Client(site.app);
    expect((await tryLogIn(fresh, MEMBER.email, MEMBER.password)).location).toBe('/admin');
  });

  it('is refused to members (403) and sends visitors to log in', async () => {
    const { site } = await newSite();
    const member = await logIn(site, MEMBER);
    expect((await member.get('/admin/users/invite')).status).toBe(403);
    await member.get('/account');
    const post = await member.post('/admin/users/invite', { name: 'Sneaky', email: 'sneaky@example.org', _csrf: member.csrf() });
    expect(post.status).toBe(403);
    const admin = await logIn(site, ADMIN);
    expect(visibleText((await admin.get('/admin/users')).body)).not.toContain('sneaky@example.org');

    const visitor = await new Client(site.app).get('/admin/users/invite');
    expect(visitor.status).toBe(303);
    expect(visitor.location).toBe('/login?next=%2Fadmin%2Fusers%2Finvite');
  });
});

describe('the first administrator', () => {
  it('is created from an e-mail and password given at start, and can log in', async () => {
    const { site } = await newSite({ people: false });
    expect(await site.accounts.ensureFirstAdmin({ email: 'chair@example.org', password: 'the chair password' })).toEqual({ created: 'chair@example.org' });
    expect(await passwordHashOf(site, 'chair@example.org')).toMatch(/^\$argon2id\$/);
    const c = new Client(site.app);
    const res = await tryLogIn(c, 'chair@example.org', 'the chair password');
    expect(res.status).toBe(303);
    expect(res.location).toBe('/admin');
    expect((await c.get('/admin')).status).toBe(200);
    // Once an administrator exists there is nothing more to do at start.
    expect(await site.accounts.ensureFirstAdmin()).toBeNull();
  });

  it('sets up from a one-time link asking for e-mail, name and password when none is given', async () => {
    const { site } = await newSite({ people: false });
    const first = await site.accounts.ensureFirstAdmin();
    expect(first).not.toBeNull();
    expect(first).toHaveProperty('setupLink');
    const setupLink = (first as { setupLink: string }).setupLink;
    const link = linkIn(setupLink);
    expect(link).toMatch(/^\/setup\/[\w-]{20,}$/);

    const c = new Client(site.app);
    const page = await c.get(link);
    expect(page.status).toBe(200);
    expect(visibleText(page.body)).toContain("You are setting up the site's first administrator account.");
    for (const field of ['email', 'name', 'password', 'confirm']) expect(hasInput(page.body, field), field).toBe(true);

    const bad = await c.submit(link, { email: 'chair-at-example', name: 'Chris Chair', password: 'the chair password', confirm: 'the chair password' });
    expect(bad.status).toBe(422);
    expect(fieldError(bad.body, 'email')).toBe('Error: Enter an e-mail address in the form name@example.org.');
    expect(inputValue(bad.body, 'name')).toBe('Chris Chair');

    const res = await c.submit(link, { email: 'Chair@Example.org', name: 'Chris Chair', password: 'the chair password', confirm: 'the chair password' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/admin');
    const admin = await c.get('/admin');
    expect(admin.status).toBe(200);
    expect(visibleText(admin.body)).toContain('Signed in as Chris Chair');
    expect(await passwordHashOf(site, 'chair@example.org')).toMatch(/^\$argon2id\$/);

    const reused = await new Client(site.app).get(link);
    expect(reused.status).toBe(410);
    expect(visibleText(reused.body)).toContain('This link has expired or was already used.');
    const other = new Client(site.app);
    await other.get('/login');
    const post = await other.post(link, { email: 'mallory@example.org', name: 'Mallory', password: 'mallory wants in', confirm: 'mallory wants in', _csrf: other.csrf() });
    expect(post.status).toBe(410);
    expect((await tryLogIn(new Client(site.app), 'mallory@example.org', 'mallory wants in')).status).toBe(422);
    expect((await tryLogIn(new Client(site.app), 'chair@example.org', 'the chair password')).location).toBe('/admin');
    expect(await site.accounts.ensureFirstAdmin()).toBeNull();
  });

  it('keeps every first-start link working when two processes start at once, until one is used', async () => {
    const { site } = await newSite({ people: false });
    // Each process that starts before an administrator exists prints its own link.
    const one = linkIn(((await site.accounts.ensureFirstAdmin()) as { setupLink: string }).setupLink);
    const two = linkIn(((await site.accounts.ensureFirstAdmin()) as { setupLink: string }).setupLink);
    expect(one).not.toBe(two);
    expect((await new Client(site.app).get(one)).status).toBe(200);
    expect((await new Client(site.app).get(two)).status).toBe(200);
    const res = await new Client(site.app).submit(two, { email: 'chair@example.org', name: 'Chris Chair', password: 'the chair password', confirm: 'the chair password' });
    expect(res.location).toBe('/admin');
    // Once an administrator exists, neither link works.
    expect((await new Client(site.app).get(one)).status).toBe(410);
    expect((await new Client(site.app).get(two)).status).toBe(410);
  });

  it('gives a set-up link that stops working after a day', async () => {
    const { site, clock } = await newSite({ people: false });
    const { setupLink } = (await site.accounts.ensureFirstAdmin()) as { setupLink: string };
    clock.advance(24 * HOUR + 1000);
    expect((await new Client(site.app).get(linkIn(setupLink))).status).toBe(410);
  });

  it('has no default password', async () => {
    const { site } = await newSite({ people: false });
    expect((await site.accounts.listUsers(1, 10)).total).toBe(0);
    const guesses: [string, string][] = [
      ['admin@localhost', 'admin'],
      ['admin@localhost', 'password'],
      ['admin@localhost', 'headworks'],
      ['admin@example.org', 'admin'],
      ['admin@example.org', 'password'],
    ];
    for (const [email, password] of guesses) {
      const res = await tryLogIn(new Client(site.app), email, password);
      expect(res.status, `${email} / ${password}`).toBe(422);
    }
    // Starting up without settings leaves no account either, only a link.
    expect(await site.accounts.ensureFirstAdmin()).toHaveProperty('setupLink');
    expect((await site.accounts.listUsers(1, 10)).total).toBe(0);
  });
});

describe('where log-in leads', () => {
  it('follows a local "next" path', async () => {
    const { site } = await newSite();
    const c = new Client(site.app);
    await c.get('/login?next=%2Faccount%2Fpassword');
    const res = await c.post('/login?next=%2Faccount%2Fpassword', { email: MEMBER.email, password: MEMBER.password, _csrf: c.csrf() });
    expect(res.location).toBe('/account/password');
  });

  it.each(['//evil.example', '/\\evil.example', 'https://evil.example/', '/\t/evil.example', '/\n/evil.example'])('never leads to another site (next=%j)', async (next) => {
    const { site } = await newSite();
    const url = `/login?next=${encodeURIComponent(next)}`;
    const c = new Client(site.app);
    const form = await c.get(url);
    expect(form.status).toBe(200);
    expect(form.body).not.toContain('evil.example');
    const res = await c.post(url, { email: MEMBER.email, password: MEMBER.password, _csrf: c.csrf() });
    expect(res.status).toBe(303);
    // Where a browser would go: resolved the way browsers resolve a Location header.
    expect(new URL(res.location!, 'http://localhost:3000').origin).toBe('http://localhost:3000');
    expect(res.location).toBe('/account');

    // Already logged in, the log-in page redirects at once: also only to this site.
    const again = await c.get(url);
    expect(again.status).toBe(303);
    expect(new URL(again.location!, 'http://localhost:3000').origin).toBe('http://localhost:3000');
  });

  it('logs in without an error when "next" holds characters a header cannot carry', async () => {
    const { site } = await newSite();
    const url = `/login?next=${encodeURIComponent('/日本')}`;
    const c = new Client(site.app);
    await c.get(url);
    const res = await c.post(url, { email: MEMBER.email, password: MEMBER.password, _csrf: c.csrf() });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/account');
  });
});

describe('second chances', () => {
  it('sends a fresh invitation to an administrator who has not accepted yet, and the old link stops working', async () => {
    const { site } = await newSite();
    const admin = await logIn(site, ADMIN);
    let since = smtp.messages.length;
    await admin.submit('/admin/users/invite', { name: 'Pat Pending', email: 'pat@example.org' });
    const first = linkIn((await mailFor(site, 'pat@example.org', since))[0]!.text);
    since = smtp.messages.length;
    const again = await admin.submit('/admin/users/invite', { name: 'Pat Pending', email: 'pat@example.org' });
    expect(again.status).toBe(303);
    const second = linkIn((await mailFor(site, 'pat@example.org', since))[0]!.text);
    expect(second).not.toBe(first);
    expect((await new Client(site.app).get(first)).status).toBe(410);
    expect((await new Client(site.app).get(second)).status).toBe(200);
  });

  it('cancels outstanding reset links when the password is changed', async () => {
    const { site } = await newSite();
    const since = smtp.messages.length;
    await new Client(site.app).submit('/forgot-password', { email: MEMBER.email });
    const link = linkIn((await mailFor(site, MEMBER.email, since))[0]!.text);
    const member = await logIn(site, MEMBER);
    const changed = await member.submit('/account/password', { current: MEMBER.password, password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(changed.status).toBe(303);
    expect((await new Client(site.app).get(link)).status).toBe(410);
  });

  it('ends the earlier session when someone logs in again in the same browser', async () => {
    const { site } = await newSite();
    const browser = await logIn(site, MEMBER);
    const oldSession = browser.cookies.get('hw_session')!;
    // The log-in page redirects a signed-in user; a second log-in comes from a form left open.
    await browser.get('/account');
    const res = await browser.post('/login', { email: ADMIN.email, password: ADMIN.password, _csrf: browser.csrf() });
    expect(res.status).toBe(303);
    expect(browser.cookies.get('hw_session')).not.toBe(oldSession);
    const replay = new Client(site.app);
    replay.cookies.set('hw_session', oldSession);
    expect(await isLoggedIn(replay)).toBe(false);
  });
});

describe('account e-mails admins reword', () => {
  /** Save a template's new wording as an admin does, in the template editor. */
  async function reword(board: Client, key: string, subject: string, text: string) {
    const res = await board.submit(`/admin/mail/templates/${key}`, { intent: 'save', subject, text });
    expect(res.status, key).toBe(303);
    expect(visibleText((await board.get(`/admin/mail/templates/${key}`)).body)).toContain('was saved');
  }

  it('sends the wording saved in the template editor, with links that work and expire as before', async () => {
    const { site, clock } = await newSite();
    const board = await logIn(site, ADMIN);
    const list = visibleText((await board.get('/admin/mail/templates')).body);
    for (const name of ['Password reset link', 'Password changed', 'Invitation to administer the website', 'Made an administrator']) expect(list).toContain(name);
    // The editor lists each template's merge fields.
    const editor = visibleText((await board.get('/admin/mail/templates/accounts.admin_invite')).body);
    for (const f of ['{{name}}', '{{association}}', '{{inviter}}', '{{link}}', '{{valid_for}}']) expect(editor).toContain(f);
    expect(editor).toContain('Board Admin has invited you to help run the CIPCA website');

    await reword(board, 'accounts.password_reset', 'New {{association}} password for {{name}}', 'Dear {{name}},\n\nPick a new password here ({{valid_for}}):\n{{link}}\n');
    await reword(board, 'accounts.password_changed', '{{association}}: password changed', 'Dear {{name}}, your password changed. Not you? {{link}}\n');
    await reword(
      board,
      'accounts.admin_invite',
      'Join the {{association}} web team',
      'Dear {{name}},\n{{inviter}} would like you on the web team. Within {{valid_for}}:\n{{link}}\n',
    );
    await reword(board, 'accounts.admin_promoted', 'Promoted by {{inviter}}', 'Dear {{name}}, the admin area: {{link}}\n');

    let since = smtp.messages.length;
    await new Client(site.app).submit('/forgot-password', { email: MEMBER.email });
    const [reset] = await mailFor(site, MEMBER.email, since);
    expect(reset!.subject).toBe('New CIPCA password for Mia Member');
    expect(reset!.text).toMatch(/^Dear Mia Member,\n\nPick a new password here \(1 hour\):\nhttp:\/\/localhost:3000\/reset-password\/[\w-]{20,}\n?$/);
    const resetLink = linkIn(reset!.text);
    clock.advance(HOUR + 1000);
    expect((await new Client(site.app).get(resetLink)).status).toBe(410);

    const member = await logIn(site, MEMBER);
    since = smtp.messages.length;
    expect((await member.submit('/account/password', { current: MEMBER.password, password: 'a brand new passphrase', confirm: 'a brand new passphrase' })).status).toBe(303);
    const [changed] = await mailFor(site, MEMBER.email, since);
    expect(changed!.subject).toBe('CIPCA: password changed');
    expect(changed!.text).toBe('Dear Mia Member, your password changed. Not you? http://localhost:3000/forgot-password\n');

    since = smtp.messages.length;
    await board.submit('/admin/users/invite', { name: 'Nora New', email: 'nora@example.org' });
    const [invite] = await mailFor(site, 'nora@example.org', since);
    expect(invite!.subject).toBe('Join the CIPCA web team');
    expect(invite!.text).toContain('Dear Nora New,\nBoard Admin would like you on the web team. Within 7 days:\n');
    const nora = new Client(site.app);
    const done = await nora.submit(linkIn(invite!.text), { name: 'Nora New', password: 'nora chooses this one', confirm: 'nora chooses this one' });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/admin');

    since = smtp.messages.length;
    await board.submit('/admin/users/invite', { name: 'Mia', email: MEMBER.email });
    const [promoted] = await mailFor(site, MEMBER.email, since);
    expect(promoted!.subject).toBe('Promoted by Board Admin');
    expect(promoted!.text).toBe('Dear Mia Member, the admin area: http://localhost:3000/admin\n');
  });

  it('refuses an edit of a link e-mail that leaves out the link, so nobody is left without one', async () => {
    const { site } = await newSite();
    const board = await logIn(site, ADMIN);
    const key = '/admin/mail/templates/accounts.password_reset';
    expect(visibleText((await board.get(key)).body)).toContain('Required: the e-mail is of no use without it.');
    const res = await board.submit(key, { intent: 'save', subject: 'Reset', text: 'Hello {{name}}, write to us for a new password.\n' });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'text')).toBe('Error: Keep {{link}} (the link to choose a new password (it works once)) in the text: this e-mail is of no use without it.');
    expect(visibleText((await board.get('/admin/mail/templates')).body)).not.toContain('Edited');

    // The default still goes out, link and all.
    const since = smtp.messages.length;
    await new Client(site.app).submit('/forgot-password', { email: MEMBER.email });
    const [mail] = await mailFor(site, MEMBER.email, since);
    expect(mail!.subject).toBe('Reset your CIPCA password');
    expect((await new Client(site.app).get(linkIn(mail!.text))).status).toBe(200);
  });
});
