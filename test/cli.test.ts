import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createHeadworks } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { Client, visibleText } from './support/client.js';
import { dialectUnderTest } from './support/site.js';

/**
 * The command line, run as an operator runs it: a child process with settings in its
 * environment. On PostgreSQL each test gets a database of its own (created here, dropped after),
 * so the CLI sees nothing of other tests' data.
 *
 * (A schema chosen with `?options=-c search_path=…` in DATABASE_URL is honoured by pg, but Kysely's
 * migrator looks for its tables in every schema of the database unless told which one, so the CLI
 * fails while another test's schema exists; see src/core/db/index.ts.)
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SETTINGS = ['NODE_ENV', 'PORT', 'HOST', 'BASE_URL', 'DATA_DIR', 'DATABASE_URL', 'SMTP_URL', 'MAIL_FROM', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'LOG_LEVEL', 'LOG_REQUESTS', 'TRUST_PROXY', 'JOBS_INTERVAL_SECONDS'];

interface Place {
  env: Record<string, string>;
  dataDir: string;
  /** On PostgreSQL, the database made for this test. */
  database?: string;
}
const places: Place[] = [];

async function pgQuery(text: string, connectionString = process.env.DATABASE_URL) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh DATA_DIR (and, on PostgreSQL, a fresh database) with the environment the CLI gets. */
async function freshPlace(): Promise<Place> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'headworks-cli-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SETTINGS.includes(k)) env[k] = v;
  env.DATA_DIR = dataDir;
  const place: Place = { env, dataDir };
  if (dialectUnderTest === 'postgres') {
    place.database = `headworks_cli_${crypto.randomBytes(6).toString('hex')}`;
    await pgQuery(`create database ${place.database}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${place.database}`;
    env.DATABASE_URL = url.toString();
  }
  places.push(place);
  return place;
}

afterEach(async () => {
  for (const place of places.splice(0)) {
    if (place.database) await pgQuery(`drop database if exists ${place.database} with (force)`);
    fs.rmSync(place.dataDir, { recursive: true, force: true });
  }
});

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The site the CLI worked on, opened in this process with the same settings. */
const openSite = (place: Place) => createHeadworks(loadConfig({ ...place.env, NODE_ENV: 'test' }));

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
    for (const command of ['migrate', 'create-admin <e-mail> [name]', 'jobs run', 'backup [file or folder]', 'restore <file> [--force]', 'help']) expect(res.stdout).toContain(command);
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
