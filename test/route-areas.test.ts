/**
 * Who may use each part of the site is decided by the address, in one place (core/http/areas.ts):
 * all of /admin needs an administrator, all of /account a signed-in user. This walks every route
 * the modules registered, so a route added later under /admin or /account is checked too, and no
 * route can be left open by forgetting a guard (routes write none of their own).
 */
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userOf } from '#core/auth/guards.js';
import type { SessionUser } from '#core/auth/sessions.js';
import { areaOf } from '#core/http/areas.js';
import { registeredRoutes } from '#core/http/http.js';
import { refused } from '#core/result.js';
import { Client, visibleText } from './support/client.js';
import { TestClock } from './support/clock.js';
import { startTestSite, type TestSite } from './support/site.js';

const ADMIN = { email: 'board@example.org', password: 'correct horse battery staple', name: 'Board Admin' };
const MIA = { email: 'mia@example.org', password: 'members only password', name: 'Mia Member' };

let site: TestSite;
beforeAll(async () => {
  site = await startTestSite({ clock: new TestClock('2026-07-02T16:00:00.000Z') });
  await site.addUser({ ...ADMIN, role: 'admin' });
  await site.addUser(MIA);
}, 60_000);
afterAll(() => site.close());

/** Every route in an area, its parameters filled with an id (the guard answers before the handler looks). */
function routesIn(role: 'admin' | 'member') {
  return registeredRoutes(site.app)
    .filter((r) => areaOf(r.url) === role)
    .map((r) => ({ method: r.method, url: r.url.replace(/:[A-Za-z_]+/g, '1').replace(/\*/g, 'x') }));
}

/** A client with a valid form token, so a POST is refused by the guard and not as a forged form. */
async function stranger() {
  const client = new Client(site.app);
  await client.get('/login');
  return { client, csrf: client.csrf() };
}

async function member() {
  const client = new Client(site.app);
  await client.logIn(MIA.email, MIA.password);
  await client.get('/account');
  return { client, csrf: client.csrf() };
}

describe('every route under /admin and /account is guarded by its address', () => {
  it('finds the areas by address only', () => {
    expect(areaOf('/admin')).toBe('admin');
    expect(areaOf('/admin/members/:id')).toBe('admin');
    expect(areaOf('/admin/members.csv')).toBe('admin');
    expect(areaOf('/account')).toBe('member');
    expect(areaOf('/account/invoices/:id/pdf')).toBe('member');
    expect(areaOf('/administration-news')).toBe(null);
    expect(areaOf('/accounts')).toBe(null);
    expect(areaOf('/:slug')).toBe(null);
    expect(areaOf('/join')).toBe(null);
  });

  it('sends a stranger to log in from every /admin and /account page, and refuses their forms', async () => {
    const routes = [...routesIn('admin'), ...routesIn('member')];
    // Every module's pages are there: the walk cannot pass by finding nothing.
    for (const url of [
      '/admin',
      '/admin/members/1',
      '/admin/invoices/1',
      '/admin/mail/templates',
      '/admin/pages',
      '/admin/audit',
      '/account',
      '/account/two-factor',
      '/account/profile',
    ]) {
      expect(routes.map((r) => r.url)).toContain(url);
    }
    expect(routes.length).toBeGreaterThan(60);
    const { client, csrf } = await stranger();
    for (const { method, url } of routes) {
      if (method === 'GET') {
        const res = await client.get(url);
        expect(res.status, `GET ${url}`).toBe(303);
        expect(res.location, `GET ${url}`).toBe(`/login?next=${encodeURIComponent(url)}`);
      } else {
        const res = await client.request(method, url, { form: { _csrf: csrf } });
        expect(res.status, `${method} ${url}`).toBe(401);
        expect(visibleText(res.body), `${method} ${url}`).toContain('Your session has ended. Log in and try again.');
      }
    }
  });

  it('refuses a member every /admin route, pages and forms alike', async () => {
    const routes = routesIn('admin');
    expect(routes.length).toBeGreaterThan(40);
    const { client, csrf } = await member();
    for (const { method, url } of routes) {
      const res = method === 'GET' ? await client.get(url) : await client.request(method, url, { form: { _csrf: csrf } });
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(visibleText(res.body), `${method} ${url}`).toContain("This part of the site is for the association's administrators.");
    }
  });

  it('lets a member into their account pages', async () => {
    const { client } = await member();
    for (const { url } of routesIn('member').filter((r) => r.method === 'GET' && !r.url.includes('/1'))) {
      const res = await client.get(url);
      expect(res.status, url).not.toBe(303);
      expect([200, 404], url).toContain(res.status);
    }
  });

  it('lets an administrator in', async () => {
    const client = new Client(site.app);
    await client.logIn(ADMIN.email, ADMIN.password);
    for (const url of ['/admin', '/admin/members', '/admin/settings', '/account']) expect((await client.get(url)).status, url).toBe(200);
  });
});

/**
 * Never run: `npm run typecheck` (part of `npm test`) compiles it, and fails if a line marked
 * @ts-expect-error compiles, that is if the types stopped guarding these edges.
 */
export function typeChecks(request: FastifyRequest) {
  // @ts-expect-error the request's own user may be missing: a route reads it with userOf
  const unchecked: SessionUser = request.user;
  const user: SessionUser = userOf(request);
  // @ts-expect-error the user has a role, admin or member, and nothing else
  const role: 'visitor' = user.role;
  // @ts-expect-error a refusal's code is one of core/result.ts's, not a sentence
  const reworded = refused({ form: 'This member no longer exists.' }, 'This member no longer exists.');
  const gone = refused({ form: 'This member no longer exists.' }, 'not_found');
  // @ts-expect-error a refusal has no value to read until its `ok` is checked
  const value: never = gone.value;
  return [unchecked, user, role, reworded, gone, value];
}
