import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import * as kit from '#test/support/kit.js';
import { ADMIN, logIn, resetLink } from '#test/support/kit.js';
import { linkIn, startSmtp, type SmtpCatcher } from '#test/support/smtp.js';
import { passwordWeakness } from '#core/auth/passwords.js';

const MEMBER = { email: 'margaret.okafor@cityofboulder.example.org', password: 'members only password', name: 'Margaret Okafor' };
const GOOD = 'rivers carry quiet lanterns';

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

async function newSite(env: Record<string, string> = {}) {
  const { site } = await kit.newSite({ smtp, env, admins: [ADMIN], members: [MEMBER] });
  return site;
}

/** The weak passwords the probe got accepted, for this person, and why each must be refused. */
const WEAK: [string, string, RegExp][] = [
  ['a doubled common word', 'passwordpassword', /too easy to guess\. (Repeated words or characters|It is one of the most common passwords)/],
  ['twelve spaces', ' '.repeat(12), /too easy to guess\. Repeated words or characters are easy to guess\./],
  ['their own e-mail address', MEMBER.email, /too easy to guess\. It is built from your name or e-mail address/],
  ['their name with a year', 'MargaretOkafor1970', /too easy to guess\. It is built from your name or e-mail address/],
];

describe('the password rule', () => {
  it.each(WEAK)('refuses %s, saying why', async (_what, password, why) => {
    expect(await passwordWeakness(password, { email: MEMBER.email, name: MEMBER.name })).toMatch(why);
  });

  it('accepts a passphrase of unrelated words', async () => {
    expect(await passwordWeakness(GOOD, { email: MEMBER.email, name: MEMBER.name })).toBeUndefined();
  });
});

describe('every form where a person chooses a password refuses a weak one beside the field', () => {
  it.each(WEAK)("changing one's password: %s", async (_what, password, why) => {
    const site = await newSite();
    const c = await logIn(site, MEMBER);
    const res = await c.submit('/account/password', { current: MEMBER.password, password, confirm: password });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'password')).toMatch(why);
    // The old password still works: nothing was changed.
    await new Client(site.app).logIn(MEMBER.email, MEMBER.password);
  });

  it('a reset link: refuses the weak ones, then accepts a passphrase', async () => {
    const site = await newSite();
    const link = await resetLink(site, smtp, MEMBER.email);
    const c = new Client(site.app);
    for (const [, password, why] of WEAK) {
      const res = await c.submit(link, { password, confirm: password });
      expect(res.status).toBe(422);
      expect(fieldError(res.body, 'password')).toMatch(why);
    }
    expect((await c.submit(link, { password: GOOD, confirm: GOOD })).status).toBe(303);
    await new Client(site.app).logIn(MEMBER.email, GOOD);
  });

  it("an administrator's set-up link: refuses their own address and name, keeping the name typed", async () => {
    const site = await newSite();
    const admin = await logIn(site, ADMIN);
    const since = smtp.messages.length;
    await admin.submit('/admin/users/invite', { name: 'Nora Newcombe', email: 'nora.newcombe@example.org' });
    await site.jobs.runDue();
    const link = linkIn(smtp.messages.slice(since).find((m) => m.text?.includes('/setup/'))!.text!);
    const nora = new Client(site.app);
    for (const password of ['nora.newcombe@example.org', 'noranewcombe2024']) {
      const res = await nora.submit(link, { name: 'Nora Newcombe', password, confirm: password });
      expect(res.status).toBe(422);
      expect(fieldError(res.body, 'password')).toMatch(/built from your name or e-mail address/);
      expect(inputValue(res.body, 'name')).toBe('Nora Newcombe');
    }
    expect((await nora.submit(link, { name: 'Nora Newcombe', password: GOOD, confirm: GOOD })).status).toBe(303);
  });

  it("the first administrator's one-time link: refuses the address typed in the same form", async () => {
    const { site } = await kit.newSite({ smtp });
    const { setupLink } = (await site.accounts.ensureFirstAdmin()) as { setupLink: string };
    const link = new URL(setupLink).pathname;
    const c = new Client(site.app);
    const res = await c.submit(link, { email: 'chair@cipca.example.org', name: 'Chris Chair', password: 'chair@cipca.example.org', confirm: 'chair@cipca.example.org' });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'password')).toMatch(/built from your name or e-mail address/);
    expect(inputValue(res.body, 'email')).toBe('chair@cipca.example.org');
    expect((await c.submit(link, { email: 'chair@cipca.example.org', name: 'Chris Chair', password: GOOD, confirm: GOOD })).status).toBe(303);
  });

  it('ADMIN_PASSWORD at start: a weak one stops the start with the reason', async () => {
    const { site } = await kit.newSite({ smtp });
    await expect(site.accounts.ensureFirstAdmin({ email: 'chair@example.org', password: 'passwordpassword' })).rejects.toThrow(
      /^ADMIN_PASSWORD: This password is too easy to guess/,
    );
    await expect(site.accounts.ensureFirstAdmin({ email: 'chair@example.org', password: 'chair@example.org' })).rejects.toThrow(/built from your name or e-mail address/);
    expect(await site.accounts.findUserByEmail('chair@example.org')).toBeUndefined();
    expect(await site.accounts.ensureFirstAdmin({ email: 'chair@example.org', password: GOOD })).toEqual({ created: 'chair@example.org' });
  });

  it.each(WEAK)('the membership application form: %s, keeping what was typed', async (_what, password, why) => {
    const site = await newSite();
    const level = (await site.membership.lifecycle.listLevels())[0]!.id;
    const res = await new Client(site.app).submit(`/join/${level}`, {
      name: 'Margaret Okafor',
      email: 'margaret.okafor@cityofboulder.example.org'.replace('margaret', 'maggie'),
      password: password.replace('margaret', 'maggie'),
      confirm: password.replace('margaret', 'maggie'),
      organization: 'City of Boulder',
    });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'password')).toMatch(why);
    expect(inputValue(res.body, 'organization')).toBe('City of Boulder');
    expect(visibleText(res.body)).not.toContain('We have sent a link');
    expect(await site.accounts.findUserByEmail('maggie.okafor@cityofboulder.example.org')).toBeUndefined();
  });
});
