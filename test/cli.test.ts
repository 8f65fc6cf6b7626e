import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, visibleText } from './support/client.js';
import { cli, dropPlaces, freshPlace, openSite, pgQuery, type Place } from './support/cli.js';
import { dialectUnderTest } from './support/site.js';

/**
 * The command line, run as an operator runs it: a child process with settings in its
 * environment. On PostgreSQL each test gets a database of its own (test/support/cli.ts makes it and
 * drops it after),
 * so the CLI sees nothing of other tests' data.
 *
 * (A schema chosen with `?options=-c search_path=…` in DATABASE_URL is honoured by pg, but Kysely's
 * migrator looks for its tables in every schema of the database unless told which one, so the CLI
 * fails while another test's schema exists; see src/core/db/index.ts.)
 */

afterEach(dropPlaces);

async function tablesOf(place: Place) {
  const { rows } = await pgQuery(`select table_name from information_schema.tables where table_schema = 'public' order by 1`, place.env.DATABASE_URL);
  return rows.map((r: { table_name: string }) => r.table_name);
}

describe('the command line', { timeout: 90_000 }, () => {
  it('prints its usage for help', async () => {
    const place = await freshPlace();
    const res = await cli(['help'], place.env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: node dist/main.js [command]');
    for (const command of ['migrate', 'create-admin <e-mail> [name]', 'jobs run', 'backup [file or folder]', 'restore <file> [--force]', 'help'])
      expect(res.stdout).toContain(command);
    // Help touches nothing.
    expect(fs.readdirSync(place.dataDir)).toEqual([]);
  });

  it('migrates the database and says it is up to date', async () => {
    const place = await freshPlace();
    const res = await cli(['migrate'], place.env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(`Database is up to date (${dialectUnderTest}).`);
    if (place.database) {
      expect(await tablesOf(place)).toEqual(expect.arrayContaining(['jobs', 'mail_messages', 'pages', 'settings', 'users']));
    } else {
      expect(fs.existsSync(path.join(place.dataDir, 'headworks.sqlite'))).toBe(true);
    }
    const again = await cli(['migrate'], place.env);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`Database is up to date (${dialectUnderTest}).`);
  });

  it('creates an administrator and prints a one-time set-up link that works on the site', async () => {
    const place = await freshPlace();
    const res = await cli(['create-admin', 'Someone@Example.org', 'Some', 'One'], place.env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Someone@Example.org is an administrator.');
    const link = /^http:\/\/localhost:3000(\/setup\/[\w-]+)$/m.exec(res.stdout)?.[1];
    expect(link).toBeDefined();

    const hw = await openSite(place);
    try {
      const user = await hw.database.db.selectFrom('users').selectAll().where('email', '=', 'someone@example.org').executeTakeFirstOrThrow();
      expect(user).toMatchObject({ name: 'Some One', role: 'admin', password_hash: null });

      const browser = new Client(hw.app);
      const form = await browser.get(link!);
      expect(form.status).toBe(200);
      expect(visibleText(form.body)).toContain('You will log in with someone@example.org.');
      const done = await browser.post(link!, { _csrf: browser.csrf(), name: 'Some One', password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
      expect(done.status).toBe(303);
      expect(done.location).toBe('/admin');
      const adminPage = await browser.get('/admin');
      expect(adminPage.status).toBe(200);
      expect(visibleText(adminPage.body)).toContain('Signed in as Some One');

      // The link works once.
      expect((await new Client(hw.app).get(link!)).status).toBe(410);
      const login = new Client(hw.app);
      expect((await login.logIn('someone@example.org', 'a brand new passphrase')).location).toBe('/admin');
    } finally {
      await hw.close();
    }
  });

  it('refuses create-admin without a valid e-mail address, with its usage', async () => {
    const place = await freshPlace();
    for (const args of [['create-admin', 'notanemail'], ['create-admin']]) {
      const res = await cli(args, place.env);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toContain('Usage: npm run cli -- create-admin <e-mail> [name]');
      expect(res.stdout).toBe('');
    }
  });

  it('runs the jobs that are due and says how many ran', async () => {
    const place = await freshPlace();
    const hw = await openSite(place);
    try {
      await hw.mailer.queue(hw.database.db, { to: 'member@example.org', subject: 'Dues reminder', text: 'Your dues are due.' });
    } finally {
      await hw.close();
    }

    const res = await cli(['jobs', 'run'], place.env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const ran = /^Ran (\d+) job\(s\); 0 failed and will be retried\.$/m.exec(res.stdout)?.[1];
    expect(ran).toBeDefined();

    // The message was "sent" (no SMTP_URL: written to DATA_DIR/mail), and the count is true.
    const eml = fs.readFileSync(path.join(place.dataDir, 'mail', '000001.eml'), 'utf8');
    expect(eml).toMatch(/^Subject: Dues reminder$/m);
    const after = await openSite(place);
    try {
      const done = await after.database.db.selectFrom('jobs').select(['type']).where('done_at', 'is not', null).execute();
      expect(done.map((j) => j.type)).toContain('mail.send');
      expect(Number(ran)).toBe(done.length);
      expect((await after.mailer.get(1))?.status).toBe('sent');
    } finally {
      await after.close();
    }
  });

  it('answers an unknown command or sub-command with its usage', async () => {
    const place = await freshPlace();
    const jobs = await cli(['jobs'], place.env);
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toContain('Usage: npm run cli -- jobs run');
    const unknown = await cli(['frobnicate'], place.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate".');
    expect(unknown.stderr).toContain('Usage: node dist/main.js [command]');
  });

  it('stops with a message naming a wrong setting', async () => {
    const place = await freshPlace();
    const res = await cli(['migrate'], { ...place.env, PORT: 'abc' });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('Headworks cannot start, a setting is wrong:');
    expect(res.stderr).toContain('PORT must be a whole number between 1 and 65535 (got "abc")');
    expect(res.stderr).not.toMatch(/\n\s+at /); // a message for people, not a stack trace
  });
});
