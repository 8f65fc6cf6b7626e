import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue } from './support/client.js';
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
    {
      name: 'body over the size limit',
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `email=${'a'.repeat(1_100_000)}`,
      expected: [413],
    },
    {
      name: 'broken multipart',
      method: 'POST',
      url: '/admin/settings',
      headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
      payload: '--zzz\r\nnonsense',
      expected: [400, 403],
    },
    { name: 'bad percent-encoding in the path', method: 'GET', url: '/%E0%A4%A', expected: [400, 404] },
    {
      name: 'repeated form fields',
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a&email=b&_csrf=1&_csrf=2',
      expected: [403],
    },
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
    const res = await admin.request('POST', '/admin/pages', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: ['a'], body: { x: 1 }, _csrf: admin.csrf() }),
    });
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

/** Parsing a request is the client's business: whatever breaks while reading it is a 400, before any CSRF check. */
describe('a request body that cannot be parsed', () => {
  for (const url of ['/login', '/admin/settings', '/join/1', '/no-such-form']) {
    it(`multipart without a boundary to ${url} is a 400`, async () => {
      const res = await site.app.inject({ method: 'POST', url, headers: { 'content-type': 'multipart/form-data' }, payload: 'field=value' });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('The request could not be understood');
    });
  }

  it('a multipart body cut off in the middle of a part is a 400', async () => {
    const payload = '--zzz\r\nContent-Disposition: form-data; name="email"\r\n\r\nmia@exa';
    const res = await site.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'multipart/form-data; boundary=zzz' }, payload });
    expect([400, 403]).toContain(res.statusCode);
  });

  it('a multipart part without a name is a 400', async () => {
    const payload = '--zzz\r\nContent-Type: text/plain\r\n\r\nx\r\n--zzz--\r\n';
    const res = await site.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'multipart/form-data; boundary=zzz' }, payload });
    expect([400, 403]).toContain(res.statusCode);
  });
});

/**
 * NUL and the other invisible control characters: PostgreSQL refuses NUL (it was a 500) and SQLite
 * stored them. Refused at the edge, the same on both databases, with a page that says why.
 */
describe('control characters in what is sent', () => {
  const addresses = ['/ab%00out', '/news/x%00y', '/news/x%07y', '/admin/pages/1%00', '/join/1%00', '/news?page=1%00', '/login?next=/a%00b', '/news?x=%C2%85'];
  for (const url of addresses) {
    it(`in the address ${url}: a 400 that says why`, async () => {
      const res = await site.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('invisible control character');
    });
  }

  it('in the search boxes of the directory and of the admin member list', async () => {
    const admin = new Client(site.app);
    await admin.logIn('admin@example.org', 'correct horse battery staple');
    for (const url of ['/directory?q=ab%00c', '/admin/members?q=ab%00c', '/admin/members?q=%1B%5B31m', '/admin/members.csv?q=a%00']) {
      const res = await admin.request('GET', url);
      expect(res.status, url).toBe(400);
      expect(res.body).toContain('invisible control character');
    }
  });

  it('in the public application form: refused beside the field, the rest kept, and no account is made', async () => {
    const level = (await site.membership.lifecycle.listLevels())[0]!;
    const visitor = new Client(site.app);
    const res = await visitor.submit(`/join/${level.id}`, {
      name: 'Nul\u0000Person',
      email: 'nul@example.org',
      password: 'a long enough password',
      confirm: 'a long enough password',
      organization: 'City\u001bof Denver',
    });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'name')).toBe('Error: Remove the invisible control character from your full name (it often comes with copied text): it cannot be stored.');
    expect(fieldError(res.body, 'organization')).toMatch(/^Error: Remove the invisible control character from/);
    // What was typed is kept, the bad character shown as a replacement mark where it was.
    expect(inputValue(res.body, 'name')).toBe('Nul\uFFFDPerson');
    expect(inputValue(res.body, 'email')).toBe('nul@example.org');
    expect(res.body).not.toContain('\u0000');
    expect(await site.accounts.findUserByEmail('nul@example.org')).toBeUndefined();
  });

  it('in a custom member field of the application form: refused beside that field', async () => {
    const admin = new Client(site.app);
    await admin.logIn('admin@example.org', 'correct horse battery staple');
    const made = await admin.submit('/admin/fields/new', { label: 'Licence number', type: 'text', visibility: 'members' }, '/admin/fields');
    expect(made.status).toBe(303);
    const level = (await site.membership.lifecycle.listLevels())[0]!;
    const visitor = new Client(site.app);
    const form = await visitor.get(`/join/${level.id}`);
    const custom = /name="(f_[a-z0-9_]+|field_[a-z0-9_]+|[a-z_]*licence[a-z_]*)"/.exec(form.body)?.[1];
    expect(custom).toBeDefined();
    const res = await visitor.post(`/join/${level.id}`, {
      _csrf: visitor.csrf(),
      name: 'Lee Licence',
      email: 'lee@example.org',
      password: 'a long enough password',
      confirm: 'a long enough password',
      [custom!]: 'AB\u000012',
    });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, custom!)).toMatch(/^Error: Remove the invisible control character from/);
    expect(inputValue(res.body, 'name')).toBe('Lee Licence');
    expect(await site.accounts.findUserByEmail('lee@example.org')).toBeUndefined();
  });

  it('in a field the form does not check as text (a password): the whole form is refused with a page that says why', async () => {
    const res = await new Client(site.app).submit('/login', { email: 'admin@example.org', password: 'correct horse\u0000battery staple' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('The form contained a character that cannot be stored');
    expect(res.body).toContain('the field &quot;password&quot;');
    expect(res.headers['set-cookie']?.toString() ?? '').not.toContain('hw_session=');
  });

  it('in an admin form, a JSON body and a multipart text field: refused, nothing saved', async () => {
    const admin = new Client(site.app);
    await admin.logIn('admin@example.org', 'correct horse battery staple');
    await admin.get('/admin/pages/new');
    const form = await admin.post('/admin/pages', {
      _csrf: admin.csrf(),
      title: 'Bell\u0007page',
      slug: 'bell-page',
      description: '',
      body: 'Text I want to keep',
      visibility: 'public',
      menu_order: '',
    });
    expect(form.status).toBe(422);
    expect(fieldError(form.body, 'title')).toMatch(/^Error: Remove the invisible control character from/);
    expect(inputValue(form.body, 'body')).toBe('Text I want to keep');
    expect(await site.site.getPage('bell-page')).toBeUndefined();

    await admin.get('/admin/pages/new');
    const json = await admin.request('POST', '/admin/pages', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _csrf: admin.csrf(), title: 'Json page', slug: 'json-page', body: 'Text', nested: { deep: ['ok', 'a\u0000'] } }),
    });
    expect(json.status).toBe(400);
    expect(json.body).toContain('The form contained a character that cannot be stored');
    expect(await site.site.getPage('json-page')).toBeUndefined();

    await admin.get('/admin/settings');
    const multipart = await admin.postMultipart('/admin/settings', {
      _csrf: admin.csrf(),
      associationName: 'CIPCA\u0000',
      shortName: 'CIPCA',
      tagline: '',
      contactEmail: 'office@example.org',
      timeZone: 'America/Denver',
    });
    expect(multipart.status).toBe(422);
    expect(fieldError(multipart.body, 'associationName')).toMatch(/^Error: Remove the invisible control character from/);
    expect((await site.admin.getSettings()).associationName).not.toContain('\u0000');
  });

  it('keeps tabs, line breaks and every printable character, and binary uploads', async () => {
    const admin = new Client(site.app);
    await admin.logIn('admin@example.org', 'correct horse battery staple');
    const body = 'Line one\r\n\tIndented — «ünïcödé» 😀\nEnd';
    await admin.get('/admin/pages/new');
    const res = await admin.post('/admin/pages', {
      _csrf: admin.csrf(),
      title: 'Tabs and lines',
      slug: 'tabs-and-lines',
      description: '',
      body,
      visibility: 'public',
      menu_order: '',
    });
    expect(res.status).toBe(303);
    expect((await site.site.getPage('tabs-and-lines'))!.body_md).toContain('«ünïcödé» 😀');

    // A PNG holds NUL bytes: an uploaded file is its consumer's business, not refused here.
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d4944415478da63f8cf00000301010018dd8db00000000049454e44ae426082', 'hex');
    await admin.get('/admin/settings');
    const saved = await admin.postMultipart(
      '/admin/settings',
      { _csrf: admin.csrf(), associationName: 'CIPCA', shortName: 'CIPCA', tagline: '', contactEmail: 'office@example.org', timeZone: 'America/Denver' },
      { logo: { name: 'logo.png', type: 'image/png', body: png } },
    );
    expect(saved.status, saved.body.slice(0, 300)).toBe(303);
  });
});
