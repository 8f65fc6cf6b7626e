/**
 * The sweep: every registered route, as a visitor, a member and an administrator, gets bad input
 * in each place input comes from: control characters in path parameters, the query string and
 * each form field (with a valid CSRF token, so the handler runs); multipart without a boundary
 * and broken multipart; an oversized body; malformed JSON; repeated fields; objects and arrays
 * where strings are expected. No answer may be a 5xx. Path parameters name records that exist (a
 * member, an invoice, a page…) so the handlers really run rather than stop at a 404.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes, type RegisteredRoute } from '#core/http/http.js';
import { Client } from './support/client.js';
import { TestClock } from './support/clock.js';
import { startTestSite, type TestSite } from './support/site.js';
import { ADMIN, logIn } from './support/kit.js';

const MIA = { email: 'mia@example.org', password: 'members only password', name: 'Mia Member' };
const PAT = { email: 'pat@example.org', password: 'pats applicant password', name: 'Pat Applicant' };
const CASEY = { email: 'casey@boulder.example.org', password: 'casey runs the agency', name: 'Casey Contact' };

let site: TestSite;
const ids: Record<string, string> = {};
const fieldsByAction = new Map<string, string[]>();
const FALLBACK_FIELDS = ['name', 'email', 'title', 'slug', 'body', 'reason', 'note', 'password', 'q'];

beforeAll(async () => {
  site = await startTestSite({ clock: new TestClock('2026-07-02T16:00:00.000Z') });
  const adminId = await site.addUser({ ...ADMIN, role: 'admin' });
  const miaId = await site.addUser(MIA);
  const patId = await site.addUser(PAT);
  const caseyId = await site.addUser(CASEY);
  const membershipOf = async (userId: number) => (await site.membership.lifecycle.forUser(userId))!.membership.id;
  const levels = await site.membership.lifecycle.listLevels();
  const agency = levels.find((l) => l.bundle_size)!;
  await site.database.db
    .updateTable('memberships')
    .set({ status: 'pending_approval', started_at: null, expires_at: null })
    .where('id', '=', await membershipOf(patId))
    .execute();
  await site.database.db
    .updateTable('memberships')
    .set({ level_id: agency.id, organization: 'City of Boulder' })
    .where('id', '=', await membershipOf(caseyId))
    .execute();
  const invoice = await site.database.db.transaction().execute((trx) =>
    site.billing.createInvoice(trx, {
      userId: miaId,
      billTo: MIA.name,
      lines: [{ description: 'Workshop fee', quantity: 1, unitCents: 4000 }],
      dueAt: new Date('2026-08-01T06:00:00.000Z'),
      actorUserId: adminId,
    }),
  );
  const about = (await site.site.getPage('about'))!;
  const news = (await site.site.listAllNews())[0]!;
  Object.assign(ids, {
    mia: String(miaId),
    miaMembership: String(await membershipOf(miaId)),
    patMembership: String(await membershipOf(patId)),
    caseyMembership: String(await membershipOf(caseyId)),
    invoice: String(invoice.id),
    level: String(levels[0]!.id),
    page: String(about.id),
    pageSlug: about.slug,
    news: String(news.id),
    newsSlug: news.slug,
  });

  // The forms each role sees, to learn each form's field names; and the ids only pages show.
  const admin = await logIn(site, ADMIN);
  await admin.submit('/admin/fields/new', { label: 'Licence number', type: 'text', visibility: 'members' }, '/admin/fields');
  const pages = ['/admin/fields', '/admin/mail', '/admin/mail/templates'];
  const seen = new Map<string, string>();
  for (const url of pages) seen.set(url, (await admin.get(url)).body);
  ids.field = /\/admin\/fields\/(\d+)/.exec(seen.get('/admin/fields')!)?.[1] ?? '1';
  ids.mail = /\/admin\/mail\/(\d+)/.exec(seen.get('/admin/mail')!)?.[1] ?? '1';
  ids.template = /\/admin\/mail\/templates\/([a-z0-9_.-]+)/i.exec(seen.get('/admin/mail/templates')!)?.[1] ?? 'x';
  const visitor = new Client(site.app);
  const member = await logIn(site, MIA);
  const casey = await logIn(site, CASEY);
  for (const [client, urls] of [
    [visitor, ['/login', '/forgot-password', '/join', `/join/${ids.level}`]],
    [member, ['/account', '/account/password', '/account/profile']],
    [casey, ['/account', '/account/bundle']],
    [
      admin,
      routesOf('GET')
        .filter((u) => u.startsWith('/admin'))
        .map((u) => concrete(u)),
    ],
  ] as const) {
    for (const url of urls) learnForms((await client.get(url)).body);
  }
}, 60_000);
afterAll(() => site.close());

function routesOf(method: string): string[] {
  return registeredRoutes(site.app)
    .filter((r) => r.method === method)
    .map((r) => r.url);
}

function learnForms(html: string) {
  for (const form of html.matchAll(/<form\b[^>]*\baction="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const names = new Set(fieldsByAction.get(form[1]!) ?? []);
    for (const field of form[2]!.matchAll(/\bname="([^"]+)"/g)) if (field[1] !== '_csrf') names.add(field[1]!);
    fieldsByAction.set(form[1]!.replace(/&amp;/g, '&'), [...names]);
  }
}

/** A value for each path parameter that names a record that exists. */
function paramValue(url: string, name: string): string {
  if (name === 'id') {
    if (url.startsWith('/admin/members/import/')) return '1';
    if (url.startsWith('/admin/members/:id/approve') || url.startsWith('/admin/members/:id/reject')) return ids.patMembership!;
    if (url.startsWith('/admin/members/:id/bundle')) return ids.caseyMembership!;
    if (url.startsWith('/admin/members/')) return ids.miaMembership!;
    if (url.includes('invoices')) return ids.invoice!;
    if (url.startsWith('/admin/levels/') || url.startsWith('/join/')) return ids.level!;
    if (url.startsWith('/admin/pages/')) return ids.page!;
    if (url.startsWith('/admin/news/')) return ids.news!;
    if (url.startsWith('/admin/fields/')) return ids.field!;
    if (url.startsWith('/admin/mail/')) return ids.mail!;
    if (url.startsWith('/account/bundle/people/')) return ids.mia!;
    return '1';
  }
  if (name === 'person') return ids.mia!;
  if (name === 'key') return ids.template!;
  if (name === 'slug') return url.startsWith('/news/') ? ids.newsSlug! : ids.pageSlug!;
  if (name === 'file') return 'logo.png';
  if (name === '*') return 'site.css';
  return crypto.randomBytes(16).toString('base64url');
}

const PARAM = /:([A-Za-z_]+)|\*/g;
const paramNames = (url: string) => [...url.matchAll(PARAM)].map((m) => m[1] ?? '*');

/** The route's URL with every parameter filled in, one of them (by name) replaced by `bad`. */
function concrete(url: string, badParam?: string, bad?: string): string {
  return url.replace(PARAM, (_m, name: string | undefined) => {
    const param = name ?? '*';
    return param === badParam ? bad! : encodeURIComponent(paramValue(url, param));
  });
}

const BAD_STRINGS = ['a\u0000b', '\u001b[31mred', 'x\u0085y', '\u007f', '\ud800'];
const BAD_IN_URL = ['a%00b', '%07', '%1B', '%C2%85', '%E0%A4%A', 'x'.repeat(300), '-1', '99999999999999999999', '..%2F..%2Fetc%2Fpasswd'];

interface Failure {
  who: string;
  what: string;
  status: number;
}

/** How many answers had each status, per role: the handlers ran if forms were refused beside their fields (422). */
const statuses = new Map<string, Map<number, number>>();

/** Send and note any 5xx (the client throws on one). */
async function attempt(failures: Failure[], who: string, what: string, send: () => Promise<{ status: number }>) {
  try {
    const { status } = await send();
    const tally = statuses.get(who) ?? new Map<number, number>();
    statuses.set(who, tally.set(status, (tally.get(status) ?? 0) + 1));
  } catch (err) {
    const status = Number(/answered (\d+)/.exec(String(err))?.[1] ?? 0);
    failures.push({ who, what: `${what}: ${String(err).slice(0, 300)}`, status });
  }
}

function multipartBody(boundary: string, fields: Record<string, string>) {
  return Object.entries(fields)
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('')
    .concat(`--${boundary}--\r\n`);
}

async function sweep(who: string, client: Client, skip: (route: RegisteredRoute) => boolean): Promise<Failure[]> {
  const failures: Failure[] = [];
  // A token this client's cookie matches, so each request gets past the CSRF check.
  const csrf = (await client.get('/login')).status === 200 ? client.csrf() : (await client.get('/account/password'), client.csrf());
  // Deleting and removing last, so the records they take away are there for the other routes.
  const routes = registeredRoutes(site.app)
    .filter((r) => !skip(r))
    .sort((a, b) => Number(/delete|remove|logout/.test(a.url)) - Number(/delete|remove|logout/.test(b.url)));
  for (const route of routes) {
    // Others than admins are turned away from admin pages before any input is read: a few kinds of bad input show that.
    const few = who !== 'admin' && route.url.startsWith('/admin');
    const params = paramNames(route.url);
    for (const param of params) {
      for (const bad of few ? BAD_IN_URL.slice(0, 2) : BAD_IN_URL) {
        const url = concrete(route.url, param, bad);
        await attempt(failures, who, `${route.method} ${url}`, () => client.request(route.method, url, route.method === 'POST' ? { form: { _csrf: 'x' } } : {}));
      }
    }
    const url = concrete(route.url);
    if (route.method === 'GET') {
      for (const query of [
        'q=a%00b&page=%00',
        'q=%1B%5B2J&status=%C2%9B',
        'q[a]=b&page[]=1&status[x]=y&next[a]=b&due=zz&sort=%27',
        'q=a&q=b&page=-1&page=2&next=//evil.example&due=2026-13-45',
        `q=${'x'.repeat(5000)}`,
      ]) {
        await attempt(failures, who, `GET ${url}?${query}`, () => client.request('GET', `${url}?${query}`));
      }
      continue;
    }
    if (route.method !== 'POST') continue;
    const fields = fieldsByAction.get(url) ?? FALLBACK_FIELDS;
    const post = (what: string, options: { form?: Record<string, string>; headers?: Record<string, string>; body?: string }) =>
      attempt(failures, who, `POST ${url} ${what}`, () => client.request('POST', url, options));
    for (const bad of BAD_STRINGS) {
      await post(`fields=${JSON.stringify(bad)}`, { form: { ...Object.fromEntries(fields.map((f) => [f, bad])), _csrf: csrf } });
    }
    if (few) {
      await post('multipart without a boundary', { headers: { 'content-type': 'multipart/form-data' }, body: `_csrf=${csrf}` });
      continue;
    }
    const repeated = new URLSearchParams({ _csrf: csrf });
    for (const f of fields) {
      repeated.append(f, 'one');
      repeated.append(f, 'two');
    }
    await post('repeated fields', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: repeated.toString() });
    await post('long fields', { form: { ...Object.fromEntries(fields.map((f) => [f, 'y'.repeat(20_000)])), _csrf: csrf } });
    await post('empty', { form: { _csrf: csrf } });
    const json = (value: (i: number) => unknown) => JSON.stringify({ ...Object.fromEntries(fields.map((f, i) => [f, value(i)])), _csrf: csrf });
    await post('objects', { headers: { 'content-type': 'application/json' }, body: json(() => ({ a: 'b' })) });
    await post('arrays and numbers', { headers: { 'content-type': 'application/json' }, body: json((i) => (i % 2 ? ['x', 'y'] : 12)) });
    await post('nulls and booleans', { headers: { 'content-type': 'application/json' }, body: json((i) => (i % 2 ? null : true)) });
    await post('JSON control characters', { headers: { 'content-type': 'application/json' }, body: json(() => ({ deep: ['\u0000'] })) });
    await post('malformed JSON', { headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{"_csrf":' });
    await post('JSON that is not an object', { headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '"just a string"' });
    await post('multipart without a boundary', { headers: { 'content-type': 'multipart/form-data' }, body: `_csrf=${csrf}` });
    await post('broken multipart', {
      headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
      body: `--zzz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--zzz\r\nnonsense`,
    });
    await post('multipart with control characters', {
      headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
      body: multipartBody('zzz', { _csrf: csrf, ...Object.fromEntries(fields.map((f) => [f, 'a\u0000b'])) }),
    });
    await post('multipart with empty fields', {
      headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
      body: multipartBody('zzz', { _csrf: csrf, ...Object.fromEntries(fields.map((f) => [f, ''])) }),
    });
    await post('oversized body', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&${fields[0] ?? 'x'}=${'z'.repeat(1_100_000)}` });
  }
  return failures;
}

describe('the sweep of every route with bad input', () => {
  it('finds a route for every part of the site, with forms to fill', () => {
    const urls = registeredRoutes(site.app).map((r) => `${r.method} ${r.url}`);
    expect(urls.length).toBeGreaterThan(80);
    expect(urls).toContain('POST /join/:id');
    expect(fieldsByAction.get(`/join/${ids.level}`)).toContain('name');
    expect(fieldsByAction.get(`/admin/members/${ids.miaMembership}/details`)?.length).toBeGreaterThan(3);
  });

  it('never answers a visitor with a 5xx', async () => {
    expect(await sweep('visitor', new Client(site.app), () => false)).toEqual([]);
  }, 120_000);

  it('never answers a member with a 5xx', async () => {
    const member = await logIn(site, MIA);
    expect(await sweep('member', member, (r) => r.url === '/logout')).toEqual([]);
    expect((await member.get('/account')).status).toBe(200);
  }, 120_000);

  it('never answers an agency contact with a 5xx', async () => {
    const casey = await logIn(site, CASEY);
    expect(await sweep('agency contact', casey, (r) => r.url === '/logout' || !r.url.startsWith('/account'))).toEqual([]);
  }, 120_000);

  it('never answers an administrator with a 5xx', async () => {
    const admin = await logIn(site, ADMIN);
    expect(await sweep('admin', admin, (r) => r.url === '/logout')).toEqual([]);
    const tally = statuses.get('admin')!;
    // The handlers ran: forms refused beside their fields, pages shown, control characters refused.
    expect(tally.get(422) ?? 0).toBeGreaterThan(50);
    expect(tally.get(200) ?? 0).toBeGreaterThan(50);
    expect(tally.get(400) ?? 0).toBeGreaterThan(100);
    // Still signed in: the sweep ran as an administrator to its end.
    expect((await admin.get('/admin')).status).toBe(200);
  }, 180_000);

  afterAll(() => {
    if (process.env.SWEEP_REPORT) for (const [who, tally] of statuses) console.log(who, JSON.stringify([...tally].sort((a, b) => a[0] - b[0])));
  });
});
