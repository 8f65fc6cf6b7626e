import { Secret, TOTP } from 'otpauth';
import { afterEach, describe, expect, it } from 'vitest';
import type { Headworks } from '#src/app.js';
import { hashPassword } from '#core/auth/passwords.js';
import { Client, inputValue, visibleText } from './support/client.js';
import { cli, dropPlaces, freshPlace, openSite, type Place } from './support/cli.js';

/**
 * An admin who lost their phone and their recovery codes: the operator runs
 * `reset-two-factor <e-mail>`, and the admin logs in with the password alone again.
 * The CLI runs as a child process, as an operator runs it (see test/cli.test.ts); five runs of it
 * take a while on a busy machine, hence the long time-out.
 */

const ADMIN = { email: 'board@example.org', password: 'correct horse battery staple' };

afterEach(dropPlaces);

async function withSite<T>(place: Place, fn: (hw: Headworks) => Promise<T>): Promise<T> {
  const hw = await openSite(place);
  try {
    return await fn(hw);
  } finally {
    await hw.close();
  }
}

describe('reset-two-factor', { timeout: 240_000 }, () => {
  it('turns two-factor off for an admin who lost their phone, says so, and tells them by e-mail', async () => {
    const place = await freshPlace();
    const env = place.env;
    await withSite(place, async (hw) => {
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
      expect((await c.post('/account/two-factor', { _csrf: c.csrf(), sealed: inputValue(page.body, 'sealed')!, password: ADMIN.password, code })).status).toBe(200);
      const again = new Client(hw.app);
      expect((await again.logIn(ADMIN.email, ADMIN.password)).location).toBe('/login/code');
    });

    const help = await cli(['help'], env);
    expect(help.stdout).toContain('reset-two-factor <e-mail>');

    const res = await cli(['reset-two-factor', 'Board@Example.org'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Two-factor sign-in is now off for Board@Example.org');

    await withSite(place, async (hw) => {
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
