import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from './support/client.js';
import { startTestSite, type TestSite } from './support/site.js';

let site: TestSite;
beforeAll(async () => {
  site = await startTestSite();
  await site.addUser({ email: 'admin@example.org', password: 'correct horse battery staple', role: 'admin' });
});
afterAll(() => site.close());

/** Raw requests a browser would never send: each must get a 4xx answer, never a 500. */
describe('malformed requests get a 4xx answer', () => {
  const cases: { name: string; method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: string | Buffer; expected: number[] }[] = [
    { name: 'broken JSON', method: 'POST', url: '/login', headers: { 'content-type': 'application/json' }, payload: '{"email":', expected: [400] },
    { name: 'unknown content type', method: 'POST', url: '/login', headers: { 'content-type': 'text/x-weird' }, payload: 'x', expected: [415] },
    { name: 'body over the size limit', method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `email=${'a'.repeat(1_100_000)}`, expected: [413] },
    { name: 'broken multipart', method: 'POST', url: '/admin/settings', headers: { 'content-type': 'multipart/form-data; boundary=zzz' }, payload: '--zzz\r\nnonsense', expected: [400, 403] },
    { name: 'bad percent-encoding in the path', method: 'GET', url: '/%E0%A4%A', expected: [400, 404] },
    { name: 'repeated form fields', method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'email=a&email=b&_csrf=1&_csrf=2', expected: [403] },
    { name: 'an id that is not a number', method: 'GET', url: '/admin/pages/abc', expected: [303, 404] },
    { name: 'a huge id', method: 'GET', url: '/admin/pages/99999999999999999999', expected: [303, 404] },
    { name: 'an array as page number', method: 'GET', url: '/news?page=1&page=2', expected: [200] },
    { name: 'a next parameter that is an object', method: 'GET', url: '/login?next[a]=b', expected: [200] },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const res = await site.app.inject({ method: c.method, url: c.url, headers: c.headers, payload: c.payload });
      expect(c.expected, `${c.method} ${c.url} answered ${res.statusCode}`).toContain(res.statusCode);
      if (res.headers['content-type']?.toString().startsWith('text/html')) expect(res.body).toContain('</html>');
    });
  }

  it('treats odd input from a signed-in admin the same way', async () => {
    const admin = new Client(site.app);
    await admin.logIn('admin@example.org', 'correct horse battery staple');
    for (const url of ['/admin/pages/0', '/admin/pages/-1', '/admin/pages/1.5', '/admin/news/abc/delete', '/admin/mail/xyz', '/admin/users?page=-3']) {
      const res = await admin.get(url);
      expect([200, 404], `${url} answered ${res.status}`).toContain(res.status);
    }
    await admin.get('/admin/pages/new');
    const res = await admin.request('POST', '/admin/pages', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: ['a'], body: { x: 1 }, _csrf: admin.csrf() }) });
    expect(res.status).toBe(422);
  });
});

describe('unknown addresses', () => {
  it('answers a form posted to an address that does not exist with the friendly 404', async () => {
    const res = await site.app.inject({ method: 'POST', url: '/no-such-form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('We could not find a page at this address');
  });
});
