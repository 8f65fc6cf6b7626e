import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, visibleText } from '#test/support/client.js';
import { TestClock } from '#test/support/clock.js';
import { startTestSite, type TestSite } from '#test/support/site.js';
import { LEASE_MS } from '../jobs/index.js';
import { linkIn, startSmtp, type SmtpCatcher } from '#test/support/smtp.js';
import { addPeople, ADMIN, logIn, MEMBER } from '#test/support/kit.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function openSite(options: { env?: Record<string, string>; clock?: TestClock } = {}) {
  const site = await startTestSite(options);
  cleanups.push(() => site.close());
  await addPeople(site, { admins: [ADMIN], members: [MEMBER] });
  return site;
}

async function catcher() {
  const smtp = await startSmtp();
  cleanups.push(() => smtp.close());
  return smtp;
}

/** A member asks for a password reset, as on the site: one message is queued. */
async function forgetPassword(site: TestSite) {
  const res = await new Client(site.app).submit('/forgot-password', { email: MEMBER.email });
  expect(res.status).toBe(200);
}

/** The row of the one message listed at /admin/mail, as text: subject, to, queued, status. */
async function listedRow(admin: Client) {
  const list = await admin.get('/admin/mail');
  expect(list.status).toBe(200);
  const rows = [...list.body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1);
  expect(rows).toHaveLength(1);
  return visibleText(rows[0]![1]!);
}

describe('without a mail server (no SMTP_URL)', () => {
  it('writes each message as an .eml file that admins can list, read and download', async () => {
    const site = await openSite();
    await forgetPassword(site);
    const admin = await logIn(site, ADMIN);
    expect(await listedRow(admin)).toMatch(/^Reset your CIPCA password member@example\.org .+ Waiting to be sent$/);
    expect(visibleText((await admin.get('/admin')).body)).toContain('Sent mail: 1 message waiting to be sent.');

    const result = await site.jobs.runDue();
    expect(result.failed).toBe(0);

    const folder = path.join(site.dataDir, 'mail');
    const files = fs.readdirSync(folder);
    expect(files).toHaveLength(1);
    const eml = fs.readFileSync(path.join(folder, files[0]!), 'utf8');
    expect(eml).toMatch(/^To: member@example\.org$/m);
    expect(eml).toMatch(/^Subject: Reset your CIPCA password$/m);
    expect(eml).toContain('http://localhost:3000/reset-password/');

    const list = await admin.get('/admin/mail');
    const text = visibleText(list.body);
    expect(text).toContain('No mail server is set (SMTP_URL)');
    expect(text).toContain(folder);
    expect(text).toMatch(/Reset your CIPCA password member@example\.org .+ Sent/);
    const id = /href="\/admin\/mail\/(\d+)">Reset your CIPCA password</.exec(list.body)?.[1];
    expect(id).toBeDefined();
    expect(visibleText((await admin.get('/admin')).body)).toContain('Sent mail: nothing waiting to be sent.');

    // The message page shows the text, with the link to the site clickable: a newcomer with no
    // mail server follows it from here.
    const message = await admin.get(`/admin/mail/${id}`);
    expect(message.status).toBe(200);
    expect(message.body).toMatch(/<h1>Reset your CIPCA password<\/h1>/);
    expect(visibleText(message.body)).toContain('Hello Mia Member,');
    expect(visibleText(message.body)).toContain('(saved as a file)');
    const href = /<a href="(http:\/\/localhost:3000\/reset-password\/[^"]+)">\1<\/a>/.exec(message.body)?.[1];
    expect(href).toBeDefined();
    const reset = await new Client(site.app).get(href!.slice('http://localhost:3000'.length));
    expect(reset.status).toBe(200);
    expect(visibleText(reset.body)).toContain('Choose a new password for member@example.org');

    // The raw message downloads as the very file that was written.
    expect(message.body).toContain(`href="/admin/mail/${id}/raw"`);
    const raw = await admin.get(`/admin/mail/${id}/raw`);
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('message/rfc822');
    expect(raw.headers['content-disposition']).toBe(`attachment; filename="${files[0]}"`);
    expect(raw.body).toBe(eml);
  });

  it('makes only links to this site clickable in a message', async () => {
    const site = await openSite();
    await site.mailer.queue(site.database.db, {
      to: 'someone@example.org',
      subject: 'Links',
      text: [
        'Ours: http://localhost:3000/news',
        'Elsewhere: https://elsewhere.example.com/login',
        'Look-alike: http://localhost:3000.evil.example/login',
        'Look-alike too: http://localhost:30001/login',
      ].join('\n'),
    });
    await site.jobs.runDue();
    const admin = await logIn(site, ADMIN);
    const list = await admin.get('/admin/mail');
    const id = /href="\/admin\/mail\/(\d+)">Links</.exec(list.body)?.[1];
    const page = await admin.get(`/admin/mail/${id}`);
    expect(page.body).toContain('<a href="http://localhost:3000/news">http://localhost:3000/news</a>');
    expect(visibleText(page.body)).toContain('Elsewhere: https://elsewhere.example.com/login');
    expect(page.body).not.toContain('href="https://elsewhere.example.com');
    expect(page.body).not.toContain('href="http://localhost:3000.evil.example');
    expect(page.body).not.toContain('href="http://localhost:30001');
  });

  it('answers 404 for a message that does not exist, and for its download', async () => {
    const site = await openSite();
    const admin = await logIn(site, ADMIN);
    expect((await admin.get('/admin/mail/999')).status).toBe(404);
    expect((await admin.get('/admin/mail/999/raw')).status).toBe(404);
    expect((await admin.get('/admin/mail/abc')).status).toBe(404);
  });
});

describe('with a mail server (SMTP_URL)', () => {
  let smtp: SmtpCatcher;

  it('delivers the message through SMTP', async () => {
    smtp = await catcher();
    const site = await openSite({ env: { SMTP_URL: smtp.url } });
    await forgetPassword(site);
    expect(smtp.messages).toHaveLength(0);
    await site.jobs.runDue();

    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.subject).toBe('Reset your CIPCA password');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : mail.to).toBe('member@example.org');
    expect(mail.from?.value).toEqual([{ name: 'Headworks', address: 'no-reply@localhost.localdomain' }]);
    expect(mail.text).toContain('Hello Mia Member,');
    const link = linkIn(mail.text);
    expect(link).toMatch(/^\/reset-password\/[\w-]+$/);
    expect((await new Client(site.app).get(link)).status).toBe(200);

    // Nothing is written to the mail folder, and the admin list says it was sent.
    expect(fs.existsSync(path.join(site.dataDir, 'mail'))).toBe(false);
    const admin = await logIn(site, ADMIN);
    expect(await listedRow(admin)).toMatch(/^Reset your CIPCA password member@example\.org .+ Sent$/);
    const id = /href="\/admin\/mail\/(\d+)"/.exec((await admin.get('/admin/mail')).body)?.[1];
    const page = await admin.get(`/admin/mail/${id}`);
    expect(page.body).not.toContain('Download the .eml file');
    expect((await admin.get(`/admin/mail/${id}/raw`)).status).toBe(404);
  });

  it('does not send a message twice when its job runs again', async () => {
    smtp = await catcher();
    const site = await openSite({ env: { SMTP_URL: smtp.url } });
    await forgetPassword(site);
    await site.jobs.runDue();
    expect(smtp.messages).toHaveLength(1);

    // The message went out but the job's own bookkeeping was lost (say the process stopped
    // just then): the job is due again.
    await site.database.db.updateTable('jobs').set({ done_at: null, locked_until: null, locked_by: null }).where('type', '=', 'mail.send').execute();
    const again = await site.jobs.runDue();
    expect(again.failed).toBe(0);
    const job = await site.database.db.selectFrom('jobs').selectAll().where('type', '=', 'mail.send').executeTakeFirstOrThrow();
    expect(job.attempts).toBe(2);
    expect(job.done_at).not.toBeNull();
    expect(smtp.messages).toHaveLength(1);
  });

  it('keeps a message that could not be sent and retries it later, showing why to admins', async () => {
    const clock = new TestClock();
    const site = await openSite({ env: { SMTP_URL: 'smtp://127.0.0.1:1' }, clock });
    await forgetPassword(site);

    const first = await site.jobs.runDue();
    expect(first.failed).toBe(1);
    const jobOf = () => site.database.db.selectFrom('jobs').selectAll().where('type', '=', 'mail.send').executeTakeFirstOrThrow();
    let job = await jobOf();
    expect(job.attempts).toBe(1);
    expect(job.last_error).toMatch(/ECONNREFUSED/);
    expect(job.failed_at).toBeNull();

    const admin = await logIn(site, ADMIN);
    expect(await listedRow(admin)).toMatch(/^Reset your CIPCA password member@example\.org .+ Not sent yet: retrying \(.*ECONNREFUSED.*\)$/);
    expect(visibleText((await admin.get('/admin')).body)).toContain('Sent mail: 1 message waiting to be sent.');

    // Not retried at once, but after the back-off.
    await site.jobs.runDue();
    expect((await jobOf()).attempts).toBe(1);
    clock.advance(30_000);
    const second = await site.jobs.runDue();
    expect(second.failed).toBe(1);
    job = await jobOf();
    expect(job.attempts).toBe(2);
    expect(job.done_at).toBeNull();
    expect(await listedRow(admin)).toMatch(/ Not sent yet: retrying \(.*ECONNREFUSED.*\)$/);
  });

  it('tells admins when the site has given up on a message, instead of "retrying" for ever', async () => {
    const clock = new TestClock();
    const site = await openSite({ env: { SMTP_URL: 'smtp://127.0.0.1:1' }, clock });
    await forgetPassword(site);
    const jobOf = () => site.database.db.selectFrom('jobs').selectAll().where('type', '=', 'mail.send').executeTakeFirstOrThrow();
    // Ten attempts, each after the longest back-off (6 hours).
    for (let attempt = 1; attempt <= 10; attempt++) {
      await site.jobs.runDue();
      expect((await jobOf()).attempts).toBe(attempt);
      clock.advance(6 * 60 * 60_000);
    }
    const job = await jobOf();
    expect(job.failed_at).not.toBeNull();
    await site.jobs.runDue();
    expect((await jobOf()).attempts).toBe(10);

    const admin = await logIn(site, ADMIN);
    const row = await listedRow(admin);
    expect(row).not.toContain('retrying');
    expect(row).toMatch(/ Not sent: gave up after repeated failures \(.*ECONNREFUSED.*\)$/);
    expect(visibleText((await admin.get('/admin')).body)).toContain('Sent mail: nothing waiting to be sent.');
  });
});

describe('a message whose sending process stopped', () => {
  it('says it is resuming once the lease lapsed, then is sent', async () => {
    const clock = new TestClock('2026-03-02T16:00:00.000Z');
    const site = await openSite({ clock });
    await forgetPassword(site);
    const admin = await logIn(site, ADMIN);
    // A process claimed the message and was killed before it finished.
    await site.database.db
      .updateTable('jobs')
      .set({ locked_by: 'killed-process#1', locked_until: new Date(clock.now().getTime() + LEASE_MS).toISOString(), attempts: 1 })
      .where('type', '=', 'mail.send')
      .execute();
    const resuming = 'Resuming: the process sending it stopped; it will go on shortly';
    expect(await listedRow(admin)).toContain('Waiting to be sent');

    clock.advance(LEASE_MS + 1000);
    expect(await listedRow(admin)).toContain(resuming);
    const id = /href="\/admin\/mail\/(\d+)"/.exec((await admin.get('/admin/mail')).body)?.[1];
    expect(visibleText((await admin.get(`/admin/mail/${id}`)).body)).toContain(resuming);

    await site.jobs.runDue();
    const row = await listedRow(admin);
    expect(row).toMatch(/ Sent/);
    expect(row).not.toContain(resuming);
  });
});
