import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from './support/client.js';
import { startTestSite } from './support/site.js';
import { addPeople, ADMIN, logIn, MEMBER } from './support/kit.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function openSite(env: Record<string, string> = {}) {
  const site = await startTestSite({ env });
  cleanups.push(() => site.close());
  await addPeople(site, { admins: [ADMIN], members: [MEMBER] });
  return site;
}

describe('over https', () => {
  it('tells browsers to use https only (HSTS), on every response', async () => {
    const site = await openSite({ BASE_URL: 'https://cipca.example.org' });
    const visitor = new Client(site.app);
    for (const url of ['/', '/login', '/no-such-page']) {
      expect((await visitor.get(url)).headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    }
    const admin = await logIn(site, ADMIN);
    expect((await admin.get('/admin')).headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('sends no HSTS over plain http, where it would mean nothing (and lock out a test site later)', async () => {
    const site = await openSite({ BASE_URL: 'http://localhost:3000' });
    expect((await new Client(site.app).get('/')).headers['strict-transport-security']).toBeUndefined();
  });
});

describe('responses holding secret links or personal data are not kept by caches', () => {
  it('the raw e-mail download (it can hold a reset link)', async () => {
    const site = await openSite();
    await new Client(site.app).submit('/forgot-password', { email: MEMBER.email });
    await site.jobs.runDue();
    const file = fs.readdirSync(path.join(site.dataDir, 'mail'))[0]!;
    const admin = await logIn(site, ADMIN);
    const id = /href="\/admin\/mail\/(\d+)">Reset your/.exec((await admin.get('/admin/mail')).body)![1];
    const raw = await admin.get(`/admin/mail/${id}/raw`);
    expect(raw.status).toBe(200);
    expect(raw.body).toContain('/reset-password/');
    expect(raw.headers['cache-control']).toBe('private, no-store');
    expect(raw.headers['content-disposition']).toBe(`attachment; filename="${file}"`);

    // The link's page shows whose password it sets, to whoever holds the link.
    const link = /<a href="http:\/\/localhost:3000(\/reset-password\/[^"]+)">/.exec((await admin.get(`/admin/mail/${id}`)).body)![1]!;
    const page = await new Client(site.app).get(link);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('private, no-store');
  });

  it('the members CSV export, and whatever else a signed-in person is sent (a redirect included)', async () => {
    const site = await openSite();
    const admin = await logIn(site, ADMIN);
    const csv = await admin.get('/admin/members.csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['cache-control']).toBe('private, no-store');
    const redirect = await admin.get('/login');
    expect(redirect.status).toBe(303);
    expect(redirect.headers['cache-control']).toBe('private, no-store');
  });
});
