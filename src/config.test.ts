import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

/** The ConfigError thrown for `env`, failing the test if none is. */
function problemWith(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('needs no setting at all', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(path.isAbsolute(config.dataDir)).toBe(true);
    expect(config.database).toEqual({ kind: 'sqlite', file: path.join(path.resolve('data'), 'headworks.sqlite') });
    expect(config.baseUrl).toBe('http://localhost:3000');
    expect(config.secureCookies).toBe(false);
    expect(config.smtpUrl).toBeUndefined();
    expect(config.admin).toBeUndefined();
    expect(config.env).toBe('development');
    expect(config.jobsIntervalMs).toBe(60_000);
    expect(config.mailFrom).toBe('Headworks <no-reply@localhost.localdomain>');
  });

  it('keeps the SQLite file in DATA_DIR, and the default address follows PORT', () => {
    const config = loadConfig({ DATA_DIR: '/srv/headworks', PORT: '8080' });
    expect(config.dataDir).toBe(path.resolve('/srv/headworks'));
    expect(config.database).toEqual({ kind: 'sqlite', file: path.join(path.resolve('/srv/headworks'), 'headworks.sqlite') });
    expect(config.port).toBe(8080);
    expect(config.baseUrl).toBe('http://localhost:8080');
  });

  it('selects PostgreSQL for a postgres:// DATABASE_URL', () => {
    const url = 'postgres://headworks:secret@db.example.org:5432/headworks';
    expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ kind: 'postgres', url });
    expect(loadConfig({ DATABASE_URL: 'postgresql://localhost/hw' }).database.kind).toBe('postgres');
  });

  it('turns on secure cookies for an https BASE_URL, and drops a trailing slash', () => {
    const config = loadConfig({ BASE_URL: 'https://www.cipca.example.org/' });
    expect(config.secureCookies).toBe(true);
    expect(config.baseUrl).toBe('https://www.cipca.example.org');
    expect(config.mailFrom).toBe('Headworks <no-reply@www.cipca.example.org>');
    expect(loadConfig({ BASE_URL: 'http://www.cipca.example.org' }).secureCookies).toBe(false);
  });

  it('reads the other settings', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      SMTP_URL: 'smtps://user:pass@mail.example.org:465',
      MAIL_FROM: 'CIPCA <board@cipca.example.org>',
      ADMIN_EMAIL: 'Board@Example.org',
      ADMIN_PASSWORD: 'a long enough password',
      TRUST_PROXY: 'true',
      JOBS_INTERVAL_SECONDS: '15',
    });
    expect(config.env).toBe('production');
    expect(config.host).toBe('0.0.0.0');
    expect(config.smtpUrl).toBe('smtps://user:pass@mail.example.org:465');
    expect(config.mailFrom).toBe('CIPCA <board@cipca.example.org>');
    expect(config.admin).toEqual({ email: 'board@example.org', password: 'a long enough password' });
    expect(config.trustProxy).toBe(1);
    expect(config.jobsIntervalMs).toBe(15_000);
  });

  it('trusts only the proxies TRUST_PROXY names: none, a number of hops, or their addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    // `true` once trusted every X-Forwarded-For entry, which the client writes: it now means one proxy.
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.2, 10.0.1.0/24,::1' }).trustProxy).toEqual(['10.0.0.2', '10.0.1.0/24', '::1']);
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy).toEqual(['loopback']);
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '', DATA_DIR: '', BASE_URL: '', DATABASE_URL: '', SMTP_URL: '', ADMIN_EMAIL: '', ADMIN_PASSWORD: '', LOG_LEVEL: '' });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.baseUrl).toBe('http://localhost:3000');
    expect(config.database.kind).toBe('sqlite');
    expect(config.smtpUrl).toBeUndefined();
    expect(config.admin).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });
});

describe('a wrong setting', () => {
  it.each([
    [{ PORT: 'abc' }, /^PORT must be a whole number between 1 and 65535 \(got "abc"\)$/],
    [{ PORT: '70000' }, /^PORT must be a whole number between 1 and 65535 \(got "70000"\)$/],
    [{ PORT: '0' }, /^PORT must be a whole number between 1 and 65535/],
    [{ PORT: '80.5' }, /^PORT must be a whole number between 1 and 65535/],
    [{ BASE_URL: 'notaurl' }, /^BASE_URL must be a URL such as https:\/\/www\.example\.org \(got "notaurl"\)$/],
    [{ BASE_URL: 'ftp://example.org' }, /^BASE_URL must be a URL such as https:\/\/www\.example\.org/],
    [{ SMTP_URL: 'http://x' }, /^SMTP_URL must be a URL such as smtp:\/\/user:password@mail\.example\.org:587 \(got "http:\/\/x"\)$/],
    [{ DATABASE_URL: 'mysql://localhost/hw' }, /^DATABASE_URL must be a URL such as postgres:\/\//],
    [{ ADMIN_EMAIL: 'board@example.org' }, /^ADMIN_EMAIL and ADMIN_PASSWORD must be set together \(or neither\)$/],
    [{ ADMIN_PASSWORD: 'a long enough password' }, /^ADMIN_EMAIL and ADMIN_PASSWORD must be set together \(or neither\)$/],
    [{ ADMIN_EMAIL: 'not an address', ADMIN_PASSWORD: 'a long enough password' }, /^ADMIN_EMAIL must be an e-mail address/],
    [{ ADMIN_EMAIL: 'board@example.org', ADMIN_PASSWORD: 'short' }, /^ADMIN_PASSWORD must be at least 12 characters/],
    [{ NODE_ENV: 'staging' }, /^NODE_ENV /],
    [{ TRUST_PROXY: 'yes' }, /^TRUST_PROXY must be false, the number of proxies in front of Headworks \(such as 1\), or their addresses/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /^TRUST_PROXY must be false, the number of proxies/],
    [{ TRUST_PROXY: '10.0.0.1,proxy.example.org' }, /^TRUST_PROXY must be false, the number of proxies/],
    [{ JOBS_INTERVAL_SECONDS: 'often' }, /^JOBS_INTERVAL_SECONDS must be a whole number of seconds, at least 1 \(got "often"\)$/],
    [{ JOBS_INTERVAL_SECONDS: '0' }, /^JOBS_INTERVAL_SECONDS must be a whole number of seconds, at least 1/],
  ])('%j is refused, naming the setting', (env, message) => {
    const error = problemWith(env);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(message);
    // What the operator reads in the terminal.
    expect(error.message).toContain('Headworks cannot start, a setting is wrong:');
    expect(error.message).toContain(error.problems[0]);
  });

  it('lists every wrong setting at once', () => {
    const error = problemWith({ PORT: 'abc', BASE_URL: 'notaurl' });
    expect(error.problems.map((p) => p.split(' ')[0]).sort()).toEqual(['BASE_URL', 'PORT']);
  });

  it('never repeats a password in the message', () => {
    const short = problemWith({ ADMIN_EMAIL: 'board@example.org', ADMIN_PASSWORD: 'hunter2' });
    expect(short.message).toMatch(/ADMIN_PASSWORD must be at least 12 characters/);
    expect(short.message).not.toContain('hunter2');

    const smtp = problemWith({ SMTP_URL: 'http://mailer:s3cret-pass@mail.example.org' });
    expect(smtp.message).toMatch(/SMTP_URL must be a URL such as/);
    expect(smtp.message).not.toContain('s3cret-pass');
    expect(smtp.message).toContain('(got "http://mailer:***@mail.example.org")');

    const database = problemWith({ DATABASE_URL: 'mysql://hw:s3cret-pass@db.example.org/hw' });
    expect(database.message).toMatch(/DATABASE_URL must be a URL such as/);
    expect(database.message).not.toContain('s3cret-pass');
  });
});
