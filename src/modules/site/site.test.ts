import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import { addPeople, ADMIN, logIn, MEMBER } from '#test/support/kit.js';
import { startTestSite, type TestSite } from '#test/support/site.js';

let site: TestSite;

beforeAll(async () => {
  site = await startTestSite();
  await addPeople(site, { admins: [ADMIN], members: [MEMBER] });
});
afterAll(() => site.close());

describe('public site', () => {
  it('introduces the association on the home page with join and log-in calls', async () => {
    const res = await new Client(site.app).get('/');
    expect(res.status).toBe(200);
    const text = visibleText(res.body);
    expect(text).toContain('Colorado Industrial Pretreatment Coordinators Association');
    expect(text).toMatch(/What is industrial pretreatment\?/);
    expect(text).toMatch(/What is a POTW\?/);
    expect(text).toContain('40 CFR 403.3(q)');
    expect(res.body).toMatch(/<a class="button" href="\/join">Become a member<\/a>/);
    expect(res.body).toMatch(/href="\/login">Log in<\/a>/);
    expect(res.body).toMatch(/<meta name="description" content="[^"]{20,}"/);
    expect(res.body).not.toContain('<script');
  });

  it('serves content pages with their own title and description', async () => {
    const res = await new Client(site.app).get('/about');
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/<title>About CIPCA · CIPCA<\/title>/);
    expect(res.body).toMatch(/<h1>About CIPCA<\/h1>/);
  });

  it('answers an unknown address with a friendly 404 page', async () => {
    const res = await new Client(site.app).get('/no-such-page');
    expect(res.status).toBe(404);
    expect(visibleText(res.body)).toContain('We could not find a page at this address');
    expect(res.body).toContain('href="/"');
  });

  it('sends a visitor to log in for a members-only page and back to it afterwards', async () => {
    const visitor = new Client(site.app);
    const res = await visitor.get('/members');
    expect(res.status).toBe(303);
    expect(res.location).toBe('/login?next=%2Fmembers');
    await visitor.get('/login?next=%2Fmembers');
    const login = await visitor.post('/login?next=%2Fmembers', { email: MEMBER.email, password: MEMBER.password, _csrf: visitor.csrf() });
    expect(login.status).toBe(303);
    expect(login.location).toBe('/members');
    const page = await visitor.get('/members');
    expect(page.status).toBe(200);
    expect(visibleText(page.body)).toContain("Members' corner");
  });

  it('keeps members-only pages out of the public menu, the sitemap and the feed', async () => {
    const visitor = new Client(site.app);
    const home = await visitor.get('/');
    expect(home.body).not.toContain('href="/members"');
    const sitemap = await visitor.get('/sitemap.xml');
    expect(sitemap.headers['content-type']).toContain('application/xml');
    expect(sitemap.body).toContain('<loc>http://localhost:3000/about</loc>');
    expect(sitemap.body).not.toContain('/members');

    const member = await logIn(site, MEMBER);
    expect((await member.get('/')).body).toContain('href="/members"');
  });

  it('publishes news in a list, on its own page and in an RSS feed', async () => {
    const visitor = new Client(site.app);
    const list = await visitor.get('/news');
    expect(visibleText(list.body)).toContain('Welcome to our new website');
    const post = await visitor.get('/news/welcome-to-the-new-website');
    expect(post.status).toBe(200);
    const feed = await visitor.get('/news/feed.xml');
    expect(feed.headers['content-type']).toContain('application/rss+xml');
    expect(feed.body).toContain('<title><![CDATA[Welcome to our new website]]></title>');
  });
});

describe('admins edit pages', () => {
  it('shows an edited page to visitors at once', async () => {
    const visitor = new Client(site.app);
    expect(visibleText((await visitor.get('/contact')).body)).not.toContain('Call the hotline');
    const c = await logIn(site, ADMIN);
    const list = await c.get('/admin/pages');
    const id = /href="\/admin\/pages\/(\d+)">Contact</.exec(list.body)?.[1];
    expect(id).toBeDefined();
    const res = await c.submit(`/admin/pages/${id}`, {
      title: 'Contact us',
      slug: 'contact',
      description: 'How to reach the board.',
      body: '## Hotline\n\nCall the hotline at 555-0100.',
      visibility: 'public',
      menu_order: '4',
    });
    expect(res.status).toBe(303);
    const after = await visitor.get('/contact');
    expect(visibleText(after.body)).toContain('Call the hotline at 555-0100.');
    expect(after.body).toMatch(/<h1>Contact us<\/h1>/);
    expect((await visitor.get('/')).body).toContain('>Contact us</a>');
  });

  it('creates a members-only page that the public cannot see', async () => {
    const c = await logIn(site, ADMIN);
    const res = await c.submit('/admin/pages/new', { title: 'Board minutes', body: 'Minutes of **May**.', visibility: 'members', menu_order: '' }, '/admin/pages');
    expect(res.status).toBe(303);
    expect((await new Client(site.app).get('/board-minutes')).status).toBe(303);
    expect(visibleText((await c.get('/board-minutes')).body)).toContain('Minutes of May.');
  });

  it('refuses bad input with messages beside the fields and keeps what was typed', async () => {
    const c = await logIn(site, ADMIN);
    const res = await c.submit(
      '/admin/pages/new',
      { title: '', slug: 'Not A Slug!', description: 'x', body: 'Draft text I do not want to lose', visibility: 'public', menu_order: 'first' },
      '/admin/pages',
    );
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'title')).toBe('Error: Enter a title.');
    expect(fieldError(res.body, 'slug')).toMatch(/lower-case letters/);
    expect(fieldError(res.body, 'menu_order')).toMatch(/whole number/);
    expect(inputValue(res.body, 'body')).toBe('Draft text I do not want to lose');
    expect(inputValue(res.body, 'slug')).toBe('Not A Slug!');
    expect(res.body).toContain('aria-invalid="true"');
  });

  it('refuses an address the site uses itself, or one another page has', async () => {
    const c = await logIn(site, ADMIN);
    const reserved = await c.submit('/admin/pages/new', { title: 'Admin', slug: 'admin', body: 'x', visibility: 'public' }, '/admin/pages');
    expect(fieldError(reserved.body, 'slug')).toMatch(/used by the site itself/);
    const taken = await c.submit('/admin/pages/new', { title: 'About again', slug: 'about', body: 'x', visibility: 'public' }, '/admin/pages');
    expect(fieldError(taken.body, 'slug')).toMatch(/Another page already uses "\/about"/);
  });

  it('sanitizes Markdown: no scripts, no javascript: links, no event handlers', async () => {
    const c = await logIn(site, ADMIN);
    const body = '# Big\n\n<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n<img src="x" onerror="alert(3)">\n\n<b onclick="x()">bold</b>';
    await c.submit('/admin/pages/new', { title: 'Sanitize me', slug: 'sanitize-me', body, visibility: 'public' }, '/admin/pages');
    const page = await new Client(site.app).get('/sanitize-me');
    expect(page.status).toBe(200);
    expect(page.body).not.toMatch(/<script>alert/);
    expect(page.body).not.toMatch(/href="javascript:/);
    expect(page.body).not.toContain('onerror');
    expect(page.body).not.toContain('onclick');
    expect(page.body).toContain('<h2>Big</h2>');
  });

  it('escapes what admins type in titles', async () => {
    const c = await logIn(site, ADMIN);
    await c.submit('/admin/pages/new', { title: '<img src=x onerror=alert(1)>', slug: 'escaped', body: 'x', visibility: 'public' }, '/admin/pages');
    const page = await new Client(site.app).get('/escaped');
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)>');
    expect(page.body).not.toContain('<img src=x');
  });

  it('keeps the home page public and undeletable', async () => {
    const c = await logIn(site, ADMIN);
    const list = await c.get('/admin/pages');
    const id = /href="\/admin\/pages\/(\d+)">Colorado Industrial/.exec(list.body)?.[1];
    const res = await c.submit(`/admin/pages/${id}`, { title: 'Home', body: 'x', visibility: 'members' });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'visibility')).toBe('Error: The home page must stay public.');
    expect((await c.get(`/admin/pages/${id}/delete`)).status).toBe(200);
    const del = await c.post(`/admin/pages/${id}/delete`, { _csrf: c.csrf() });
    expect(del.status).toBe(422);
    expect((await new Client(site.app).get('/')).status).toBe(200);
  });

  it('deletes a page after a confirmation step', async () => {
    const c = await logIn(site, ADMIN);
    await c.submit('/admin/pages/new', { title: 'Old notice', body: 'x', visibility: 'public' }, '/admin/pages');
    const id = /\/admin\/pages\/(\d+)/.exec(c.last?.location ?? (await c.get('/admin/pages')).body)?.[1];
    const confirm = await c.get(`/admin/pages/${id}/delete`);
    expect(visibleText(confirm.body)).toContain('Delete the page “Old notice”? This cannot be undone.');
    const res = await c.post(`/admin/pages/${id}/delete`, { _csrf: c.csrf() });
    expect(res.status).toBe(303);
    expect((await new Client(site.app).get('/old-notice')).status).toBe(404);
  });
});

describe('admins write news', () => {
  it('keeps drafts off the site and the feed until published', async () => {
    const c = await logIn(site, ADMIN);
    const res = await c.submit('/admin/news/new', { title: 'Spring tour', body: 'We visit the plant.', visibility: 'public' }, '/admin/news');
    expect(res.status).toBe(303);
    const visitor = new Client(site.app);
    expect((await visitor.get('/news/spring-tour')).status).toBe(404);
    expect((await visitor.get('/news/feed.xml')).body).not.toContain('Spring tour');
    const edit = res.location!;
    await c.submit(edit, { title: 'Spring tour', slug: 'spring-tour', body: 'We visit the plant.', visibility: 'public', published: 'on' });
    expect((await visitor.get('/news/spring-tour')).status).toBe(200);
    expect((await visitor.get('/news/feed.xml')).body).toContain('Spring tour');
  });

  it('keeps members-only posts out of the public list and feed', async () => {
    const c = await logIn(site, ADMIN);
    await c.submit('/admin/news/new', { title: 'Members meeting notes', body: 'Secret notes.', visibility: 'members', published: 'on' }, '/admin/news');
    const visitor = new Client(site.app);
    expect(visibleText((await visitor.get('/news')).body)).not.toContain('Members meeting notes');
    expect((await visitor.get('/news/feed.xml')).body).not.toContain('Members meeting notes');
    expect((await visitor.get('/sitemap.xml')).body).not.toContain('members-meeting-notes');
    expect((await visitor.get('/news/members-meeting-notes')).status).toBe(303);
    const member = await logIn(site, MEMBER);
    expect(visibleText((await member.get('/news')).body)).toContain('Members meeting notes');
  });

  it('refuses a post without text and keeps the title', async () => {
    const c = await logIn(site, ADMIN);
    const res = await c.submit('/admin/news/new', { title: 'Half written', body: '   ', visibility: 'public' }, '/admin/news');
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'body')).toBe('Error: Write the text of the post.');
    expect(inputValue(res.body, 'title')).toBe('Half written');
  });
});

describe('roles are checked on the server', () => {
  const adminPaths = ['/admin', '/admin/pages', '/admin/pages/new', '/admin/news', '/admin/users', '/admin/mail', '/admin/settings'];

  it('sends visitors to log in and refuses members', async () => {
    const visitor = new Client(site.app);
    const member = await logIn(site, MEMBER);
    for (const path of adminPaths) {
      const v = await visitor.get(path);
      expect(v.status, path).toBe(303);
      expect(v.location, path).toBe(`/login?next=${encodeURIComponent(path)}`);
      expect((await member.get(path)).status, path).toBe(403);
    }
  });

  it('refuses a member who posts to an admin form', async () => {
    const member = await logIn(site, MEMBER);
    await member.get('/account/password');
    const res = await member.post('/admin/pages', { title: 'Hacked', body: 'x', visibility: 'public', _csrf: member.csrf() });
    expect(res.status).toBe(403);
    expect((await new Client(site.app).get('/hacked')).status).toBe(404);
  });
});

describe('Markdown preview', () => {
  it('shows admins the sanitized text without saving it', async () => {
    const c = await logIn(site, ADMIN);
    await c.get('/admin/pages/new');
    const res = await c.post('/admin/preview', { _csrf: c.csrf(), body: '## Fees\n\n<script>alert(1)</script>\n\n**Due** in May' });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<h2>Fees</h2>');
    expect(res.body).toContain('<strong>Due</strong>');
    expect(res.body).not.toContain('<script>');
    expect(res.body).not.toContain('<html');
  });

  it('is for admins only, and needs the form token', async () => {
    const member = await logIn(site, MEMBER);
    await member.get('/account/password');
    expect((await member.post('/admin/preview', { _csrf: member.csrf(), body: 'x' })).status).toBe(403);
    const c = await logIn(site, ADMIN);
    expect((await c.post('/admin/preview', { body: 'x' })).status).toBe(403);
  });
});
