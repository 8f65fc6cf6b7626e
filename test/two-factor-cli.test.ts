import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Secret, TOTP } from 'otpauth';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createHeadworks, type Headworks } from '../src/app.js';
import { hashPassword } from '../src/core/auth/passwords.js';
import { loadConfig } from '../src/config.js';
import { Client, inputValue, visibleText } from './support/client.js';
import { dialectUnderTest } from './support/site.js';

/**
 * An admin who lost their phone and their recovery codes: the operator runs
 * `reset-two-factor <e-mail>`, and the admin logs in with the password alone again.
 * The CLI runs as a child process, as an operator runs it (see test/cli.test.ts); five runs of it
 * take a while on a busy machine, hence the long time-out.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SETTINGS = ['NODE_ENV', 'PORT', 'HOST', 'BASE_URL', 'DATA_DIR', 'DATABASE_URL', 'SMTP_URL', 'MAIL_FROM', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'LOG_LEVEL', 'LOG_REQUESTS', 'TRUST_PROXY', 'JOBS_INTERVAL_SECONDS'];
const ADMIN = { email: 'board@example.org', password: 'correct horse battery staple' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function pgQuery(text: string) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

async function freshEnv(): Promise<Record<string, string>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'headworks-2fa-cli-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SETTINGS.includes(k)) env[k] = v;
  env.DATA_DIR = dataDir;
  let database: string | undefined;
  if (dialectUnderTest === 'postgres') {
    database = `headworks_cli_${crypto.randomBytes(6).toString('hex')}`;
    await pgQuery(`create database ${database}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${database}`;
    env.DATABASE_URL = url.toString();
  }
  cleanups.push(async () => {
    if (database) await pgQuery(`drop database if exists ${database} with (force)`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return env;
}

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

async function withSite<T>(env: Record<string, string>, fn: (hw: Headworks) => Promise<T>): Promise<T> {
  const hw = await createHeadworks(loadConfig({ ...env, NODE_ENV: 'test' }));
  try {
    return await fn(hw);
  } finally {
    await hw.close();
  }
}

describe('reset-two-factor', { timeout: 240_000 }, () => {
  it('turns two-factor off for an admin who lost their phone, says so, and tells them by e-mail', async () => {
    const env = await freshEnv();
    await withSite(env, async (hw) => {
      const now = new Date().toISOString();
      await hw.database.db
        .insertInto('users')
        .values({ email: ADMIN.email, name: 'Board Admin', role: 'admin', password_hash: await hashPassword(ADMIN.password), created_at: now, updated_at: now })
        .execute();
      const c = new Client(hw.app);
      await c.logIn(ADMIN.email, ADMIN.password);
      const page = await c.get('/account/two-factor');
      const secret = /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(page.body)![1]!.replace(/ /g, '');
      const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
      expect((await c.post('/account/two-factor', { _csrf: c.csrf(), sealed: inputValue(page.body, 'sealed')!, code })).status).toBe(200);
      const again = new Client(hw.app);
      expect((await again.logIn(ADMIN.email, ADMIN.password)).location).toBe('/login/code');
    });

    const help = await cli(['help'], env);
    expect(help.stdout).toContain('reset-two-factor <e-mail>');

    const res = await cli(['reset-two-factor', 'Board@Example.org'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Two-factor sign-in is now off for Board@Example.org');

    await withSite(env, async (hw) => {
      const c = new Client(hw.app);
      expect((await c.logIn(ADMIN.email, ADMIN.password)).location).toBe('/admin');
      expect(visibleText((await c.get('/account')).body)).toContain('Two-factor sign-in Off');
      const mail = await hw.database.db.selectFrom('mail_messages').select(['to_addr', 'subject']).execute();
      expect(mail).toContainEqual({ to_addr: ADMIN.email, subject: 'Two-factor sign-in is off for your CIPCA account' });
    });

    const twice = await cli(['reset-two-factor', ADMIN.email], env);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain(`Two-factor sign-in was not on for ${ADMIN.email}; nothing changed.`);
    const unknown = await cli(['reset-two-factor', 'nobody@example.org'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No account has the e-mail address nobody@example.org.');
    const usage = await cli(['reset-two-factor'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Usage: npm run cli -- reset-two-factor <e-mail>');
  });
});
