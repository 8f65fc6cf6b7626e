import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, visibleText } from '#test/support/client.js';
import * as kit from '#test/support/kit.js';
import { logIn, MEMBER, resetLink } from '#test/support/kit.js';
import { startSmtp, type SmtpCatcher } from '#test/support/smtp.js';

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

async function newSite() {
  const { site } = await kit.newSite({ smtp, members: [MEMBER] });
  return site;
}

async function isLoggedIn(c: Client) {
  return (await c.get('/account')).status === 200;
}

describe('the form token changes when a session starts or ends', () => {
  it('a token taken before log-in no longer works after it', async () => {
    const site = await newSite();
    const c = new Client(site.app);
    await c.get('/login');
    const before = c.csrf();
    expect((await c.post('/login', { email: MEMBER.email, password: MEMBER.password, _csrf: before })).status).toBe(303);
    // A page planted before log-in (a login CSRF, a shared computer) cannot post as the member.
    const forged = await c.post('/logout', { _csrf: before });
    expect(forged.status).toBe(403);
    expect(visibleText(forged.body)).toContain('This form has expired');
    expect(await isLoggedIn(c)).toBe(true);
    // The pages now carry the new token, which works.
    await c.get('/account');
    expect((await c.post('/logout', { _csrf: c.csrf() })).status).toBe(303);
    expect(await isLoggedIn(c)).toBe(false);
  });

  it('a token taken while logged in no longer works after log-out', async () => {
    const site = await newSite();
    const c = await logIn(site, MEMBER);
    await c.get('/account');
    const during = c.csrf();
    expect((await c.post('/logout', { _csrf: during })).status).toBe(303);
    const res = await c.post('/login', { email: MEMBER.email, password: MEMBER.password, _csrf: during });
    expect(res.status).toBe(403);
    expect(await isLoggedIn(c)).toBe(false);
  });

  it('a reset link that logs the person in changes it too', async () => {
    const site = await newSite();
    const link = await resetLink(site, smtp, MEMBER.email);
    const c = new Client(site.app);
    await c.get(link);
    const before = c.csrf();
    const password = 'rivers carry quiet lanterns';
    expect((await c.post(link, { password, confirm: password, _csrf: before })).status).toBe(303);
    expect(await isLoggedIn(c)).toBe(true);
    expect((await c.post('/logout', { _csrf: before })).status).toBe(403);
    expect(await isLoggedIn(c)).toBe(true);
  });
});
